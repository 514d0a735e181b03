"""Peppol AS4 (profile 2.0, via the ``as4`` package): sending invoices and MLRs, receiving both.

Sending: SML/SMP lookup of the recipient, an AS4 user message signed with this
access point's key and encrypted for the receiver's certificate, the signed
receipt checked against what was signed (non-repudiation) and kept in the blob
store, its hash in the invoice's timeline. The AS4 MessageId is derived from the
job, so an attempt repeated after a crash is the same message to the receiver,
which answers it with a fresh receipt instead of archiving a second copy.

Receiving (``POST /as4``): the sender's signature is verified against the
trusted access-point CAs and the message decrypted (both by ``as4``); an invoice
is validated with the official rules of its profile and archived as inbound;
the answer is a signed receipt, and an MLR (accepted, or rejected with the rule
ids) goes back to the sender over AS4 as a job of its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx2
from as4 import AS4LocalPrivateKey, ParticipantNotServicedError, ReceiptVerificationError
from as4.core.references import AS4References
from as4.peppol import (
    BusdoxDocidQnsDocumentIdentifier,
    PeppolAS4MessageBuilderArgs,
    PeppolAS4Profile,
    PeppolSendingExchange,
    create_peppol_external_party,
    create_peppol_internal_party,
    parse_peppol_message,
    peppol_security_policy,
)
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from cryptography.x509.oid import NameOID
from fastapi import FastAPI
from lxml import etree
from sqlmodel import Session, col, select

from gateway.api.errors import status_of
from gateway.archive import attachments, ledger
from gateway.db import writer
from gateway.delivery import invoice_response, mlr, received, respond, sbd, smp
from gateway.delivery.errors import GiveUp, PeppolLookupError, RetryLater
from gateway.delivery.queue import Result
from gateway.delivery.service import MLR, Delivery, participant_id
from gateway.delivery.tables import As4Inbound, DeliveryJob
from gateway.ids import new_id
from gateway.settings import Settings
from gateway.tables import StoredInvoice, Tenant
from schemas.errors import GatewayError
from schemas.xml_input import parse_xml

log = logging.getLogger("gateway.delivery")

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
RECEIVED = "delivery.received"
MLR_SENT = "delivery.mlr-sent"


def common_name(certificate: x509.Certificate) -> str:
    """The certificate's CN: a Peppol access point's seat id."""
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def _pem_certificates(paths: list[Any]) -> list[x509.Certificate]:
    found: list[x509.Certificate] = []
    for path in paths:
        found.extend(x509.load_pem_x509_certificates(path.read_bytes()))
    return found


def business_identifiers(xml: bytes) -> tuple[str, str]:
    """(document type id, process id) of a UBL business document, per Peppol's busdox-docid-qns.

    >>> business_identifiers(b'<Invoice xmlns="urn:x"><CustomizationID xmlns="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">c</CustomizationID></Invoice>')[0]
    'urn:x::Invoice##c::2.1'
    """
    root = parse_xml(xml).getroot()
    name = etree.QName(root)
    customization = root.findtext(f"{{{CBC}}}CustomizationID", "").strip()
    process = root.findtext(f"{{{CBC}}}ProfileID", "").strip()
    return f"{name.namespace}::{name.localname}##{customization}::2.1", process


@dataclass(frozen=True)
class Sent:
    """A message the receiving access point acknowledged with a verified receipt."""

    message_id: str
    receipt: bytes
    receiver_seat: str


class AccessPoint:
    """This gateway as a Peppol access point: its key and certificate, what it trusts, how it looks up."""

    def __init__(self, settings: Settings) -> None:
        assert settings.peppol_key is not None and settings.peppol_cert is not None
        key = load_pem_private_key(settings.peppol_key.read_bytes(), password=None)
        self.certificate = x509.load_pem_x509_certificate(settings.peppol_cert.read_bytes())
        self.seat_id = common_name(self.certificate)
        self.party = create_peppol_internal_party(
            self.seat_id,
            self.certificate,
            AS4LocalPrivateKey(key),
        )
        self.anchors = _pem_certificates(settings.peppol_trust_anchors)
        self.policy = peppol_security_policy(*self.anchors) if self.anchors else None
        self.smp_anchors = _pem_certificates(settings.smp_trust_anchors)
        self.settings = settings
        self.resolver: smp.NaptrResolver = smp.dns_naptr  # injectable (tests)

    def lookup(self, participant: str, *, document_type: str, process: str) -> smp.Endpoint:
        """The recipient's verified AS4 endpoint."""
        return smp.lookup(
            participant,
            document_type=document_type,
            process=process,
            zone=self.settings.sml_zone,
            anchors=self.smp_anchors,
            smp_url=self.settings.smp_url,
            resolver=self.resolver,
            timeout=self.settings.delivery_timeout_seconds,
        )

    def send(
        self,
        document: bytes,
        *,
        sender: str,
        recipient: str,
        country: str,
        instance_id: str,
        message_id: str,
    ) -> Sent:
        """Sends one business document and verifies the receipt.

        Raises:
            RetryLater: Network trouble, a 5xx, or a receipt that could not be read.
            GiveUp: The receiving access point refused the message (an ebMS error).
            PeppolLookupError: The recipient cannot be found.
        """
        document_type, process = business_identifiers(document)
        endpoint = self.lookup(recipient, document_type=document_type, process=process)
        remote = create_peppol_external_party(
            common_name(endpoint.certificate), endpoint.certificate
        )
        exchange = PeppolSendingExchange(
            profile=PeppolAS4Profile,
            local_party=self.party,
            remote_party=remote,
            identifiers=AS4References(message_id=message_id),
        )
        arguments = PeppolAS4MessageBuilderArgs(
            sender=sender,
            recipient=recipient,
            document_type_identifier=BusdoxDocidQnsDocumentIdentifier.from_identifier_value(
                document_type
            ),
            document_identification_instance_identifier=instance_id,
            process_identifier=process,
            c1_country_id=country,
        )
        headers, body = exchange.build(document, arguments)
        try:
            response = httpx2.post(
                endpoint.url,
                content=body,
                headers=headers,
                timeout=self.settings.delivery_timeout_seconds,
                follow_redirects=False,
            )
        except httpx2.HTTPError as exc:
            raise RetryLater(
                f"the receiving access point could not be reached ({type(exc).__name__})"
            ) from None
        exchange.mark_sent()
        if response.status_code >= 500 and not response.content.strip():
            raise RetryLater(
                f"the receiving access point answered {response.status_code}",
                code=response.status_code,
            )
        try:
            exchange.receive_signal(response.content)
        except ReceiptVerificationError as exc:
            raise RetryLater(f"the receipt does not prove delivery: {exc}") from None
        except Exception as exc:  # an unreadable answer: nothing proves delivery, so try again
            raise RetryLater(
                f"the answer ({response.status_code}) is not an AS4 signal ({type(exc).__name__})",
                code=response.status_code,
            ) from None
        if not exchange.successful:
            error = exchange.error
            code = f"{error.error_code} {error.short_description}" if error else "unknown error"
            detail = error.error_detail.value if error and error.error_detail else ""
            raise GiveUp(f"the receiving access point refused the message: {code} {detail}".strip())
        return Sent(exchange.message_id, response.content, remote.identity.party_id)

    def tenant_for(self, session: Session, participant: str) -> str | None:
        """The tenant receiving for a participant id (by the settings' mapping), if any."""
        wanted = {k.strip().lower(): v for k, v in self.settings.peppol_participants.items()}
        target = wanted.get(participant.strip().lower())
        if target is None:
            return None
        tenant = (
            session.get(Tenant, target)
            or session.exec(
                select(Tenant).where(Tenant.name == target).order_by(col(Tenant.id))
            ).first()
        )
        return tenant.id if tenant else None


