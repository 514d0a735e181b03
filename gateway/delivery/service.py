"""Delivery as a service of the app: what is enqueued when, and what an outcome records.

An accepted outbound invoice is queued for its channel (Peppol when the gateway
is an access point and the buyer has a participant id; e-mail when the buyer's
electronic address is an e-mail address, or as the fallback), and the tenant's
webhooks hear of it, all in the transaction that stores the invoice. Each
outcome is written to the invoice's ledger (its timeline) in the transaction
that records it; a final one also sets the invoice's status with an
``invoice.status`` entry, so ``egw archive verify`` agrees.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from gateway.archive import attachments, ledger
from gateway.archive.envelope import associated_data, open_text
from gateway.archive.store import Archive
from gateway.delivery import queue
from gateway.delivery.backend import EmbeddedWorker, ProcrastinateWorker, defer_procrastinate
from gateway.delivery.queue import Backoff, JobRunner, Result
from gateway.delivery.tables import DeliveryJob, WebhookEndpoint
from gateway.ids import new_id
from gateway.settings import Settings
from gateway.tables import StoredInvoice
from schemas.model import Invoice

log = logging.getLogger("gateway.delivery")

# Ledger kinds of the delivery timeline (GET /v1/invoices/{id}/events).
QUEUED = "delivery.queued"
SENT = "delivery.sent"
RECEIPT = "delivery.receipt"
DELIVERED = "delivery.delivered"
ATTEMPT_FAILED = "delivery.attempt-failed"
FAILED = "delivery.failed"
FALLBACK = "delivery.fallback"
MLR = "delivery.mlr"

# Invoice statuses set by delivery (with an invoice.status ledger entry each).
STATUS_DELIVERED = "delivered"
STATUS_FAILED = "delivery_failed"

INVOICE_CHANNELS = ("peppol", "email")


def set_status(session: Session, record: StoredInvoice, status: str) -> None:
    """Changes an invoice's status with its ledger entry, in the caller's transaction."""
    if record.status == status:
        return
    record.status = status
    session.add(record)
    ledger.append(
        session,
        record.tenant_id,
        ledger.INVOICE_STATUS,
        record_id=record.id,
        facts={"status": status},
    )


def buyer_email(invoice: Invoice) -> str | None:
    """The buyer's e-mail address: BT-49 with scheme EM, else the buyer contact's BT-58."""
    address = invoice.buyer.electronic_address
    if address is not None and (address.scheme or "").upper() == "EM":
        return str(address.value)
    contact = invoice.buyer.contact
    return str(contact.email) if contact is not None and contact.email else None


def participant_id(invoice: Invoice) -> str | None:
    """The buyer's Peppol participant id (``scheme:value`` from BT-49), unless it is an e-mail."""
    address = invoice.buyer.electronic_address
    if address is None or not address.scheme or address.scheme.upper() == "EM":
        return None
    return f"{address.scheme}:{address.value}"


