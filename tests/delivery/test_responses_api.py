"""POST /v1/invoices/{id}/responses on a gateway that is no Peppol access point, and its guards."""

from __future__ import annotations

from tests.conftest import CORPUS_DIR


def _inbound(gateway):
    source = (CORPUS_DIR / "ubl" / "valid" / "peppol-base-example.xml").read_bytes()
    response = gateway.client.post(
        "/v1/invoices/xml?profile=en16931",
        content=source,
        headers={**gateway.erp, "Content-Type": "application/xml"},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _events(gateway, invoice_id):
    response = gateway.client.get(f"/v1/invoices/{invoice_id}/events", headers=gateway.erp)
    return [e["kind"] for e in response.json()["events"]]


def test_without_an_access_point_a_response_is_a_409_and_nothing_is_recorded(gateway, corpus_dir):
    invoice_id = _inbound(gateway)
    response = gateway.client.post(
        f"/v1/invoices/{invoice_id}/responses", json={"code": "AP"}, headers=gateway.erp
    )
    assert response.status_code == 409, response.text
    assert "Peppol access point" in response.json()["title"]
    assert "invoice.response" not in _events(gateway, invoice_id)
    status = gateway.client.get(f"/v1/invoices/{invoice_id}", headers=gateway.erp).json()
    assert status["status"] == "accepted"


def test_only_the_erp_role_of_the_same_tenant_answers(gateway, corpus_dir):
    invoice_id = _inbound(gateway)
    path = f"/v1/invoices/{invoice_id}/responses"
    assert gateway.client.post(path, json={"code": "AP"}, headers=gateway.admin).status_code == 403
    other = gateway.auth(gateway.other_erp_key)
    assert gateway.client.post(path, json={"code": "AP"}, headers=other).status_code == 404


def test_unknown_codes_and_fields_are_422_naming_the_field(gateway, corpus_dir):
    invoice_id = _inbound(gateway)
    path = f"/v1/invoices/{invoice_id}/responses"
    for body, field in (
        ({"code": "OK"}, "code"),
        ({"code": "RE", "reasons": [{"code": "BAD"}]}, "reasons.0.code"),
        ({"code": "UQ", "actions": [{"code": "PIN", "terms": [{"term": "13"}]}]}, None),
        ({"code": "AP", "colour": "green"}, "colour"),
    ):
        response = gateway.client.post(path, json=body, headers=gateway.erp)
        assert response.status_code == 422, (body, response.text)
        fields = [p["field"] for p in response.json()["problems"]]
        if field is not None:
            assert field in fields, fields
        else:
            assert any(f.startswith("actions.0.terms.0.term") for f in fields), fields