def _seller_participant(invoice: Any) -> str | None:
    address = invoice.seller.electronic_address
    if address is None or not address.scheme:
        return None
    return f"{address.scheme}:{address.value}"


def make_invoice_handler(delivery: Delivery, access_point: AccessPoint) -> Any:
    """The ``peppol`` task: an archived invoice to the buyer's access point."""

    def send(job: DeliveryJob, payload: dict[str, Any]) -> Result:
        with Session(delivery.engine) as session:
            record = session.get(StoredInvoice, payload["invoice_id"])
            if record is None:
                raise GiveUp("the invoice no longer exists")
            document = delivery.archive.open_blob(session, record, "document")
            invoice = delivery.open_invoice(session, record)
        recipient, sender = participant_id(invoice), _seller_participant(invoice)
        if recipient is None or sender is None:
            raise GiveUp("seller and buyer need electronic addresses (BT-34, BT-49) for Peppol")
        try:
            sent = access_point.send(
                document,
                sender=sender,
                recipient=recipient,
                country=invoice.seller.address.country
                or access_point.settings.peppol_sender_country,
                instance_id=record.id,
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
                ("delivery.sent", {"message_id": sent.message_id, "transport": smp.AS4_TRANSPORT}),
                (
                    "delivery.receipt",
                    {
                        "message_id": sent.message_id,
                        "receipt_sha256": receipt.sha256,
                        "receiver_ap": sent.receiver_seat,
                        "non_repudiation": "verified",
                        **attachments.facts(receipt),
                    },
                ),
            ],
        )

    return send


