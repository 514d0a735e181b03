"""The archive's write and read paths: sealed artefacts, blind-indexed parties, ledgered records.

``admit`` turns an accepted invoice into a record inside the caller's
transaction: a data key of its own, the document and signature sealed into the
blob store, the JSON artefacts sealed into their columns, the parties reduced to
non-personal keys plus blind-index tokens, the retention decision, and a ledger
entry that commits to all of it. Reads go through ``check``: a record whose row
or blob no longer matches its ledger entry raises instead of being served.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from gateway.archive import ledger, retention
from gateway.archive.envelope import associated_data, open_sealed, open_text, seal, seal_text
from gateway.archive.errors import IntegrityViolation, SealBroken
from gateway.archive.vault import Vault, utcnow
from gateway.blobstore import BlobBackend, BlobMissingError
from gateway.ids import new_id
from gateway.privacy import blind_index
from gateway.privacy.personal import is_natural_person
from gateway.tables import LedgerEntry, PartyIndex, StoredInvoice
from schemas.model import Invoice

INDEX_KEY = "blind-index"
_INSERT_RECORD = insert(StoredInvoice.__table__)  # type: ignore[attr-defined]
_INSERT_TOKEN = insert(PartyIndex.__table__)  # type: ignore[attr-defined]

# The columns a record's ledger entry commits to. Status and restriction change
# over time and are committed by their own ledger events instead.
COMMITTED_COLUMNS = (
    "id",
    "tenant_id",
    "direction",
    "profile",
    "syntax",
    "number",
    "type_code",
    "issue_date",
    "currency",
    "seller_key",
    "seller_name",
    "buyer_key",
    "buyer_name",
    "buyer_is_person",
    "total_without_vat",
    "vat_total",
    "amount_due",
    "document_sha256",
    "signature_sha256",
    "signature_kind",
    "signing_key_id",
    "retain_until",
    "retention_rule",
    "data_key_id",
    "document_ref",
    "signature_ref",
    "report_json",
    "invoice_json",
    "trace_json",
    "idempotency_key",
    "request_sha256",
    "created_at",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return ledger.timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def record_digest(record: StoredInvoice) -> str:
    """SHA-256 over the committed columns of a record (sealed columns as stored)."""
    return ledger.sha256_hex(
        ledger.canonical({name: _plain(getattr(record, name)) for name in COMMITTED_COLUMNS})
    )


@dataclass(frozen=True)
class Accepted:
    """What the pipeline hands the archive for one accepted invoice."""

    invoice: Invoice
    profile: str
    syntax: str
    direction: str
    document: bytes
    signature: bytes | None
    signature_kind: str | None
    signing_key_id: str | None
    report_json: str
    trace_json: str | None


class Archive:
    """The statutory archive over one database, blob store and vault."""

    def __init__(self, *, blobs: BlobBackend, vault: Vault) -> None:
        self.blobs = blobs
        self.vault = vault
        self._last_key: tuple[str, bytes] | None = None

    # -- write -------------------------------------------------------------------

    def index_key(self, session: Session) -> bytes:
        """The blind-index key (created on first use)."""
        return self.vault.material(session, INDEX_KEY)

    def admit(
        self,
        session: Session,
        tenant_id: str,
        accepted: Accepted,
        *,
        request_sha256: str,
        idempotency_key: str | None,
    ) -> StoredInvoice:
        """Archives one accepted invoice inside the caller's transaction and returns its record."""
        invoice = accepted.invoice
        record_id = new_id()
        key_id, data_key = self.vault.new_key(session, tenant_id)

        index_key = self.index_key(session)
        decision = retention.decide(invoice, accepted.direction)

        def sealed_blob(data: bytes, slot: str) -> str:
            # Where the store can lock (S3 Object Lock), the blob is locked until retention ends.
            return self.blobs.put(
                seal(data_key, data, associated_data(tenant_id, record_id, slot)),
                retain_until=decision.retain_until if decision else None,
            )

        def sealed_column(text: str, slot: str) -> str:
            return seal_text(data_key, text, associated_data(tenant_id, record_id, slot))

        buyer_person = is_natural_person(invoice.buyer)
        seller_person = is_natural_person(invoice.seller)
        document_sha256 = hashlib.sha256(accepted.document).hexdigest()
        signature_sha256 = (
            hashlib.sha256(accepted.signature).hexdigest() if accepted.signature else None
        )
        record = StoredInvoice(
            id=record_id,
            tenant_id=tenant_id,
            direction=accepted.direction,
            status="accepted",
            profile=accepted.profile,
            syntax=accepted.syntax,
            number=invoice.number,
            type_code=invoice.type_code,
            issue_date=invoice.issue_date,
            currency=invoice.currency,
            seller_key=blind_index.person_key(index_key, tenant_id, invoice.seller),
            seller_name=None if seller_person else invoice.seller.name[:300],
            buyer_key=blind_index.person_key(index_key, tenant_id, invoice.buyer),
            buyer_name=None if buyer_person else invoice.buyer.name[:300],
            buyer_is_person=buyer_person,
            total_without_vat=str(invoice.totals.total_without_vat),
            vat_total=str(
                invoice.totals.vat_total if invoice.totals.vat_total is not None else "0"
            ),
            amount_due=str(invoice.totals.amount_due),
            document_sha256=document_sha256,
            signature_sha256=signature_sha256,
            signature_kind=accepted.signature_kind,
            signing_key_id=accepted.signing_key_id,
            retain_until=decision.retain_until if decision else None,
            retention_rule=decision.rule if decision else None,
            restricted=False,
            data_key_id=key_id,
            document_ref=sealed_blob(accepted.document, "document"),
            signature_ref=sealed_blob(accepted.signature, "signature")
            if accepted.signature
            else None,
            report_json=sealed_column(accepted.report_json, "report"),
            invoice_json=sealed_column(invoice.model_dump_json(exclude_none=True), "invoice"),
            trace_json=sealed_column(accepted.trace_json, "trace") if accepted.trace_json else None,
            idempotency_key=idempotency_key,
            request_sha256=request_sha256,
            created_at=utcnow(),
        )
        # Core inserts of statements built once: this runs on every accepted invoice.
        connection = session.connection()
        connection.execute(_INSERT_RECORD, record.model_dump())  # unique constraints fire here
        connection.execute(
            _INSERT_TOKEN,
            [
                {"tenant_id": tenant_id, "invoice_id": record_id, "role": role, "token": token}
                for role, party in (("buyer", invoice.buyer), ("seller", invoice.seller))
                for token in sorted(blind_index.party_tokens(index_key, tenant_id, party))
            ],
        )
        ledger.append(
            session,
            tenant_id,
            ledger.INVOICE_ACCEPTED,
            record_id=record_id,
            facts={
                "record_sha256": record_digest(record),
                "direction": record.direction,
                "profile": record.profile,
                "retain_until": _plain(record.retain_until),
            },
            blobs=[h for h in (document_sha256, signature_sha256) if h],
            moment=record.created_at,
        )
        return record

    # -- read --------------------------------------------------------------------

    def accepted_entry(self, session: Session, record: StoredInvoice) -> LedgerEntry:
        """The ledger entry that admitted a record.

        Raises:
            IntegrityViolation: There is none, or it does not belong to this record.
        """
        entry = session.exec(
            select(LedgerEntry)
            .where(
                LedgerEntry.tenant_id == record.tenant_id,
                LedgerEntry.record_id == record.id,
                LedgerEntry.kind == ledger.INVOICE_ACCEPTED,
            )
            .order_by(col(LedgerEntry.seq))
        ).first()
        if entry is None:
            raise IntegrityViolation(
                f"record {record.id} is not in the ledger",
                record_id=record.id,
                kind="row-not-in-ledger",
            )
        return entry

    def check(self, session: Session, record: StoredInvoice) -> LedgerEntry:
        """Checks a record's row against its ledger entry (no blob read).

        Raises:
            IntegrityViolation: The entry is altered, or the row no longer matches it.
        """
        entry = self.accepted_entry(session, record)
        if not ledger.entry_intact(entry):
            raise IntegrityViolation(
                f"ledger entry {entry.seq} of record {record.id} is altered",
                record_id=record.id,
                kind="entry-changed",
            )
        facts = ledger.body_of(entry)["facts"]
        if facts.get("record_sha256") != record_digest(record):
            raise IntegrityViolation(
                f"record {record.id} differs from what the ledger committed to",
                record_id=record.id,
                kind="row-changed",
            )
        return entry

    def _data_key(self, session: Session, record: StoredInvoice) -> bytes:
        assert record.data_key_id is not None
        cached = self._last_key
        if cached is not None and cached[0] == record.data_key_id:
            return cached[1]  # the same record's other artefacts (document, report, invoice)
        key = self.vault.open_key(session, record.data_key_id)
        self._last_key = (record.data_key_id, key)
        return key

    def open_blob(
        self, session: Session, record: StoredInvoice, slot: str, *, checked: bool = False
    ) -> bytes:
        """The original bytes of a record's document or signature, checked against the ledger.

        Raises:
            IntegrityViolation: Row, blob or seal do not match the ledger.
            RecordShredded: The record was purged.
        """
        if not checked:
            self.check(session, record)
        ref = record.document_ref if slot == "document" else record.signature_ref
        expected = record.document_sha256 if slot == "document" else record.signature_sha256
        if ref is None or expected is None:
            raise IntegrityViolation(
                f"record {record.id} has no {slot}", record_id=record.id, kind="blob-missing"
            )
        try:
            sealed = self.blobs.get(ref)
        except BlobMissingError:
            raise IntegrityViolation(
                f"the {slot} blob of record {record.id} is missing or altered",
                record_id=record.id,
                kind="blob-changed",
            ) from None
        try:
            data = open_sealed(
                self._data_key(session, record),
                sealed,
                associated_data(record.tenant_id, record.id, slot),
            )
        except SealBroken:
            raise IntegrityViolation(
                f"the {slot} blob of record {record.id} does not open under its own key",
                record_id=record.id,
                kind="blob-changed",
            ) from None
        if hashlib.sha256(data).hexdigest() != expected:
            raise IntegrityViolation(
                f"the {slot} of record {record.id} does not hash to its ledgered SHA-256",
                record_id=record.id,
                kind="blob-changed",
            )
        return data

    def open_column(
        self, session: Session, record: StoredInvoice, slot: str, *, checked: bool = False
    ) -> str | None:
        """A sealed JSON column (``invoice``, ``report`` or ``trace``) in clear, checked first."""
        if not checked:
            self.check(session, record)
        column: str | None = getattr(record, f"{slot}_json")
        if column is None:
            return None
        try:
            return open_text(
                self._data_key(session, record),
                column,
                associated_data(record.tenant_id, record.id, slot),
            )
        except SealBroken:
            raise IntegrityViolation(
                f"the {slot} of record {record.id} does not open under its own key",
                record_id=record.id,
                kind="row-changed",
            ) from None

    # -- search ------------------------------------------------------------------

    def matching_records(self, session: Session, tenant_id: str, role: str, text: str) -> Any:
        """A subquery of the record ids whose party in ``role`` matches a search text exactly."""
        tokens = blind_index.query_tokens(self.index_key(session), tenant_id, text)
        return select(PartyIndex.invoice_id).where(
            PartyIndex.tenant_id == tenant_id,
            PartyIndex.role == role,
            col(PartyIndex.token).in_(tokens),
        )
