"""Console test helpers: sign-in and seed data."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.drafts import api_draft
from tests.conftest import CORPUS_DIR, require_dir

CSRF = re.compile(r'name="csrf" value="([^"]+)"')

INBOUND = {
    "Snippet1": "ubl/valid/peppol-base-example.xml",  # seller GB, buyer SE, EUR
    "TOSL110": "cii/valid/ce-CII_example5.xml",  # NL, DKK, attachments
    "TOSL108": "ubl/valid/peppol-Norwegian-example-1.xml",  # NO, a warning UBL-CR-679
}


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(client: Any, key: str) -> str:
    """Signs ``client`` in with ``key``; returns the session's CSRF token."""
    form = client.get("/console/login")
    assert form.status_code == 200
    response = client.post(
        "/console/login",
        data={"api_key": key, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    dashboard = client.get("/console")
    assert dashboard.status_code == 200
    return csrf_of(dashboard.text)


def seed(gateway: Any) -> dict[str, str]:
    """Stores two drafts and two inbound corpus documents; returns ids by invoice number."""
    require_dir(CORPUS_DIR, "test corpus")
    ids = {}
    for number, issued in (("API-1", "2026-11-01"), ("API-2", "2026-10-15")):
        response = gateway.client.post(
            "/v1/invoices", json=api_draft(number, issue_date=issued), headers=gateway.erp
        )
        assert response.status_code == 201, response.text
        ids[number] = response.json()["id"]
    for number, path in INBOUND.items():
        response = gateway.client.post(
            "/v1/invoices/xml?profile=en16931",
            content=(CORPUS_DIR / path).read_bytes(),
            headers={**gateway.erp, "Content-Type": "application/xml"},
        )
        assert response.status_code == 201, response.text
        ids[number] = response.json()["id"]
    return ids


def key_with_roles(gateway: Any, roles: list[str], *, admin_key: str | None = None) -> str:
    """A new key of the admin's tenant with ``roles`` (auditor keys get a time box)."""
    body: dict[str, Any] = {"name": "-".join(roles), "roles": roles}
    if "auditor" in roles:
        body["expires_at"] = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    response = gateway.client.post(
        "/v1/admin/keys", json=body, headers=gateway.auth(admin_key or gateway.admin_key)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["key"])
