"""The invoice endpoints over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib

import pytest
from lxml import etree

from signing import verify
from tests.api.drafts import api_draft
from tests.conftest import CORPUS_DIR, corpus_files


def test_submit_draft_then_read_every_part(gateway):
    response = gateway.client.post("/v1/invoices", json=api_draft(), headers=gateway.erp)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (
        body["number"] == "API-1"
        and body["profile"] == "en16931"
        and body["signature_kind"] == "enveloped"
    )
    assert body["amount_due"] == "134.45"
    assert response.headers["location"] == f"/v1/invoices/{body['id']}"
    assert body["retain_until"] == "2034-12-31"  # DE: 8 years from the end of the issue year
    # The completed totals and VAT breakdown are part of the response (DESIGN.md).
    assert body["totals"]["total_with_vat"] == "134.45"
    assert {(b["category"], b["rate"]) for b in body["vat_breakdown"]} == {("S", "19"), ("S", "7")}
    data = gateway.client.get(body["links"]["data"], headers=gateway.erp).json()
    assert (
        data["invoice"]["number"] == "API-1"
        and data["invoice"]["lines"][0]["net_amount"] == "100.00"
    )
    assert any(step["rule"] == "BR-CO-15" for step in data["trace"]["steps"])

    got = gateway.client.get(f"/v1/invoices/{body['id']}", headers=gateway.erp)
    assert got.status_code == 200 and got.json() == body

    xml = gateway.client.get(body["links"]["xml"], headers=gateway.erp)
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    assert hashlib.sha256(xml.content).hexdigest() == body["document_sha256"]
    info = verify(xml.content, trusted=gateway.app.state.keys)
    assert info.key_id == body["signing_key_id"]

    report = gateway.client.get(body["links"]["report"], headers=gateway.erp)
    assert report.status_code == 200 and report.json()["valid"] is True
    svrl = gateway.client.get(
        body["links"]["report"], headers={**gateway.erp, "Accept": "application/svrl+xml"}
    )
    assert svrl.headers["content-type"].startswith("application/svrl+xml")
    assert etree.fromstring(svrl.content).tag == "{http://purl.oclc.org/dsdl/svrl}schematron-output"

    # An enveloped signature has no separate signature document.
    assert (
        gateway.client.get(f"/v1/invoices/{body['id']}/signature", headers=gateway.erp).status_code
        == 404
    )


def test_inbound_xml_is_sealed_with_a_detached_signature(gateway, corpus_dir):
    source = (CORPUS_DIR / "ubl" / "valid" / "ce-ubl-tc434-example1.xml").read_bytes()
    response = gateway.client.post(
        "/v1/invoices/xml",
        content=source,
        headers={**gateway.erp, "Content-Type": "application/xml"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["direction"] == "inbound" and body["signature_kind"] == "detached"
    stored = gateway.client.get(body["links"]["xml"], headers=gateway.erp).content
    assert stored == source  # exact bytes
    signature = gateway.client.get(body["links"]["signature"], headers=gateway.erp).content
    assert (
        verify(signature, trusted=gateway.app.state.keys, detached_data=stored).kind == "detached"
    )


@pytest.mark.slow
def test_every_valid_corpus_instance_is_accepted(gateway, corpus_dir):
    accepted = 0
    for path in corpus_files("ubl", "valid"):
        # A tenant per file: corpus examples reuse invoice numbers of the same seller.
        tenant = gateway.client.post(
            "/v1/admin/tenants", json={"name": path.name[:100]}, headers=gateway.platform
        ).json()
        admin = {"Authorization": f"Bearer {tenant['admin_key']['key']}"}
        erp_key = gateway.client.post(
            "/v1/admin/keys", json={"name": "erp", "roles": ["erp"]}, headers=admin
        ).json()["key"]
        response = gateway.client.post(
            "/v1/invoices/xml?profile=en16931",
            content=path.read_bytes(),
            headers={"Authorization": f"Bearer {erp_key}", "Content-Type": "application/xml"},
        )
        assert response.status_code == 201, (path.name, response.text[:500])
        accepted += 1
    assert accepted == 58


def test_failing_draft_stores_nothing_but_an_audit_line(gateway):
    from sqlmodel import Session, select

    from gateway.tables import AuditEvent, StoredInvoice

    draft = api_draft()
    draft["lines"][0]["tax_class"] = "luxury"
    response = gateway.client.post("/v1/invoices", json=draft, headers=gateway.erp)
    assert response.status_code == 422
    problem = response.json()
    assert (
        problem["problems"][0]["field"] == "lines[0].tax_class"
        and problem["problems"][0]["rule"] == "tax.unknown-class"
    )
    with Session(gateway.app.state.engine) as session:
        assert session.exec(select(StoredInvoice)).all() == []
        events = session.exec(select(AuditEvent).where(AuditEvent.outcome == "rejected")).all()
    assert len(events) == 1 and "tax.unknown-class" in events[0].detail


def test_list_filters_and_cursor_pagination(gateway):
    ids = []
    for index in range(5):
        response = gateway.client.post(
            "/v1/invoices",
            json=api_draft(
                f"LIST-{index}",
                issue_date=f"2026-11-0{index + 1}",
                delivery_date=f"2026-11-0{index + 1}",
            ),
            headers=gateway.erp,
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    seen, cursor = [], None
    while True:
        page = gateway.client.get(
            "/v1/invoices",
            params={"limit": 2, **({"cursor": cursor} if cursor else {})},
            headers=gateway.erp,
        ).json()
        seen += [item["id"] for item in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    only = gateway.client.get(
        "/v1/invoices", params={"number": "LIST-3"}, headers=gateway.erp
    ).json()["data"]
    assert [item["number"] for item in only] == ["LIST-3"]
    window = gateway.client.get(
        "/v1/invoices",
        params={"issued_from": "2026-11-02", "issued_to": "2026-11-03"},
        headers=gateway.erp,
    ).json()["data"]
    assert [item["number"] for item in window] == ["LIST-1", "LIST-2"]
    by_buyer = gateway.client.get(
        "/v1/invoices",
        params={"buyer": "DE136695976", "seller": "DE811907980"},
        headers=gateway.erp,
    ).json()["data"]
    assert len(by_buyer) == 5


def test_duplicate_number_is_a_conflict(gateway):
    assert (
        gateway.client.post(
            "/v1/invoices", json=api_draft("DUP-1"), headers=gateway.erp
        ).status_code
        == 201
    )
    response = gateway.client.post("/v1/invoices", json=api_draft("DUP-1"), headers=gateway.erp)
    assert response.status_code == 409
    assert response.json()["problems"][0]["rule"] == "duplicate-number"


def test_idempotent_retry_returns_the_original(gateway):
    headers = {**gateway.erp, "Idempotency-Key": "retry-1"}
    first = gateway.client.post("/v1/invoices", json=api_draft("IDEM-1"), headers=headers)
    second = gateway.client.post("/v1/invoices", json=api_draft("IDEM-1"), headers=headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["idempotent-replayed"] == "true"
    xml_first = gateway.client.get(first.json()["links"]["xml"], headers=gateway.erp).content
    xml_second = gateway.client.get(second.json()["links"]["xml"], headers=gateway.erp).content
    assert xml_first == xml_second
    changed = gateway.client.post("/v1/invoices", json=api_draft("IDEM-2"), headers=headers)
    assert changed.status_code == 409


def test_numbering_assigns_gap_free_numbers(gateway):
    numbers = []
    for _ in range(3):
        response = gateway.client.post("/v1/invoices", json=api_draft(None), headers=gateway.erp)
        assert response.status_code == 201, response.text
        numbers.append(response.json()["number"])
    assert numbers == ["INV-2026-000001", "INV-2026-000002", "INV-2026-000003"]
    bad = api_draft(None)
    bad["lines"][0]["tax_class"] = "luxury"
    assert gateway.client.post("/v1/invoices", json=bad, headers=gateway.erp).status_code == 422
    # The rejected draft gave its number back.
    assert (
        gateway.client.post("/v1/invoices", json=api_draft(None), headers=gateway.erp).json()[
            "number"
        ]
        == "INV-2026-000004"
    )


def test_validate_endpoint_stores_nothing(shared_gateway, corpus_dir):
    source = (CORPUS_DIR / "ubl" / "valid" / "ce-ubl-tc434-example1.xml").read_bytes()
    headers = {**shared_gateway.erp, "Content-Type": "application/xml"}
    report = shared_gateway.client.post("/v1/validate", content=source, headers=headers)
    assert report.status_code == 200 and report.json()["valid"] is True
    broken = source.replace(b"<cbc:DocumentCurrencyCode>EUR", b"<cbc:DocumentCurrencyCode>EUX")
    report = shared_gateway.client.post("/v1/validate", content=broken, headers=headers)
    assert report.json()["valid"] is False and "BR-CL-04" in {
        f["rule_id"] for f in report.json()["findings"]
    }
    svrl = shared_gateway.client.post(
        "/v1/validate", content=broken, headers={**headers, "Accept": "application/svrl+xml"}
    )
    assert b"BR-CL-04" in svrl.content
    assert (
        shared_gateway.client.get("/v1/invoices", headers=shared_gateway.erp).json()["data"] == []
    )


def test_health(shared_gateway):
    assert shared_gateway.client.get("/healthz").json() == {"status": "ok"}
    ready = shared_gateway.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "blobs": "ok"}


def test_access_log_has_no_query_strings(gateway, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="gateway.access"):
        gateway.client.get("/v1/invoices", params={"buyer": "Jane Doe"}, headers=gateway.erp)
    lines = [r.getMessage() for r in caplog.records if r.name == "gateway.access"]
    assert lines and lines[-1].startswith("GET /v1/invoices 200")
    assert "Jane" not in " ".join(lines)


@pytest.mark.slow
def test_every_valid_cii_instance_is_accepted_and_kept_byte_exact(
    gateway, corpus_dir, artifacts_dir
):
    for path in corpus_files("cii", "valid"):
        tenant = gateway.client.post(
            "/v1/admin/tenants", json={"name": path.name[:100]}, headers=gateway.platform
        ).json()
        admin = {"Authorization": f"Bearer {tenant['admin_key']['key']}"}
        erp = {
            "Authorization": "Bearer "
            + gateway.client.post(
                "/v1/admin/keys", json={"name": "erp", "roles": ["erp"]}, headers=admin
            ).json()["key"]
        }
        response = gateway.client.post(
            "/v1/invoices/xml",
            content=path.read_bytes(),
            headers={**erp, "Content-Type": "application/xml"},
        )
        assert response.status_code == 201, (path.name, response.text[:500])
        body = response.json()
        assert body["syntax"] == "cii"
        assert gateway.client.get(body["links"]["xml"], headers=erp).content == path.read_bytes()


def test_numbering_is_optional_per_tenant(gateway):
    off = gateway.client.patch(
        "/v1/admin/tenant", json={"number_prefix": None}, headers=gateway.admin
    )
    assert off.status_code == 200 and off.json()["number_prefix"] is None
    refused = gateway.client.post("/v1/invoices", json=api_draft(None), headers=gateway.erp)
    assert refused.status_code == 422 and refused.json()["problems"][0]["field"] == "number"
    on = gateway.client.patch(
        "/v1/admin/tenant", json={"number_prefix": "RE-"}, headers=gateway.admin
    )
    assert on.json()["number_prefix"] == "RE-"
    assert (
        gateway.client.post("/v1/invoices", json=api_draft(None), headers=gateway.erp).json()[
            "number"
        ]
        == "RE-2026-000001"
    )
    assert (
        gateway.client.patch(
            "/v1/admin/tenant", json={"number_prefix": "bad prefix!"}, headers=gateway.admin
        ).status_code
        == 422
    )


def test_missing_rule_set_is_the_gateways_503_not_the_clients_422(gateway, tmp_path, monkeypatch):
    from schemas import artifacts

    monkeypatch.setenv("EGW_ARTIFACTS_DIR", str(tmp_path))  # an empty folder: no Peppol rules
    artifacts._loaded.clear()
    try:
        response = gateway.client.post(
            "/v1/invoices", json=api_draft("NO-RULES", profile="peppol-bis-3"), headers=gateway.erp
        )
    finally:
        artifacts._loaded.clear()
    assert response.status_code == 503
    problem = response.json()
    assert problem["problems"][0]["rule"] == "EGW-RULESET-NOT-AVAILABLE"
    assert gateway.client.get("/v1/invoices", headers=gateway.erp).json()["data"] == []
