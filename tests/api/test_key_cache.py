"""API keys cached in memory: revocation and expiry still hold, within a second across workers."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.auth import KeyCache, Principal
from gateway.settings import Settings


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _principal(key_id: str = "k1", expires_at: datetime | None = None) -> Principal:
    return Principal(key_id=key_id, tenant_id="t1", roles=frozenset({"erp"}), expires_at=expires_at)


def test_an_entry_is_trusted_for_ttl_seconds_from_the_start_of_its_read():
    clock = FakeClock()
    cache = KeyCache(ttl=0.5, clock=clock)
    started = cache.start_read()
    clock.now += 0.2  # the database read took 0.2 s
    cache.put("egw_a", _principal(), started=started)
    assert cache.get("egw_a") == _principal()
    clock.now += 0.29
    assert cache.get("egw_a") == _principal()
    clock.now += 0.01  # 0.5 s after the read started
    assert cache.get("egw_a") is None
    assert cache.get("egw_other") is None


def test_forget_drops_the_key_and_a_read_it_overtook_is_not_cached():
    clock = FakeClock()
    cache = KeyCache(ttl=60, clock=clock)
    cache.put("egw_a", _principal("k1"), started=cache.start_read())
    cache.put("egw_b", _principal("k2"), started=cache.start_read())
    racing_read = cache.start_read()  # a request reads k1 while an admin revokes it
    cache.forget("k1")
    cache.put("egw_a", _principal("k1"), started=racing_read)
    assert cache.get("egw_a") is None
    assert cache.get("egw_b") == _principal("k2")


def test_an_expired_key_is_refused_from_the_cache_without_waiting_for_the_ttl():
    cache = KeyCache(ttl=3600)
    soon = datetime.now(UTC) + timedelta(milliseconds=50)
    cache.put("egw_a", _principal(expires_at=soon), started=cache.start_read())
    assert cache.get("egw_a") is not None
    time.sleep(0.06)
    assert cache.get("egw_a") is None


def test_the_cache_holds_at_most_max_entries_dropping_the_oldest():
    cache = KeyCache(ttl=60, max_entries=3)
    for index in range(5):
        cache.put(f"egw_{index}", _principal(f"k{index}"), started=cache.start_read())
    assert [cache.get(f"egw_{i}") is not None for i in range(5)] == [False, False, True, True, True]


def _new_key(gateway, roles, expires_at=None):
    body = {"name": "cached", "roles": roles}
    if expires_at is not None:
        body["expires_at"] = expires_at.isoformat()
    response = gateway.client.post("/v1/admin/keys", json=body, headers=gateway.admin)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_key_revoked_in_this_process_is_refused_at_once(gateway):
    created = _new_key(gateway, ["erp"])
    headers = gateway.auth(created["key"])
    assert gateway.client.get("/v1/invoices", headers=headers).status_code == 200  # now cached
    assert gateway.app.state.key_cache.get(created["key"]) is not None
    revoked = gateway.client.delete(f"/v1/admin/keys/{created['id']}", headers=gateway.admin)
    assert revoked.status_code == 200
    assert gateway.client.get("/v1/invoices", headers=headers).status_code == 401


def test_a_key_revoked_by_another_worker_is_refused_within_a_second(gateway, backend, tmp_path):
    """Two apps on one database stand for two worker processes, each with its own cache."""
    settings = gateway.app.state.settings
    other = create_app(Settings(data_dir=settings.data_dir, database_url=settings.database_url))
    created = _new_key(gateway, ["erp"])
    headers = gateway.auth(created["key"])
    with TestClient(other, raise_server_exceptions=False) as worker:
        assert worker.get("/v1/invoices", headers=headers).status_code == 200  # cached there
        revoked = gateway.client.delete(f"/v1/admin/keys/{created['id']}", headers=gateway.admin)
        assert revoked.status_code == 200
        revoked_at = time.monotonic()
        refused_after = None
        while time.monotonic() - revoked_at < 3:
            if worker.get("/v1/invoices", headers=headers).status_code == 401:
                refused_after = time.monotonic() - revoked_at
                break
            time.sleep(0.02)
    other.state.engine.dispose()
    assert refused_after is not None and refused_after < 1.0, refused_after


@pytest.mark.parametrize("ttl", [3600.0])
def test_an_expired_auditor_key_is_refused_even_while_cached(gateway, ttl):
    gateway.app.state.key_cache = KeyCache(ttl=ttl)  # the entry would otherwise live an hour
    created = _new_key(
        gateway, ["auditor"], expires_at=datetime.now(UTC) + timedelta(milliseconds=1500)
    )
    headers = gateway.auth(created["key"])
    assert gateway.client.get("/v1/invoices", headers=headers).status_code == 200
    assert gateway.app.state.key_cache.get(created["key"]) is not None
    time.sleep(max(0.0, datetime.fromisoformat(created["expires_at"]).timestamp() - time.time()))
    time.sleep(0.05)
    refused = gateway.client.get("/v1/invoices", headers=headers)
    assert refused.status_code == 401
    assert "expired" in refused.json()["title"]
