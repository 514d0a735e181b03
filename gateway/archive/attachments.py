"""Artefacts that follow an invoice (AS4 receipts and signals, Invoice Responses, MLRs), sealed with it.

Each is sealed under the data key of the invoice it belongs to, with associated
data naming the tenant, the invoice, the kind of artefact and the SHA-256 of its
original bytes, and kept in the blob store until the invoice's retention ends.
The ledger event that records it lists that SHA-256 in its ``blobs`` and the
artefact (kind, SHA-256, sealed blob) in its facts, under ``attachments``, so
``verify_archive`` opens and checks every one, and purging or shredding the
invoice's data key makes every one unreadable with the invoice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from gateway.archive import ledger
from gateway.archive.envelope import associated_data, open_sealed, seal
from gateway.archive.errors import IntegrityViolation, SealBroken
from gateway.archive.store import Archive
from gateway.blobstore import BlobMissingError
from gateway.tables import StoredInvoice

# Kinds of attachment.
RECEIPT = "as4-receipt"  # the receiving access point's signed receipt of a message sent from here
SIGNAL = "as4-signal"  # the receipt (or error) this gateway answered a received message with
INVOICE_RESPONSE = "invoice-response"  # a Peppol Invoice Response, sent or received
MLR = "mlr"  # a Peppol Message Level Response, sent or received


@dataclass(frozen=True)
class Attachment:
    """One sealed artefact of an invoice: its kind, the SHA-256 of its bytes, its sealed blob."""

    kind: str
    sha256: str
    ref: str

    def fact(self) -> dict[str, str]:
        """How a ledger entry lists it (no content, hashes only)."""
        return {"kind": self.kind, "sha256": self.sha256, "ref": self.ref}


def _aad(record: StoredInvoice, kind: str, sha256: str) -> bytes:
    return associated_data(record.tenant_id, record.id, f"attachment:{kind}:{sha256}")


def seal_for(
    archive: Archive, session: Session, record: StoredInvoice, kind: str, data: bytes
) -> Attachment:
    """Seals ``data`` under the invoice's data key and stores it (not yet ledgered: see :func:`facts`).

    Raises:
        RecordShredded: The invoice was purged.
    """
    assert record.data_key_id is not None
    key = archive.vault.open_key(session, record.data_key_id)
    sha256 = hashlib.sha256(data).hexdigest()
    ref = archive.blobs.put(
        seal(key, data, _aad(record, kind, sha256)), retain_until=record.retain_until
    )
    return Attachment(kind, sha256, ref)


def facts(*attachments: Attachment) -> dict[str, Any]:
    """The facts a ledger entry carries for these attachments."""
    return {"attachments": [a.fact() for a in attachments]}


def listed(facts_of_entry: dict[str, Any]) -> list[Attachment]:
    """The attachments an entry's facts name."""
    return [
        Attachment(str(a["kind"]), str(a["sha256"]), str(a["ref"]))
        for a in facts_of_entry.get("attachments", [])
        if isinstance(a, dict) and {"kind", "sha256", "ref"} <= a.keys()
    ]


def hashes(facts_of_entry: dict[str, Any]) -> list[str]:
    """The SHA-256 the entry's ``blobs`` must list for its attachments."""
    return [a.sha256 for a in listed(facts_of_entry)]


def of_record(session: Session, record: StoredInvoice) -> list[Attachment]:
    """Every attachment the ledger recorded for an invoice, oldest first."""
    found: list[Attachment] = []
    for entry in ledger.entries_of(session, record.tenant_id, record.id):
        found.extend(listed(ledger.body_of(entry)["facts"]))
    return found


def open_attachment(
    archive: Archive, session: Session, record: StoredInvoice, attachment: Attachment
) -> bytes:
    """The original bytes of an attachment, checked against the SHA-256 the ledger holds.

    Raises:
        IntegrityViolation: The blob is gone, does not open under the invoice's key, or
            does not hash to the ledgered SHA-256.
        RecordShredded: The invoice was purged.
    """
    assert record.data_key_id is not None
    key = archive.vault.open_key(session, record.data_key_id)
    problem = check(archive, key, record, attachment)
    if isinstance(problem, tuple):
        raise IntegrityViolation(
            f"the {attachment.kind} of record {record.id}: {problem[1]}",
            record_id=record.id,
            kind=problem[0],
        )
    return problem


def check(
    archive: Archive, key: bytes, record: StoredInvoice, attachment: Attachment
) -> bytes | tuple[str, str]:
    """The attachment's bytes, or (finding kind, detail) when it is missing or altered."""
    try:
        sealed = archive.blobs.get(attachment.ref)
    except BlobMissingError as exc:
        return (
            "blob-missing" if "missing" in exc.message else "blob-changed",
            "blob " + exc.message,
        )
    try:
        data = open_sealed(key, sealed, _aad(record, attachment.kind, attachment.sha256))
    except SealBroken:
        return ("blob-changed", "does not open under the invoice's key")
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        return ("blob-changed", "does not hash to its ledgered SHA-256")
    return data


def refs(attachments: Iterable[Attachment]) -> list[str]:
    """The sealed blobs of some attachments (for purging)."""
    return [a.ref for a in attachments]
