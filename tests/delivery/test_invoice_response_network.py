"""Invoice Responses between two gateways on loopback: B answers a received invoice, A hears it."""

from __future__ import annotations

import time

import pytest
from sqlmodel import Session, select

from gateway.tables import StoredInvoice
from tests.delivery.peppol_network import network, peppol_draft
from tests.delivery.test_peppol import _intact, _timeline, _wait
from tests.delivery.timeline import assert_sealed

pytestmark = [
    pytest.mark.slow,  # two live gateways on loopback, as tests/delivery/test_peppol.py
    pytest.mark.usefixtures("artifacts_dir"),  # Peppol BIS 3 rules come from ../shared
]


def _received(node, number, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(node.app.state.engine) as session:
            found = session.exec(
                select(StoredInvoice).where(
                    StoredInvoice.direction == "inbound", StoredInvoice.number == number
                )
            ).first()
        if found is not None:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{number} never arrived")


def _status(node, invoice_id):
    with node.client() as client:
        return client.get(f"/v1/invoices/{invoice_id}", headers=node.erp).json()["status"]


def test_b_rejects_a_received_invoice_and_a_records_the_rejection(tmp_path):
    with network(tmp_path) as net:
        with net.a.client() as client:
            created = client.post("/v1/invoices", json=peppol_draft("IR-1"), headers=net.a.erp)
        assert created.status_code == 201, created.text
        sent_id = created.json()["id"]
        received = _received(net.b, "IR-1")
        with net.b.client() as client:
            # Bad answers are refused with the rule, and change nothing.
            bare = client.post(
                f"/v1/invoices/{received.id}/responses", json={"code": "RE"}, headers=net.b.erp
            )
            assert bare.status_code == 422, bare.text
            assert [p["rule"] for p in bare.json()["problems"]] == ["PEPPOL-T111-R001"]
            unknown = client.post(
                f"/v1/invoices/{received.id}/responses",
                json={"code": "RE", "reasons": [{"code": "XYZ"}]},
                headers=net.b.erp,
            )
            assert unknown.status_code == 422, unknown.text
            answered = client.post(
                f"/v1/invoices/{received.id}/responses",
                json={
                    "code": "RE",
                    "reasons": [
                        {
                            "code": "REF",
                            "text": "Order reference unknown",
                            "terms": [{"term": "BT-13", "description": "no such order"}],
                        }
                    ],
                    "actions": [{"code": "NIN"}],
                },
                headers=net.b.erp,
            )
        assert answered.status_code == 202, answered.text
        body = answered.json()
        assert body["code"] == "RE" and body["status"] == "rejected"
        assert _status(net.b, received.id) == "rejected"
        b_events = _wait(net.b, received.id, "delivery.invoice-response-sent")
        said = next(e for e in b_events if e["kind"] == "invoice.response")["facts"]
        assert said["reasons"] == ["REF"] and said["actions"] == ["NIN"]
        assert said["terms"] == ["BT-13"] and "Order reference unknown" not in str(b_events)

        a_events = _wait(net.a, sent_id, "delivery.invoice-response")
        heard = next(e for e in a_events if e["kind"] == "delivery.invoice-response")["facts"]
        assert heard["response_code"] == "RE" and heard["response_id"] == body["id"]
        assert heard["reasons"] == ["REF"] and heard["actions"] == ["NIN"]
        assert_sealed(net.a.app, heard, "as4-signal", "invoice-response")
        assert heard["attachments"][1]["sha256"] == heard["document_sha256"]
        assert_sealed(net.b.app, said, "invoice-response")
        sent = next(e for e in b_events if e["kind"] == "delivery.invoice-response-sent")
        assert_sealed(net.b.app, sent["facts"], "as4-receipt")
        assert _status(net.a, sent_id) == "rejected"
        with net.a.client() as client:
            listed = client.get(
                "/v1/invoices", params={"status": "rejected"}, headers=net.a.erp
            ).json()["data"]
        assert [item["id"] for item in listed] == [sent_id]
        _console_shows_the_received_invoice(net.b, received.id)
        _intact(net.a.app)
        _intact(net.b.app)


def _console_shows_the_received_invoice(node, invoice_id):
    from tests.console.helpers import sign_in

    with node.client() as client:
        sign_in(client, node.erp_key)
        inbound = client.get("/console/invoices", params={"direction": "inbound"})
        outbound = client.get("/console/invoices", params={"direction": "outbound"})
        rejected = client.get("/console/invoices", params={"status": "rejected"})
        page = client.get(f"/console/invoices/{invoice_id}")
    link = f'/console/invoices/{invoice_id}"'
    assert inbound.status_code == 200 and link in inbound.text
    assert outbound.status_code == 200 and link not in outbound.text
    assert link in rejected.text
    assert page.status_code == 200
    assert "<dt>Direction</dt><dd>inbound</dd>" in page.text
    assert "<dt>Status</dt><dd>rejected</dd>" in page.text
    assert "invoice.response" in page.text  # the answer is in the ledger timeline


def test_only_a_received_invoice_is_answered(tmp_path):
    with network(tmp_path) as net:
        with net.a.client() as client:
            created = client.post("/v1/invoices", json=peppol_draft("IR-2"), headers=net.a.erp)
            answered = client.post(
                f"/v1/invoices/{created.json()['id']}/responses",
                json={"code": "AP"},
                headers=net.a.erp,
            )
            missing = client.post(
                "/v1/invoices/01NOSUCHINVOICE0000000000/responses",
                json={"code": "AP"},
                headers=net.a.erp,
            )
        assert answered.status_code == 409, answered.text
        assert "inbound" in answered.json()["title"]
        assert missing.status_code == 404
        assert [e["kind"] for e in _timeline(net.a, created.json()["id"])].count(
            "invoice.response"
        ) == 0