def make_mlr_handler(delivery: Delivery, access_point: AccessPoint) -> Any:
    """The ``mlr`` task: a Message Level Response back to the sender of a received document."""

    def send(job: DeliveryJob, payload: dict[str, Any]) -> Result:
        try:
            sent = access_point.send(
                _mlr_document(delivery, job, payload),
                sender=payload["sender"],
                recipient=payload["recipient"],
                country=access_point.settings.peppol_sender_country,
                instance_id=payload["mlr_id"],
                message_id=f"{job.id}@{access_point.seat_id.lower()}.egw",
            )
        except PeppolLookupError as exc:
            raise GiveUp(exc.message) from None
        return Result(
            code=200,
            events=[(MLR_SENT, {"message_id": sent.message_id, "response_code": payload["code"]})],
        )

    return send


def _mlr_document(delivery: Delivery, job: DeliveryJob, payload: dict[str, Any]) -> bytes:
    """The MLR to send: sealed with the invoice it answers, or (a rejected one) in the payload."""
    if "mlr" in payload:
        return str(payload["mlr"]).encode()
    with Session(delivery.engine) as session:
        record = session.get(StoredInvoice, job.invoice_id) if job.invoice_id else None
        if record is None:
            raise GiveUp("the invoice the MLR answers no longer exists")
        return attachments.open_attachment(
            delivery.archive,
            session,
            record,
            attachments.Attachment(attachments.MLR, payload["mlr_sha256"], payload["mlr_ref"]),
        )


# -- receiving -----------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What ``POST /as4`` answers: a status, headers and the signal (receipt or ebMS error)."""

    status: int
    headers: dict[str, str]
    body: bytes


def receive(delivery: Delivery, app: FastAPI, headers: dict[str, str], body: bytes) -> Answer:
    """Handles one AS4 request: verify, decrypt, validate, archive, answer; queue the MLR."""
    access_point: AccessPoint = delivery.peppol
    engine = delivery.engine
    tenants: dict[str, str] = {}

    def accept(participant: str) -> None:
        with Session(engine) as session:
            tenant = access_point.tenant_for(session, participant)
        if tenant is None:
            raise ParticipantNotServicedError("the participant is not serviced here")
        tenants[participant] = tenant

    exchange = parse_peppol_message(
        headers,
        body,
        access_point.party,
        accept_participant=accept,
        security_policy=access_point.policy,
    )
    signal_headers, signal = exchange.build_signal()
    if not exchange.successful or exchange.message is None:
        error = exchange.error
        log.warning(
            "AS4 message refused: %s %s",
            error.error_code if error else "?",
            error.short_description if error else "",
        )
        return Answer(200, signal_headers, signal)
    message_id = exchange.message_id
    with Session(engine) as session:
        seen = session.get(As4Inbound, message_id)
        if seen is not None:
            # A repeated message (the sender retried after losing our answer): a receipt for
            # this copy, whose signature values differ, and nothing archived twice.
            log.info("AS4 message received again; answered, not archived again")
            return Answer(200, signal_headers, signal)
    message = exchange.message
    sender, recipient = str(message.sender), str(message.recipient)
    tenant_id = tenants.get(recipient)
    if tenant_id is None:
        with Session(engine) as session:
            tenant_id = access_point.tenant_for(session, recipient)
    if tenant_id is None:
        raise GiveUp("the participant is not serviced here")
    payload = next(iter(message.decrypted_data.values()))
    unwrapped = sbd.unwrap(payload)
    instance_id, document = unwrapped.instance_id, unwrapped.document
    if invoice_response.is_invoice_response(document):
        respond.record_received(
            delivery,
            tenant_id,
            message_id,
            document,
            signal=signal,
            content_type=signal_headers.get("Content-Type", "application/soap+xml"),
        )
        return Answer(200, signal_headers, signal)
    if mlr.is_mlr(document):
        _record_response(delivery, tenant_id, message_id, document, signal, signal_headers)
        return Answer(200, signal_headers, signal)
    from gateway.pipeline import DuplicateInvoice, SubmissionRejected

    record_id: str | None = None
    findings: list[mlr.Finding] = []
    try:
        outcome = app.state.pipeline.submit_xml(
            tenant_id,
            document,
            profile=None,
            idempotency_key=f"as4:{message_id}"[:200],
            api_key_id=None,
        )
        record_id = outcome.record.id
    except SubmissionRejected as exc:
        findings = [
            mlr.Finding(rule=f.rule_id, location=f.location or "NA", message=f.message)
            for f in (exc.report.fatal if exc.report else [])
        ] or [
            mlr.Finding(rule=p.rule or "EGW-REJECTED", location=p.field, message=p.message)
            for p in exc.problems
        ]
    except DuplicateInvoice as exc:
        findings = [mlr.Finding(rule="duplicate-number", location="BT-1", message=exc.message)]
    except GatewayError as exc:
        if status_of(exc) >= 500:  # our fault (a rule set that cannot run): no receipt, retry
            return Answer(
                503, {"Content-Type": "text/plain"}, b"validation unavailable; retry later"
            )
        findings = [mlr.Finding(rule="EGW-UNREADABLE", location="/", message=exc.message)]
    response = mlr.MessageLevelResponse(
        id=new_id(),
        reference=instance_id,
        code="RE" if findings else "AP",
        sender=recipient,
        receiver=sender,
        findings=findings,
    )
    with Session(writer(engine), expire_on_commit=False) as session, session.begin():
        record = session.get(StoredInvoice, record_id) if record_id else None
        signal_kept = received.keep(
            delivery.archive,
            session,
            tenant_id=tenant_id,
            message_id=message_id,
            outcome="accepted" if record is not None else "rejected",
            signal=signal,
            content_type=signal_headers.get("Content-Type", "application/soap+xml"),
            record=record,
        )
        rendered = mlr.render(response)
        job_payload: dict[str, Any] = {
            "mlr_id": response.id,
            "code": response.code,
            "sender": recipient,
            "recipient": sender,
        }
        if record is not None and signal_kept is not None:
            answer = attachments.seal_for(
                delivery.archive, session, record, attachments.MLR, rendered
            )
            job_payload.update(mlr_sha256=answer.sha256, mlr_ref=answer.ref)
            ledger.append(
                session,
                tenant_id,
                RECEIVED,
                record_id=record.id,
                facts={
                    "message_id": message_id,
                    # as-sent: the archived bytes are the sender's, sliced from the SBD;
                    # re-serialised: they relied on the SBD root's namespaces (sbd.py).
                    "document_bytes": "as-sent" if unwrapped.exact else "re-serialised",
                    **(
                        {"sender_ap": exchange.remote_party.identity.party_id}
                        if exchange.remote_party
                        else {}
                    ),
                    **attachments.facts(signal_kept, answer),
                },
                blobs=[signal_kept.sha256, answer.sha256],
            )
        else:
            # A rejected message has no invoice to seal its MLR with: rule ids and
            # messages of the official rules, no content of the rejected document.
            job_payload["mlr"] = rendered.decode()
        delivery.enqueue(
            session,
            tenant_id=tenant_id,
            task="mlr",
            dedupe_key=f"mlr:{message_id}"[:200],
            subject_id=record_id or response.id,
            invoice_id=record_id,
            payload=job_payload,
        )
    return Answer(200, signal_headers, signal)