class Delivery:
    """The app's delivery: the queue, its worker, the channels, and the hooks into the pipeline."""

    def __init__(self, *, settings: Settings, engine: Engine, archive: Archive) -> None:
        self.settings = settings
        self.engine = engine
        self.archive = archive
        self.handlers: dict[str, queue.Handler] = {}
        self.runner = JobRunner(
            engine,
            handlers=self.handlers,
            recorder=self.record_outcome,
            backoff=Backoff(
                settings.delivery_backoff_seconds, settings.delivery_backoff_max_seconds
            ),
            lease_seconds=settings.delivery_lease_seconds,
            notify=self._notify,
        )
        self.worker: EmbeddedWorker | ProcrastinateWorker | None = None
        self.peppol: Any = None  # gateway.delivery.peppol.AccessPoint, when configured

    # -- backend -----------------------------------------------------------------

    def backend_name(self) -> str:
        """``procrastinate`` or ``table``, from the settings and the database."""
        choice = self.settings.delivery_queue
        if choice == "auto":
            return "procrastinate" if self.engine.dialect.name == "postgresql" else "table"
        return choice

    def make_worker(self) -> EmbeddedWorker | ProcrastinateWorker:
        """The worker of the configured backend (not started)."""
        if self.backend_name() == "procrastinate":
            return ProcrastinateWorker(
                self.runner,
                database_url=self.settings.resolved_database_url,
                poll_seconds=self.settings.delivery_poll_seconds,
                lease_seconds=self.settings.delivery_lease_seconds,
            )
        return EmbeddedWorker(self.runner, poll_seconds=self.settings.delivery_poll_seconds)

    def _notify(self, session: Session, job: DeliveryJob) -> None:
        if self.worker is not None:
            self.worker.notify(session, job)
        elif self.backend_name() == "procrastinate":
            # No worker in this process (a CLI, a worker-less server): procrastinate
            # still gets its job, for the workers elsewhere.
            defer_procrastinate(session, job)

    def start(self) -> None:
        """Starts the worker (when the settings ask for one in this process)."""
        if self.settings.delivery_worker and self.worker is None:
            self.worker = self.make_worker()
            self.worker.start()

    def stop(self) -> None:
        """Stops the worker after its running job."""
        if self.worker is not None:
            self.worker.stop()
            self.worker = None

    # -- enqueueing --------------------------------------------------------------

    def enqueue(
        self,
        session: Session,
        *,
        tenant_id: str,
        task: str,
        dedupe_key: str,
        subject_id: str,
        invoice_id: str | None,
        payload: dict[str, Any],
    ) -> DeliveryJob | None:
        """Adds a job in the caller's transaction and wakes the backend (no-op for a known key)."""
        job = queue.enqueue(
            session,
            tenant_id=tenant_id,
            task=task,
            dedupe_key=dedupe_key,
            subject_id=subject_id,
            invoice_id=invoice_id,
            payload=payload,
            max_attempts=self.settings.delivery_max_attempts,
        )
        if job is not None:
            self._notify(session, job)
        return job

    def queue_invoice(
        self, session: Session, record: StoredInvoice, channel: str, **facts: Any
    ) -> DeliveryJob | None:
        """Queues an invoice over one channel, once: the timeline gets ``delivery.queued``."""
        job = self.enqueue(
            session,
            tenant_id=record.tenant_id,
            task=channel,
            dedupe_key=f"{channel}:{record.id}",
            subject_id=record.id,
            invoice_id=record.id,
            payload={"invoice_id": record.id, **facts},
        )
        if job is not None:
            ledger.append(
                session,
                record.tenant_id,
                QUEUED,
                record_id=record.id,
                facts={"channel": channel, "job": job.id},
            )
            self.emit(
                session,
                record.tenant_id,
                "delivery.queued",
                {"invoice_id": record.id, "channel": channel},
            )
        return job

    def emit(self, session: Session, tenant_id: str, event_type: str, data: dict[str, Any]) -> int:
        """Queues one webhook event for every live endpoint of the tenant subscribed to it.

        Returns:
            How many endpoints will receive it.
        """
        endpoints = session.exec(
            select(WebhookEndpoint).where(
                WebhookEndpoint.tenant_id == tenant_id, col(WebhookEndpoint.revoked_at).is_(None)
            )
        ).all()
        event_id = "evt_" + new_id()
        event = {
            "id": event_id,
            "type": event_type,
            "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "data": data,
        }
        count = 0
        for endpoint in endpoints:
            wanted = endpoint.events.split(",")
            if "*" not in wanted and event_type not in wanted:
                continue
            self.enqueue(
                session,
                tenant_id=tenant_id,
                task="webhook",
                dedupe_key=f"webhook:{event_id}:{endpoint.id}",
                subject_id=endpoint.id,
                invoice_id=None,
                payload={"event": event},
            )
            count += 1
        return count

    def on_stored(self, session: Session, record: StoredInvoice, invoice: Invoice) -> None:
        """The pipeline's hook, inside the store transaction: queue channels, tell the webhooks."""
        if record.direction == "inbound":
            self.emit(
                session,
                record.tenant_id,
                "invoice.received",
                {"invoice_id": record.id, "number": record.number},
            )
            return
        self.emit(
            session,
            record.tenant_id,
            "invoice.accepted",
            {"invoice_id": record.id, "number": record.number, "status": record.status},
        )
        channel = self.channel_for(invoice)
        if channel is not None:
            self.queue_invoice(session, record, channel)

    def channel_for(self, invoice: Invoice) -> str | None:
        """Peppol when this gateway is an access point and the buyer has a participant id; else e-mail."""
        if self.peppol is not None and participant_id(invoice) is not None:
            return "peppol"
        if self.settings.smtp_host and buyer_email(invoice):
            return "email"
        return None

    # -- outcomes ----------------------------------------------------------------

    def record_outcome(
        self,
        session: Session,
        job: DeliveryJob,
        outcome: str,
        result: Result | None,
        error: str | None,
    ) -> None:
        """Writes an attempt's outcome into the invoice's timeline (webhook jobs have none)."""
        if job.invoice_id is None:
            return
        record = session.get(StoredInvoice, job.invoice_id)
        if record is None:
            return
        channel = job.task
        tenant = record.tenant_id
        for kind, facts in result.events if result is not None else []:
            ledger.append(
                session,
                tenant,
                kind,
                record_id=record.id,
                facts={"channel": channel, **facts},
                blobs=attachments.hashes(facts),  # a sealed receipt is committed to by hash
            )
        if outcome == queue.DONE:
            if job.task in INVOICE_CHANNELS:
                ledger.append(
                    session,
                    tenant,
                    DELIVERED,
                    record_id=record.id,
                    facts={"channel": channel, "attempts": job.attempts},
                )
                if record.status in ("accepted", STATUS_FAILED):
                    # The buyer's Invoice Response may have overtaken the outcome: keep it.
                    set_status(session, record, STATUS_DELIVERED)
                self.emit(
                    session,
                    tenant,
                    "delivery.delivered",
                    {"invoice_id": record.id, "channel": channel},
                )
            return
        failure = {
            "channel": channel,
            "attempt": job.attempts,
            "code": job.last_code,
            "error": error,
        }
        if outcome == queue.TODO:
            ledger.append(session, tenant, ATTEMPT_FAILED, record_id=record.id, facts=failure)
            return
        if outcome == queue.DEAD:
            ledger.append(session, tenant, FAILED, record_id=record.id, facts=failure)
            if (
                job.task == "peppol"
                and self.settings.smtp_host
                and self._has_email(session, record)
            ):
                ledger.append(
                    session,
                    tenant,
                    FALLBACK,
                    record_id=record.id,
                    facts={"from": "peppol", "to": "email"},
                )
                self.queue_invoice(session, record, "email")
                return
            if job.task in INVOICE_CHANNELS:
                set_status(session, record, STATUS_FAILED)
                self.emit(
                    session,
                    tenant,
                    "delivery.failed",
                    {"invoice_id": record.id, "channel": channel, "error": error},
                )

    def _has_email(self, session: Session, record: StoredInvoice) -> bool:
        return buyer_email(self.open_invoice(session, record)) is not None

    # -- reading sealed content --------------------------------------------------

    def open_invoice(self, session: Session, record: StoredInvoice) -> Invoice:
        """The archived invoice (EN 16931 model), opened through the archive's checks."""
        text = self.archive.open_column(session, record, "invoice")
        assert text is not None
        return Invoice.model_validate_json(text)

    def open_secret(self, session: Session, endpoint: WebhookEndpoint) -> str:
        """An endpoint's signing secret, unsealed with its data key."""
        key = self.archive.vault.open_key(session, endpoint.data_key_id)
        return open_text(
            key,
            endpoint.secret_sealed,
            associated_data(endpoint.tenant_id, endpoint.id, "webhook-secret"),
        )


def job_public(job: DeliveryJob) -> dict[str, Any]:
    """A job as the delivery log shows it (no payload: events are listed by id and type)."""
    payload = json.loads(job.payload)
    event = payload.get("event") or {}
    return {
        "id": job.id,
        "task": job.task,
        "event_id": event.get("id"),
        "event_type": event.get("type"),
        "invoice_id": job.invoice_id or (event.get("data") or {}).get("invoice_id"),
        "status": job.status,
        "attempts": job.attempts,
        "last_code": job.last_code,
        "last_error": job.last_error,
        "next_attempt_at": job.run_after.isoformat() if job.status == queue.TODO else None,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
