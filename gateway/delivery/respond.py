"""Invoice Responses (Peppol BIS 63A) as a service: the recipient answers, the issuer hears.

Answering (the ERP of the buyer decides): the response is checked against the
BIS rules, rendered, kept in the blob store, written to the received invoice's
timeline with its new status, and queued to the seller's access point over AS4,
all in one transaction. Hearing: a response received over AS4 lands in the
timeline of the outbound invoice it names (by number, BT-1, sent to that buyer)
and sets its status.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from gateway.archive import attachments, ledger
from gateway.db import writer
from gateway.delivery import invoice_response, received
from gateway.delivery.errors import GiveUp, PeppolLookupError
from gateway.delivery.queue import Result
from gateway.delivery.service import Delivery, participant_id, set_status
from gateway.delivery.tables import DeliveryJob
from gateway.ids import new_id
from gateway.tables import StoredInvoice
from schemas.errors import GatewayError, Problem

log = logging.getLogger("gateway.delivery")

TASK = "invoice-response"
# Ledger kinds: on the received invoice (answered here), on the issued one (answered there).
ANSWERED = "invoice.response"
ANSWER_SENT = "delivery.invoice-response-sent"
ANSWER_RECEIVED = "delivery.invoice-response"


class ResponseRefused(GatewayError):
    """An Invoice Response that breaks a BIS rule, or an invoice that cannot be answered so."""

    status_code = 422


class NotAnswerable(GatewayError):
    """The invoice is not one this tenant may answer (issued here, or no Peppol access point)."""

    status_code = 409


@dataclass(frozen=True)
class Answered:
    """A response queued for delivery: what was said, and the job carrying it."""

    response: invoice_response.InvoiceResponse
    document_sha256: str
    job_id: str | None
    status: str


def _participant(address: Any) -> str | None:
    if address is None or not address.scheme or address.scheme.upper() == "EM":
        return None
    return f"{address.scheme}:{address.value}"


def answer(
    delivery: Delivery,
    record: StoredInvoice,
    *,
    code: str,
    clarifications: list[invoice_response.Clarification],
    note: str | None = None,
    effective_date: Any = None,
) -> Answered:
    """Answers a received invoice: checks, renders, records and queues the response.

    Raises:
        NotAnswerable: The invoice was issued here, or this gateway is no access point.
        ResponseRefused: The response or the invoice breaks a rule (each problem names
            the field and the rule).
    """
    if record.direction != "inbound":
        raise NotAnswerable(
            "only a received (inbound) invoice is answered with an Invoice Response; "
            f"invoice {record.id} was issued here",
            problems=[
                Problem(field="direction", message="expected inbound", value=record.direction)
            ],
        )
    if delivery.peppol is None:
        raise NotAnswerable(
            "this gateway is not a Peppol access point (EGW_PEPPOL_KEY unset); "
            "an Invoice Response cannot be sent"
        )
    with Session(delivery.engine) as session:
        invoice = delivery.open_invoice(session, record)
    sender = participant_id(invoice)
    receiver = _participant(invoice.seller.electronic_address)
    missing = [
        Problem(field=field, message=message, rule="missing", business_term=term)
        for field, term, message, value in (
            ("buyer.electronic_address", "BT-49", "the buyer's Peppol participant id", sender),
            ("seller.electronic_address", "BT-34", "the seller's Peppol participant id", receiver),
        )
        if value is None
    ]
    if missing or sender is None or receiver is None:
        raise ResponseRefused(
            "the invoice names no Peppol participant to answer from or to", problems=missing
        )
    response = invoice_response.InvoiceResponse(
        id=new_id(),
        code=code,
        invoice_number=record.number,
        invoice_type_code=record.type_code,
        invoice_issue_date=record.issue_date,
        sender=sender,
        sender_name=invoice.buyer.name,
        receiver=receiver,
        receiver_name=invoice.seller.name,
        note=note,
        effective_date=effective_date,
        clarifications=clarifications,
    )
    broken = invoice_response.check(response)
    if broken:
        raise ResponseRefused(
            "the Invoice Response breaks the Peppol BIS Invoice Response rules",
            problems=[Problem(field=p.field, message=p.message, rule=p.rule) for p in broken],
        )
    document = invoice_response.render(response)
    status = invoice_response.RESPONSE_CODES[code]
    with Session(writer(delivery.engine), expire_on_commit=False) as session, session.begin():
        current = session.get(StoredInvoice, record.id)
        assert current is not None
        kept = attachments.seal_for(
            delivery.archive, session, current, attachments.INVOICE_RESPONSE, document
        )
        sha256 = kept.sha256
        facts = _facts(response, document_sha256=sha256, **attachments.facts(kept))
        ledger.append(
            session,
            record.tenant_id,
            ANSWERED,
            record_id=record.id,
            facts=facts,
            blobs=[kept.sha256],
        )
        set_status(session, current, status)
        job = delivery.enqueue(
            session,
            tenant_id=record.tenant_id,
            task=TASK,
            dedupe_key=f"{TASK}:{response.id}",
            subject_id=record.id,
            invoice_id=record.id,
            payload={
                "document_sha256": sha256,
                "document_ref": kept.ref,
                "response_id": response.id,
                "code": code,
                "sender": sender,
                "recipient": receiver,
                "country": invoice.buyer.address.country,
            },
        )
        job_id = job.id if job is not None else None
    return Answered(response, sha256, job_id, status)


def _facts(response: invoice_response.InvoiceResponse, **more: Any) -> dict[str, Any]:
    """What the timeline keeps of a response: codes and terms, never the free texts."""
    return {
        "response_id": response.id,
        "response_code": response.code,
        "reasons": [c.code for c in response.clarifications if c.kind == "reason"],
        "actions": [c.code for c in response.clarifications if c.kind == "action"],
        "terms": sorted({t for c in response.clarifications for t, _ in c.terms if t}),
        **more,
    }


def make_handler(delivery: Delivery, access_point: Any) -> Any:
    """The ``invoice-response`` task: a response to the seller's access point over AS4."""

    def send(job: DeliveryJob, payload: dict[str, Any]) -> Result:
        record, document = _response_document(delivery, job, payload)
        try:
            sent = access_point.send(
                document,
                sender=payload["sender"],
                recipient=payload["recipient"],
                country=payload.get("country") or access_point.settings.peppol_sender_country,
                instance_id=payload["response_id"],
                message_id=f"{job.id}@{access_point.seat_id.lower()}.egw",
            )
        except PeppolLookupError as exc:
            raise GiveUp(exc.message) from None
        with Session(delivery.engine) as session:
            receipt = attachments.seal_for(
                delivery.archive, session, record, attachments.RECEIPT, sent.receipt
            )
        return Result(
            code=200,
            events=[
                (
                    ANSWER_SENT,
                    {
                        "message_id": sent.message_id,
                        "response_id": payload["response_id"],
                        "response_code": payload["code"],
                        "receipt_sha256": receipt.sha256,
                        "receiver_ap": sent.receiver_seat,
                        **attachments.facts(receipt),
                    },
                )
            ],
        )

    return send