def _record_response(
    delivery: Delivery,
    tenant_id: str,
    message_id: str,
    document: bytes,
    signal: bytes,
    signal_headers: dict[str, str],
) -> None:
    """An MLR about one of our invoices: its timeline gets ``delivery.mlr`` with the rule ids.

    The MLR and the signal answered are sealed with the invoice; an MLR about no
    invoice of this tenant is not kept (its signal is, under a key of its own).
    """
    response = mlr.parse(document)
    with Session(writer(delivery.engine), expire_on_commit=False) as session, session.begin():
        record = session.get(StoredInvoice, response.reference)
        known = record if record is not None and record.tenant_id == tenant_id else None
        signal_kept = received.keep(
            delivery.archive,
            session,
            tenant_id=tenant_id,
            message_id=message_id,
            outcome="response",
            signal=signal,
            content_type=signal_headers.get("Content-Type", "application/soap+xml"),
            record=known,
        )
        if known is None or signal_kept is None:
            log.warning("an MLR refers to no invoice of this tenant; kept as received only")
            return
        kept = attachments.seal_for(delivery.archive, session, known, attachments.MLR, document)
        facts = {
            "message_id": message_id,
            "response_code": response.code,
            "rules": sorted({f.rule for f in response.findings}),
        }
        ledger.append(
            session,
            tenant_id,
            MLR,
            record_id=known.id,
            facts={**facts, **attachments.facts(signal_kept, kept)},
            blobs=[signal_kept.sha256, kept.sha256],
        )
        delivery.emit(session, tenant_id, "delivery.response", {"invoice_id": known.id, **facts})


def install(delivery: Delivery) -> AccessPoint:
    """Makes this gateway a Peppol access point: the channels and the receiving side."""
    access_point = AccessPoint(delivery.settings)
    delivery.peppol = access_point
    delivery.handlers["peppol"] = make_invoice_handler(delivery, access_point)
    delivery.handlers["mlr"] = make_mlr_handler(delivery, access_point)
    delivery.handlers[respond.TASK] = respond.make_handler(delivery, access_point)
    return access_point
