"""The e-mail channel against aiosmtpd on loopback: XML and PDF attached, status events recorded."""

from __future__ import annotations

import email
import hashlib
import socket
from email import policy

import pytest

from tests.api.conftest import BACKENDS
from tests.api.drafts import api_draft
from tests.delivery.conftest import make_gateway
from tests.delivery.timeline import assert_archive_intact, events, wait_for_event

aiosmtpd_controller = pytest.importorskip(
    "aiosmtpd.controller", reason="aiosmtpd comes with the test extra"
)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.answers: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's naming
        if self.answers:
            return self.answers.pop(0)
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = aiosmtpd_controller.Controller(inbox, hostname="127.0.0.1", port=_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def _draft(number):
    draft = api_draft(number)
    draft["buyer"]["electronic_address"] = {"value": "ap@buyer.example", "scheme": "EM"}
    return draft


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_invoice_is_mailed_with_its_xml_and_pdf(backend, smtp, tmp_path, request):
    inbox, port = smtp
    for gateway in make_gateway(
        backend,
        tmp_path / "d",
        request,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        # Rendering the PDF can outlast the fast queue's 2 s lease on a busy machine; the
        # job is then taken again and mailed twice (at-least-once, as designed).
        delivery_lease_seconds=30.0,
    ):
        created = gateway.client.post("/v1/invoices", json=_draft("MAIL-1"), headers=gateway.erp)
        assert created.status_code == 201, created.text
        invoice = created.json()
        timeline = wait_for_event(gateway, invoice["id"], "delivery.delivered")
        kinds = [e["kind"] for e in timeline]
        assert kinds[:2] == ["invoice.accepted", "delivery.queued"]
        assert kinds.index("delivery.sent") < kinds.index("delivery.delivered")
        assert timeline[-1]["kind"] == "invoice.status" and timeline[-1]["facts"] == {
            "status": "delivered"
        }
        (raw,) = inbox.messages
        message = email.message_from_bytes(raw, policy=policy.default)
        assert message["To"] == "ap@buyer.example" and "MAIL-1" in message["Subject"]
        parts = {
            p.get_content_type(): p.get_payload(decode=True) for p in message.iter_attachments()
        }
        xml = gateway.client.get(f"/v1/invoices/{invoice['id']}/xml", headers=gateway.erp).content
        assert (
            hashlib.sha256(parts["application/xml"]).hexdigest() == hashlib.sha256(xml).hexdigest()
        )
        assert parts["application/pdf"].startswith(b"%PDF")
        got = gateway.client.get(f"/v1/invoices/{invoice['id']}", headers=gateway.erp).json()
        assert got["status"] == "delivered"
        assert_archive_intact(gateway.app)
        # No address in the timeline (personal data stays in the sealed invoice).
        assert "ap@buyer.example" not in str(timeline)


@pytest.mark.slow
def test_a_temporary_smtp_refusal_is_retried_and_a_permanent_one_fails(smtp, tmp_path, request):
    inbox, port = smtp
    for gateway in make_gateway(
        "sqlite",
        tmp_path / "d",
        request,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
    ):
        inbox.answers = ["451 try again later"]
        first = gateway.client.post(
            "/v1/invoices", json=_draft("MAIL-RETRY"), headers=gateway.erp
        ).json()
        timeline = wait_for_event(gateway, first["id"], "delivery.delivered")
        failed = [e for e in timeline if e["kind"] == "delivery.attempt-failed"]
        assert len(failed) == 1 and failed[0]["facts"]["code"] == 451
        assert len(inbox.messages) == 1
        inbox.answers = ["554 no such mailbox"]
        second = gateway.client.post(
            "/v1/invoices", json=_draft("MAIL-FAIL"), headers=gateway.erp
        ).json()
        timeline = wait_for_event(gateway, second["id"], "delivery.failed")
        assert timeline[-1]["facts"] == {"status": "delivery_failed"}
        assert (
            gateway.client.get(f"/v1/invoices/{second['id']}", headers=gateway.erp).json()["status"]
            == "delivery_failed"
        )
        assert len(inbox.messages) == 1
        assert_archive_intact(gateway.app)
        assert [e["kind"] for e in events(gateway, second["id"])].count("delivery.failed") == 1
