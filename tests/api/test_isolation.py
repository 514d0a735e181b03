"""Tenants and roles: another tenant's data is invisible (404), roles gate every endpoint."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.api.drafts import api_draft


def _stored(gateway):
    response = gateway.client.post("/v1/invoices", json=api_draft("ISO-1"), headers=gateway.erp)
    assert response.status_code == 201, response.text
    return response.json()


def test_other_tenant_cannot_see_or_detect_an_invoice(gateway):
    stored = _stored(gateway)
    for key in (gateway.other_erp_key, gateway.other_admin_key):
        headers = gateway.auth(key)
        for path in ("", "/xml", "/signature", "/report", "/data"):
            response = gateway.client.get(f"/v1/invoices/{stored['id']}{path}", headers=headers)
            assert response.status_code == 404, (path, response.status_code)
        missing = gateway.client.get("/v1/invoices/01ZZZZZZZZZZZZZZZZZZZZZZZZ", headers=headers)
        assert missing.json()["title"].replace(
            "01ZZZZZZZZZZZZZZZZZZZZZZZZ", "X"
        ) == gateway.client.get(f"/v1/invoices/{stored['id']}", headers=headers).json()[
            "title"
        ].replace(stored["id"], "X")
        assert gateway.client.get("/v1/invoices", headers=headers).json()["data"] == []


def test_same_number_in_two_tenants_is_fine(gateway):
    assert (
        gateway.client.post(
            "/v1/invoices", json=api_draft("SHARED-1"), headers=gateway.erp
        ).status_code
        == 201
    )
    assert (
        gateway.client.post(
            "/v1/invoices", json=api_draft("SHARED-1"), headers=gateway.auth(gateway.other_erp_key)
        ).status_code
        == 201
    )


def test_roles(gateway):
    stored = _stored(gateway)
    make = lambda roles, **extra: gateway.client.post(  # noqa: E731
        "/v1/admin/keys", json={"name": "k", "roles": roles, **extra}, headers=gateway.admin
    ).json()["key"]
    compliance = gateway.auth(make(["compliance"]))
    auditor = gateway.auth(
        make(["auditor"], expires_at=(datetime.now(UTC) + timedelta(days=1)).isoformat())
    )
    for headers in (compliance, auditor):
        assert (
            gateway.client.get(f"/v1/invoices/{stored['id']}", headers=headers).status_code == 200
        )
        assert (
            gateway.client.post("/v1/invoices", json=api_draft("X"), headers=headers).status_code
            == 403
        )
        assert (
            gateway.client.post(
                "/v1/admin/keys", json={"name": "x", "roles": ["erp"]}, headers=headers
            ).status_code
            == 403
        )
    assert (
        gateway.client.post(
            "/v1/admin/keys", json={"name": "x", "roles": ["erp"]}, headers=gateway.erp
        ).status_code
        == 403
    )
    assert (
        gateway.client.post("/v1/invoices", json=api_draft("X"), headers=gateway.admin).status_code
        == 403
    )


def test_auditor_keys_must_be_time_boxed_and_expire(gateway):
    response = gateway.client.post(
        "/v1/admin/keys", json={"name": "a", "roles": ["auditor"]}, headers=gateway.admin
    )
    assert response.status_code == 422
    in_the_past = gateway.client.post(
        "/v1/admin/keys",
        json={
            "name": "a",
            "roles": ["auditor"],
            "expires_at": (datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
        },
        headers=gateway.admin,
    )
    assert in_the_past.status_code == 422
    created = gateway.client.post(
        "/v1/admin/keys",
        json={
            "name": "a",
            "roles": ["auditor"],
            "expires_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        },
        headers=gateway.admin,
    ).json()
    assert (
        gateway.client.get("/v1/invoices", headers=gateway.auth(created["key"])).status_code == 200
    )
    # Time passes: the key's expiry is now behind us.
    from sqlmodel import Session

    from gateway.tables import ApiKey

    with Session(gateway.app.state.engine) as session, session.begin():
        record = session.get(ApiKey, created["id"])
        record.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.add(record)
    # A change made in the database behind the API's back reaches the key cache when its
    # entry ages out (KeyCache.ttl); expiry and revocation through the API need no wait
    # (tests/api/test_key_cache.py).
    time.sleep(gateway.app.state.key_cache.ttl)
    assert (
        gateway.client.get("/v1/invoices", headers=gateway.auth(created["key"])).status_code == 401
    )


def test_revoked_and_unknown_keys_are_refused(gateway):
    created = gateway.client.post(
        "/v1/admin/keys", json={"name": "r", "roles": ["erp"]}, headers=gateway.admin
    ).json()
    headers = gateway.auth(created["key"])
    assert gateway.client.get("/v1/invoices", headers=headers).status_code == 200
    revoked = gateway.client.delete(f"/v1/admin/keys/{created['id']}", headers=gateway.admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert gateway.client.get("/v1/invoices", headers=headers).status_code == 401
    assert gateway.client.get("/v1/invoices", headers=gateway.auth("egw_nope")).status_code == 401
    assert gateway.client.get("/v1/invoices").status_code == 401
    # Another tenant's admin cannot revoke (or see) this tenant's keys.
    assert (
        gateway.client.delete(
            f"/v1/admin/keys/{created['id']}", headers=gateway.auth(gateway.other_admin_key)
        ).status_code
        == 404
    )
    listed = gateway.client.get("/v1/admin/keys", headers=gateway.admin).json()
    assert all("key" not in item for item in listed) and created["id"] in {
        item["id"] for item in listed
    }


def test_admin_lists_signing_keys_without_private_material(gateway):
    response = gateway.client.get("/v1/admin/signing-keys", headers=gateway.admin)
    assert response.status_code == 200
    keys = response.json()
    assert len(keys) == 1 and keys[0]["current"] is True
    assert keys[0]["certificate_pem"].startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE" not in response.text
    assert gateway.client.get("/v1/admin/signing-keys", headers=gateway.erp).status_code == 403
