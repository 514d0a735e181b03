"""Peppol AS4 between two gateways on loopback: lookup, send, receipt, inbound archive, MLR back."""

from __future__ import annotations

import time

import pytest
from as4.peppol import PeppolAS4Profile, PeppolSendingExchange, create_peppol_external_party
from sqlmodel import Session, select

from gateway.archive.verify import verify_archive
from gateway.delivery import mlr
from gateway.delivery.peppol_channel import business_identifiers
from gateway.delivery.tables import As4Inbound, DeliveryJob
from tests.delivery.peppol_network import BUYER, SELLER, network, peppol_draft
from tests.delivery.timeline import assert_sealed

pytestmark = [
    pytest.mark.usefixtures("artifacts_dir"),  # Peppol BIS 3 rules come from ../shared
    pytest.mark.slow,  # two live gateways on loopback
]


def _timeline(node, invoice_id):
    with node.client() as client:
        response = client.get(f"/v1/invoices/{invoice_id}/events", headers=node.erp)
    assert response.status_code == 200, response.text
    return response.json()["events"]


def _wait(node, invoice_id, kind, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = _timeline(node, invoice_id)
        if any(e["kind"] == kind for e in events):
            return events
        time.sleep(0.2)
    raise AssertionError(f"no {kind}: {[(e['kind'], e['facts']) for e in events]}")


def _intact(app):
    with Session(app.state.engine) as session:
        result = verify_archive(
            session, app.state.archive, certificates=app.state.keys.certificates
        )
    assert result.intact, result.as_dict()


def _inbound(node):
    with Session(node.app.state.engine) as session:
        from gateway.tables import StoredInvoice

        return session.exec(select(StoredInvoice).where(StoredInvoice.direction == "inbound")).all()


def test_a_sends_a_peppol_invoice_to_b_and_records_receipt_and_mlr(tmp_path):
    with network(tmp_path) as net:
        with net.a.client() as client:
            created = client.post("/v1/invoices", json=peppol_draft("AS4-1"), headers=net.a.erp)
        assert created.status_code == 201, created.text
        invoice = created.json()
        events = _wait(net.a, invoice["id"], "delivery.mlr")
        kinds = [e["kind"] for e in events]
        for kind in (
            "delivery.queued",
            "delivery.sent",
            "delivery.receipt",
            "delivery.delivered",
            "delivery.mlr",
        ):
            assert kind in kinds, kinds
        receipt = next(e for e in events if e["kind"] == "delivery.receipt")["facts"]
        assert receipt["non_repudiation"] == "verified" and receipt["receiver_ap"] == "PTEST00002"
        assert_sealed(net.a.app, receipt, "as4-receipt")
        assert receipt["attachments"][0]["sha256"] == receipt["receipt_sha256"]
        answer = next(e for e in events if e["kind"] == "delivery.mlr")["facts"]
        assert_sealed(net.a.app, answer, "as4-signal", "mlr")
        assert answer["response_code"] == "AP" and answer["rules"] == []
        (received,) = _inbound(net.b)
        assert received.number == "AS4-1" and received.profile == "peppol-bis-3"
        with net.b.client() as client:
            xml = client.get(f"/v1/invoices/{received.id}/xml", headers=net.b.erp).content
            b_events = client.get(f"/v1/invoices/{received.id}/events", headers=net.b.erp).json()[
                "events"
            ]
        assert business_identifiers(xml)[1] == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
        assert [e["kind"] for e in b_events][:2] == ["invoice.accepted", "delivery.received"]
        # B archived the bytes that travelled in the SBD (A's document without its XML
        # declaration, which cannot travel inside another document), not a re-serialisation.
        assert b_events[1]["facts"]["document_bytes"] == "as-sent"
        assert_sealed(net.b.app, b_events[1]["facts"], "as4-signal", "mlr")
        with Session(net.b.app.state.engine) as session:
            (row,) = session.exec(select(As4Inbound)).all()
        assert row.receipt is None and row.invoice_id == received.id
        assert row.receipt_sha256 == b_events[1]["facts"]["attachments"][0]["sha256"]
        with net.a.client() as client:
            sent_xml = client.get(f"/v1/invoices/{invoice['id']}/xml", headers=net.a.erp).content
        assert sent_xml.startswith(b"<?xml") and sent_xml.split(b"?>", 1)[1].strip() == xml
        _wait(net.b, received.id, "delivery.mlr-sent")
        _intact(net.a.app)
        _intact(net.b.app)


def _exchange(net):
    a_point = net.a.app.state.delivery.peppol
    b_point = net.b.app.state.delivery.peppol
    return a_point, PeppolSendingExchange(
        profile=PeppolAS4Profile,
        local_party=a_point.party,
        remote_party=create_peppol_external_party(b_point.seat_id, b_point.certificate),
    )


def _arguments(document):
    from as4.peppol import BusdoxDocidQnsDocumentIdentifier, PeppolAS4MessageBuilderArgs

    document_type, process = business_identifiers(document)
    return PeppolAS4MessageBuilderArgs(
        sender=SELLER,
        recipient=BUYER,
        document_type_identifier=BusdoxDocidQnsDocumentIdentifier.from_identifier_value(
            document_type
        ),
        document_identification_instance_identifier="TAMPER-1",
        process_identifier=process,
        c1_country_id="DE",
    )


def _valid_document(net):
    with net.a.client() as client:
        created = client.post(
            "/v1/invoices", json=peppol_draft("AS4-DOC"), headers=net.a.erp
        ).json()
        return client.get(f"/v1/invoices/{created['id']}/xml", headers=net.a.erp).content


def test_a_tampered_message_is_refused_with_a_failed_authentication_error(tmp_path):
    import httpx2

    with network(tmp_path) as net:
        document = _valid_document(net)
        _, exchange = _exchange(net)
        headers, body = exchange.build(document, _arguments(document))
        tampered = body.replace(BUYER.encode(), b"9957:FR00000000000", 1)
        assert tampered != body
        response = httpx2.post(f"{net.b.url}/as4", content=tampered, headers=headers, timeout=30)
        assert response.status_code == 200
        exchange.mark_sent()
        exchange.receive_signal(response.content)
        assert exchange.state == "rejected"
        assert exchange.error.error_code == "EBMS:0101"  # FailedAuthentication
        # B kept nothing of the tampered message (the untampered delivery of AS4-DOC is A's job's).
        with Session(net.b.app.state.engine) as session:
            assert session.get(As4Inbound, exchange.message_id) is None


def test_an_untrusted_sender_is_refused(tmp_path):
    import httpx2

    from tests.delivery.pki import certificate_authority, issue

    with network(tmp_path) as net:
        document = _valid_document(net)
        stranger_ca = certificate_authority("Stranger CA")
        stranger = issue(stranger_ca, "PTEST00001")
        from as4 import AS4LocalPrivateKey
        from as4.peppol import create_peppol_internal_party

        b_point = net.b.app.state.delivery.peppol
        exchange = PeppolSendingExchange(
            profile=PeppolAS4Profile,
            local_party=create_peppol_internal_party(
                "PTEST00001", stranger.certificate, AS4LocalPrivateKey(stranger.key)
            ),
            remote_party=create_peppol_external_party(b_point.seat_id, b_point.certificate),
        )
        headers, body = exchange.build(document, _arguments(document))
        response = httpx2.post(f"{net.b.url}/as4", content=body, headers=headers, timeout=30)
        exchange.mark_sent()
        exchange.receive_signal(response.content)
        assert exchange.state == "rejected" and exchange.error.error_code.startswith("EBMS:01")
        with Session(net.b.app.state.engine) as session:
            assert session.get(As4Inbound, exchange.message_id) is None


def test_an_invalid_invoice_gets_a_rejecting_mlr_naming_the_rules(tmp_path):
    with network(tmp_path) as net:
        document = _valid_document(net)
        # BR-CO-16 style break: the amount due no longer matches the totals.
        broken = document.replace(
            b'<cbc:PayableAmount currencyID="EUR">', b'<cbc:PayableAmount currencyID="EUR">9', 1
        )
        assert broken != document
        a_point = net.a.app.state.delivery.peppol
        sent = a_point.send(
            broken,
            sender=SELLER,
            recipient=BUYER,
            country="DE",
            instance_id="01BROKEN0000000000000000000",
            message_id="broken-1@test",
        )
        assert sent.receipt  # AS4 itself accepted the message: the receipt comes first
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with Session(net.b.app.state.engine) as session:
                job = session.exec(
                    select(DeliveryJob).where(
                        DeliveryJob.task == "mlr", DeliveryJob.dedupe_key == "mlr:broken-1@test"
                    )
                ).first()
            if job is not None and job.status == "done":
                break
            time.sleep(0.2)
        assert job is not None and job.status == "done", job
        import json

        response = mlr.parse(json.loads(job.payload)["mlr"].encode())
        assert response.code == "RE" and response.reference == "01BROKEN0000000000000000000"
        rules = {f.rule for f in response.findings}
        assert rules and all(rule for rule in rules), response.findings
        assert any(rule.startswith(("BR-", "PEPPOL-")) for rule in rules), rules
        assert all(r.number != "AS4-DOC" or r.amount_due != "9115.00" for r in _inbound(net.b))
        with Session(net.b.app.state.engine) as session:
            assert session.get(As4Inbound, "broken-1@test").outcome == "rejected"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # A received the MLR over AS4
            with Session(net.a.app.state.engine) as session:
                if session.get(As4Inbound, f"{job.id}@ptest00002.egw") is not None:
                    break
            time.sleep(0.2)
        else:
            raise AssertionError("A never received the rejecting MLR")
