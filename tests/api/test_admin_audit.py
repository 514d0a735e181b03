"""Issue 9 item 7: platform role, time-boxed auditor keys, audit events, readiness and storage failures."""

from __future__ import annotations

import errno
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from gateway import db
from gateway.tables import AuditEvent
from tests.api.drafts import api_draft


def _iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


def _events(gateway, action=None):
    with Session(gateway.app.state.engine) as session:
        statement = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            statement = statement.where(AuditEvent.action == action)
        return session.exec(statement).all()


def _key(gateway, headers, **body):
    return gateway.client.post("/v1/admin/keys", json={"name": "k", **body}, headers=headers)


def test_only_a_platform_key_creates_tenants(gateway):
    refused = gateway.client.post("/v1/admin/tenants", json={"name": "x"}, headers=gateway.admin)
    assert refused.status_code == 403
    assert "platform" in refused.json()["title"]
    created = gateway.client.post("/v1/admin/tenants", json={"name": "x"}, headers=gateway.platform)
    assert created.status_code == 201, created.text
    # The platform key sees no tenant's data and manages no tenant's keys.
    assert gateway.client.get("/v1/invoices", headers=gateway.platform).status_code == 403
    assert gateway.client.get("/v1/admin/keys", headers=gateway.platform).status_code == 403


def test_a_tenant_admin_cannot_mint_a_platform_key(shared_gateway):
    response = _key(shared_gateway, shared_gateway.admin, roles=["platform"])
    assert response.status_code == 403
    assert _events(shared_gateway, "key.create")[-1].detail.startswith("roles erp")  # nothing new


@pytest.mark.parametrize(
    ("expires", "field_rule"),
    [
        (None, "key.auditor-expiry-required"),
        (timedelta(days=-1), "key.expiry-in-past"),
        (timedelta(days=91), "key.auditor-expiry-too-far"),
    ],
)
def test_auditor_keys_are_time_boxed(shared_gateway, expires, field_rule):
    body = {"roles": ["auditor"]}
    if expires is not None:
        body["expires_at"] = _iso(expires)
    response = _key(shared_gateway, shared_gateway.admin, **body)
    assert response.status_code == 422, response.text
    problem = response.json()["problems"][0]
    assert (problem["field"], problem["rule"]) == ("expires_at", field_rule)


def test_auditor_key_within_the_maximum_and_a_configured_maximum(gateway):
    assert (
        _key(
            gateway, gateway.admin, roles=["auditor"], expires_at=_iso(timedelta(days=89))
        ).status_code
        == 201
    )
    gateway.app.state.settings.auditor_key_max_days = 10
    too_far = _key(gateway, gateway.admin, roles=["auditor"], expires_at=_iso(timedelta(days=11)))
    assert too_far.status_code == 422
    assert "10 days" in too_far.json()["problems"][0]["message"]


def test_no_key_expires_in_the_past(shared_gateway):
    response = _key(
        shared_gateway, shared_gateway.admin, roles=["erp"], expires_at=_iso(timedelta(minutes=-1))
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "expires_at"


def test_key_and_tenant_changes_are_audit_events(gateway):
    created = _key(gateway, gateway.admin, roles=["compliance"]).json()
    gateway.client.delete(f"/v1/admin/keys/{created['id']}", headers=gateway.admin)
    gateway.client.patch("/v1/admin/tenant", json={"number_prefix": "R-"}, headers=gateway.admin)
    tenant = gateway.client.post(
        "/v1/admin/tenants", json={"name": "third"}, headers=gateway.platform
    ).json()
    by_action = {}
    for event in _events(gateway):
        by_action.setdefault(event.action, []).append(event)
    assert created["id"] in {e.target for e in by_action["key.create"]}
    assert [e.target for e in by_action["key.revoke"]] == [created["id"]]
    assert by_action["tenant.update"][0].detail == "number_prefix 'INV-' -> 'R-'"
    assert tenant["id"] in {e.target for e in by_action["tenant.create"]}
    # The trail never holds a secret.
    trail = json.dumps([e.model_dump(mode="json") for e in _events(gateway)])
    assert created["key"] not in trail and tenant["admin_key"]["key"] not in trail


@pytest.mark.parametrize("role", ["auditor", "compliance"])
def test_every_read_by_an_auditor_or_compliance_key_is_recorded(gateway, role):
    stored = gateway.client.post(
        "/v1/invoices", json=api_draft("AUD-1"), headers=gateway.erp
    ).json()
    extra = {"expires_at": _iso(timedelta(days=30))} if role == "auditor" else {}
    key = _key(gateway, gateway.admin, roles=[role], **extra).json()
    headers = gateway.auth(key["key"])
    gateway.client.get(f"/v1/invoices/{stored['id']}", headers=headers)
    gateway.client.get(f"/v1/invoices/{stored['id']}/xml", headers=headers)
    gateway.client.get("/v1/invoices?buyer=Jane%20Doe&number=AUD-1", headers=headers)
    reads = [e for e in _events(gateway, "read") if e.api_key_id == key["id"]]
    assert [e.target for e in reads] == [
        f"/v1/invoices/{stored['id']}",
        f"/v1/invoices/{stored['id']}/xml",
        "/v1/invoices",
    ]
    assert reads[2].detail == "operation invoices-list; query: buyer, number"
    assert "Jane" not in json.dumps([e.model_dump(mode="json") for e in reads])
    # An ERP key's reads are not audit events (its submissions are).
    gateway.client.get("/v1/invoices", headers=gateway.erp)
    assert all(e.api_key_id in {key["id"]} for e in _events(gateway, "read"))


def test_readyz_is_not_ready_when_the_blob_store_cannot_write(gateway, monkeypatch):
    assert gateway.client.get("/readyz").status_code == 200
    import gateway.blobstore as blobstore

    def disk_full(_descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(blobstore.os, "fsync", disk_full)
    response = gateway.client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["blobs"] == "cannot write: No space left on device"


def test_a_blob_write_failure_is_a_503_and_stores_nothing(gateway, monkeypatch):
    def disk_full(_data, **_options):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(gateway.app.state.blobs, "put", disk_full)
    response = gateway.client.post("/v1/invoices", json=api_draft("FULL-1"), headers=gateway.erp)
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"] == "60"
    monkeypatch.undo()
    assert gateway.client.get("/v1/invoices", headers=gateway.erp).json()["data"] == []
    # The number is free again: the same draft succeeds once the disk has room.
    again = gateway.client.post("/v1/invoices", json=api_draft("FULL-1"), headers=gateway.erp)
    assert again.status_code == 201, again.text


def test_database_errors_never_reach_the_log_with_their_values(gateway, caplog):
    from gateway.api.errors import log_unexpected

    engine = gateway.app.state.engine
    assert engine.hide_parameters
    secret = "Jane Doe, 1 Private Lane"
    with pytest.raises(Exception) as caught, db.writer(engine).begin() as connection:
        connection.execute(
            text("INSERT INTO tenant (id, name) VALUES (:id, :name)"), {"id": None, "name": secret}
        )
    # SQLAlchemy withholds the parameters; PostgreSQL's own DETAIL line may still quote
    # the row, so the gateway logs a database error by type and stack only.
    assert "[SQL parameters hidden" in str(caught.value)
    caplog.clear()
    log_unexpected(caught.value)
    assert "IntegrityError" in caplog.text
    assert secret not in caplog.text and "Jane" not in caplog.text
