"""Received AS4 messages: the row that remembers each one, with the signal answered sealed.

A message that belongs to an invoice (an invoice archived here, or a response to
one of ours) has its signal sealed under that invoice's data key, and the ledger
entry recording the message lists it (``gateway.archive.attachments``), so
verification checks it and shredding the invoice shreds it. A message that
belongs to none gets a data key of its own for its signal.
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from gateway.archive import attachments, ledger
from gateway.archive.envelope import associated_data, seal
from gateway.archive.errors import ArchiveKeyError, RecordShredded
from gateway.archive.store import Archive
from gateway.archive.vault import utcnow
from gateway.db import writer
from gateway.delivery.tables import As4Inbound
from gateway.tables import LedgerEntry, StoredInvoice

log = logging.getLogger("gateway.delivery")

LEGACY_SEALED = "delivery.signal-sealed"  # ledger kind: a signal kept in clear, sealed later
ARTEFACT_SEALED = "delivery.artefact-sealed"  # ledger kind: a blob stored in clear, sealed later

# Ledger events that referred to a clear blob before artefacts were sealed: the fact
# naming its SHA-256, and the kind of attachment it becomes.
CLEAR_BLOBS = {
    "delivery.receipt": ("receipt_sha256", attachments.RECEIPT),
    "delivery.invoice-response-sent": ("receipt_sha256", attachments.RECEIPT),
    "invoice.response": ("document_sha256", attachments.INVOICE_RESPONSE),
    "delivery.invoice-response": ("document_sha256", attachments.INVOICE_RESPONSE),
}


def _own_aad(tenant_id: str, message_id: str) -> bytes:
    return associated_data(tenant_id, message_id, attachments.SIGNAL)


def keep(
    archive: Archive,
    session: Session,
    *,
    tenant_id: str,
    message_id: str,
    outcome: str,
    signal: bytes,
    content_type: str,
    record: StoredInvoice | None,
) -> attachments.Attachment | None:
    """Adds the message's row, its signal sealed; returns the attachment to ledger, if bound.

    Runs in the caller's writing transaction (a data key of the message's own joins it).
    """
    row = As4Inbound(
        message_id=message_id,
        tenant_id=tenant_id,
        invoice_id=record.id if record is not None else None,
        outcome=outcome,
        receipt=None,
        receipt_content_type=content_type,
        received_at=utcnow(),
    )
    attachment = None
    if record is not None:
        attachment = attachments.seal_for(archive, session, record, attachments.SIGNAL, signal)
        row.receipt_sha256, row.receipt_ref = attachment.sha256, attachment.ref
        row.data_key_id = record.data_key_id
    else:
        row.data_key_id, key = archive.vault.new_key(session, tenant_id)
        row.receipt_sha256 = hashlib.sha256(signal).hexdigest()
        row.receipt_ref = archive.blobs.put(seal(key, signal, _own_aad(tenant_id, message_id)))
    session.add(row)
    return attachment


def seal_legacy(engine: Engine, archive: Archive, *, batch: int = 200) -> int:
    """Seals signals kept in clear before revision 0012; returns how many (startup, idempotent).

    A bound one is sealed under its invoice's key with a ledger entry of its own
    (the entry that recorded the message is history and stays as it is).
    """
    sealed = 0
    while True:
        with Session(engine) as session:
            ids = list(
                session.exec(
                    select(As4Inbound.message_id)
                    .where(col(As4Inbound.receipt).is_not(None))
                    .limit(batch)
                ).all()
            )
        if not ids:
            return sealed
        for message_id in ids:
            with Session(writer(engine)) as session, session.begin():
                row = session.get(As4Inbound, message_id)
                if row is None or row.receipt is None:
                    continue
                _seal_row(archive, session, row)
                sealed += 1


def _seal_row(archive: Archive, session: Session, row: As4Inbound) -> None:
    assert row.receipt is not None
    signal = row.receipt.encode()
    record = session.get(StoredInvoice, row.invoice_id) if row.invoice_id else None
    if record is not None:
        try:
            attachment = attachments.seal_for(archive, session, record, attachments.SIGNAL, signal)
        except (RecordShredded, ArchiveKeyError):
            attachment = None  # the invoice was purged: its signal goes with it
        if attachment is not None:
            ledger.append(
                session,
                row.tenant_id,
                LEGACY_SEALED,
                record_id=record.id,
                facts={"message_id": row.message_id, **attachments.facts(attachment)},
                blobs=[attachment.sha256],
            )
            row.receipt_sha256, row.receipt_ref = attachment.sha256, attachment.ref
            row.data_key_id = record.data_key_id
    else:
        row.data_key_id, key = archive.vault.new_key(session, row.tenant_id)
        row.receipt_sha256 = hashlib.sha256(signal).hexdigest()
        row.receipt_ref = archive.blobs.put(
            seal(key, signal, _own_aad(row.tenant_id, row.message_id))
        )
    row.receipt = None
    session.add(row)


def seal_legacy_blobs(engine: Engine, archive: Archive) -> int:
    """Seals receipts and Invoice Responses stored in clear before they were sealed; returns how many.

    Each is sealed under its invoice's key with a ledger entry of its own, and its
    clear copy deleted; one of a purged invoice is only deleted. Idempotent: a blob
    already sealed has no clear copy left. Run it once after upgrading (it reads
    every such ledger event, so it is not run at every start).
    """
    with Session(engine) as session:
        entries = session.exec(
            select(LedgerEntry).where(col(LedgerEntry.kind).in_(list(CLEAR_BLOBS)))
        ).all()
        todo = []
        for entry in entries:
            facts = ledger.body_of(entry)["facts"]
            name, kind = CLEAR_BLOBS[entry.kind]
            sha256 = facts.get(name)
            if "attachments" in facts or not sha256 or not archive.blobs.exists(sha256):
                continue
            todo.append((entry.record_id, kind, str(sha256)))
    for record_id, kind, sha256 in todo:
        with Session(writer(engine)) as session, session.begin():
            record = session.get(StoredInvoice, record_id) if record_id else None
            if record is not None:
                kept = attachments.seal_for(
                    archive, session, record, kind, archive.blobs.get(sha256)
                )
                ledger.append(
                    session,
                    record.tenant_id,
                    ARTEFACT_SEALED,
                    record_id=record.id,
                    facts=attachments.facts(kept),
                    blobs=[kept.sha256],
                )
        archive.blobs.delete(sha256)  # after the commit: the sealed copy is ledgered first
    return len(todo)