def _response_document(
    delivery: Delivery, job: DeliveryJob, payload: dict[str, Any]
) -> tuple[StoredInvoice, bytes]:
    """The answered invoice and the response to send, opened from its sealed blob."""
    with Session(delivery.engine) as session:
        record = session.get(StoredInvoice, job.invoice_id) if job.invoice_id else None
        if record is None:
            raise GiveUp("the invoice the response answers no longer exists")
        sha256 = payload["document_sha256"]
        if "document_ref" in payload:
            kept = attachments.Attachment(
                attachments.INVOICE_RESPONSE, sha256, payload["document_ref"]
            )
        else:  # queued before responses were sealed: in clear, or sealed since
            found = [a for a in attachments.of_record(session, record) if a.sha256 == sha256]
            if not found:
                return record, delivery.archive.blobs.get(sha256)
            kept = found[0]
        return record, attachments.open_attachment(delivery.archive, session, record, kept)


def record_received(
    delivery: Delivery,
    tenant_id: str,
    message_id: str,
    document: bytes,
    *,
    signal: bytes,
    content_type: str,
) -> str | None:
    """A response about one of our invoices: its timeline and status follow the buyer's word.

    The invoice is the outbound one with the number answered, sent to the responding
    participant (BT-49 of the invoice). The response and the signal answered are
    sealed with it. Returns its id, or None when no invoice matches (the response is
    then not kept; the signal is, under a key of its own).
    """
    response = invoice_response.parse(document)
    with Session(writer(delivery.engine), expire_on_commit=False) as session, session.begin():
        candidates = session.exec(
            select(StoredInvoice)
            .where(
                StoredInvoice.tenant_id == tenant_id,
                StoredInvoice.direction == "outbound",
                StoredInvoice.number == response.invoice_number,
            )
            .order_by(col(StoredInvoice.id).desc())
        ).all()
        record = next(
            (
                r
                for r in candidates
                if (participant_id(delivery.open_invoice(session, r)) or "").lower()
                == response.sender.lower()
            ),
            None,
        )
        signal_kept = received.keep(
            delivery.archive,
            session,
            tenant_id=tenant_id,
            message_id=message_id,
            outcome="response",
            signal=signal,
            content_type=content_type,
            record=record,
        )
        if record is None or signal_kept is None:
            log.warning("an Invoice Response refers to no invoice of this tenant; kept only")
            return None
        kept = attachments.seal_for(
            delivery.archive, session, record, attachments.INVOICE_RESPONSE, document
        )
        facts = _facts(response, message_id=message_id, document_sha256=kept.sha256)
        ledger.append(
            session,
            tenant_id,
            ANSWER_RECEIVED,
            record_id=record.id,
            facts={**facts, **attachments.facts(signal_kept, kept)},
            blobs=[signal_kept.sha256, kept.sha256],
        )
        status = invoice_response.RESPONSE_CODES.get(response.code)
        if status is not None:
            set_status(session, record, status)
        delivery.emit(session, tenant_id, "invoice.response", {"invoice_id": record.id, **facts})
        return record.id
