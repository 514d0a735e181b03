"""Verification of the whole archive: every chain link, every record, every blob, every checkpoint.

Problems are reported by kind, naming the tenant and the record (never any
content): ``entry-missing``, ``entry-changed``, ``chain-broken``,
``head-mismatch``, ``row-changed``, ``row-missing``, ``row-not-in-ledger``,
``status-changed``, ``blob-missing``, ``blob-changed``, ``purged-data-left``,
``checkpoint-mismatch``, ``checkpoint-signature-invalid``, ``timestamp-invalid``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from gateway.archive import attachments, ledger, timestamp
from gateway.archive.checkpoint import verify_statement
from gateway.archive.envelope import associated_data, open_sealed, open_text
from gateway.archive.errors import ArchiveKeyError, RecordShredded, SealBroken, TimestampError
from gateway.archive.merkle import MerkleTree
from gateway.archive.store import Archive, record_digest
from gateway.blobstore import BlobMissingError
from gateway.tables import Checkpoint, DataKey, LedgerHead, StoredInvoice, Tenant
from signing.keys import key_id


@dataclass(frozen=True)
class Finding:
    """One thing found wrong."""

    tenant_id: str
    kind: str
    record_id: str | None
    detail: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "tenant": self.tenant_id,
            "kind": self.kind,
            "record": self.record_id,
            "detail": self.detail,
        }


@dataclass
class Verification:
    """What a verification run checked and found."""

    tenants: int = 0
    entries: int = 0
    records: int = 0
    blobs: int = 0
    checkpoints: int = 0
    purged: int = 0
    problems: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        """Nothing was found wrong."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "intact": self.intact,
            "tenants": self.tenants,
            "entries": self.entries,
            "records": self.records,
            "blobs": self.blobs,
            "checkpoints": self.checkpoints,
            "purged": self.purged,
            "problems": [p.as_dict() for p in self.problems],
        }


Progress = Callable[[int, int], None]


def snapshot(engine: Engine) -> Engine:
    """An engine whose transactions see one snapshot, so a verification never mixes states.

    SQLite's WAL readers have that already; PostgreSQL's default (read committed) lets
    each statement see newer rows, so a status change committed between reading the
    ledger and reading the records would look like tampering.
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="REPEATABLE READ")
    return engine


@dataclass
class _RecordState:
    accepted: dict[str, Any] | None = None
    status: str = "accepted"
    restricted: bool = False
    purged: bool = False
    attachments: list[attachments.Attachment] = field(default_factory=list)


def verify_archive(
    session: Session,
    archive: Archive,
    *,
    certificates: list[x509.Certificate],
    tsa_roots: list[x509.Certificate] | None = None,
    tenant_id: str | None = None,
    progress: Progress | None = None,
) -> Verification:
    """Verifies the archive of one tenant, or of every tenant.

    Args:
        session: A reading session.
        archive: Opens sealed blobs (hashes are over the original bytes).
        certificates: Certificates of the signing keys, current and retired.
        tsa_roots: Trusted roots of the time-stamp authority (tokens are not checked without).
        tenant_id: Only this tenant.
        progress: Called with (done, total) records as verification goes.
    """
    result = Verification()
    tenants = (
        [tenant_id]
        if tenant_id
        else [t.id for t in session.exec(select(Tenant).order_by(col(Tenant.id))).all()]
    )
    by_key_id = {key_id(c): c for c in certificates}
    for tenant in tenants:
        result.tenants += 1
        states = _verify_chain(session, tenant, result)
        _verify_records(session, archive, tenant, states, result, progress)
        _verify_checkpoints(session, tenant, by_key_id, tsa_roots, result)
    return result


def _verify_chain(session: Session, tenant: str, result: Verification) -> dict[str, _RecordState]:
    states: dict[str, _RecordState] = {}
    expected_seq, prev_hash = 0, ledger.GENESIS
    for entry in ledger.entries(session, tenant):
        result.entries += 1
        if entry.seq != expected_seq:
            result.problems.append(
                Finding(
                    tenant,
                    "entry-missing",
                    None,
                    f"entries {expected_seq}..{entry.seq - 1} are missing",
                )
            )
        if not ledger.entry_intact(entry):
            result.problems.append(
                Finding(tenant, "entry-changed", entry.record_id, f"entry {entry.seq} was altered")
            )
        elif entry.prev_hash != prev_hash:
            result.problems.append(
                Finding(
                    tenant,
                    "chain-broken",
                    entry.record_id,
                    f"entry {entry.seq} does not follow the entry before it (inserted, removed or reordered)",
                )
            )
        expected_seq, prev_hash = entry.seq + 1, entry.entry_hash
        body = ledger.body_of(entry)
        if entry.record_id is None:
            continue
        state = states.setdefault(entry.record_id, _RecordState())
        state.attachments.extend(attachments.listed(body["facts"]))
        if entry.kind == ledger.INVOICE_ACCEPTED:
            state.accepted = body["facts"]
        elif entry.kind == ledger.INVOICE_STATUS:
            state.status = body["facts"].get("status", state.status)
        elif entry.kind == ledger.ERASURE_REQUESTED:
            state.restricted = True
        elif entry.kind == ledger.PURGED:
            state.purged = True
    head = session.get(LedgerHead, tenant)
    if head is not None and (head.size != expected_seq or head.head_hash != prev_hash):
        result.problems.append(
            Finding(
                tenant,
                "head-mismatch",
                None,
                f"the ledger head says {head.size} entries, the chain has {expected_seq}: entries were removed or added",
            )
        )
    return states


def _verify_records(
    session: Session,
    archive: Archive,
    tenant: str,
    states: dict[str, _RecordState],
    result: Verification,
    progress: Progress | None,
) -> None:
    records = session.exec(
        select(StoredInvoice)
        .where(StoredInvoice.tenant_id == tenant)
        .order_by(col(StoredInvoice.id))
    ).all()
    total = len(records)
    seen: set[str] = set()
    for done, record in enumerate(records, start=1):
        result.records += 1
        seen.add(record.id)
        state = states.get(record.id)
        if state is None or state.accepted is None:
            result.problems.append(
                Finding(
                    tenant, "row-not-in-ledger", record.id, "a record the ledger never admitted"
                )
            )
            continue
        if state.purged:
            result.problems.append(
                Finding(tenant, "purged-data-left", record.id, "a purged record still has its row")
            )
            continue
        if state.accepted.get("record_sha256") != record_digest(record):
            result.problems.append(
                Finding(
                    tenant,
                    "row-changed",
                    record.id,
                    "the row differs from what the ledger committed to",
                )
            )
        if record.status != state.status or record.restricted != state.restricted:
            result.problems.append(
                Finding(
                    tenant,
                    "status-changed",
                    record.id,
                    "status or restriction not set by a ledger event",
                )
            )
        _verify_blobs(session, archive, record, result, state.attachments)
        if progress:
            progress(done, total)
    for record_id, state in states.items():
        if state.accepted is not None and not state.purged and record_id not in seen:
            result.problems.append(
                Finding(tenant, "row-missing", record_id, "a record the ledger admitted is gone")
            )
        if state.purged:
            result.purged += 1


def _verify_blobs(
    session: Session,
    archive: Archive,
    record: StoredInvoice,
    result: Verification,
    attached: list[attachments.Attachment],
) -> None:
    try:
        data_key = archive.vault.open_key(session, record.data_key_id or "")
    except (RecordShredded, ArchiveKeyError):
        result.problems.append(
            Finding(record.tenant_id, "blob-missing", record.id, "the record's data key is gone")
        )
        return
    for slot, ref, expected in (
        ("document", record.document_ref, record.document_sha256),
        ("signature", record.signature_ref, record.signature_sha256),
    ):
        if ref is None or expected is None:
            if slot == "document":
                result.problems.append(
                    Finding(record.tenant_id, "blob-missing", record.id, "no document blob")
                )
            continue
        result.blobs += 1
        try:
            sealed = archive.blobs.get(ref)
            data = open_sealed(data_key, sealed, associated_data(record.tenant_id, record.id, slot))
        except BlobMissingError as exc:
            kind = "blob-missing" if "missing" in exc.message else "blob-changed"
            result.problems.append(
                Finding(record.tenant_id, kind, record.id, f"{slot}: {exc.message}")
            )
            continue
        except SealBroken:
            result.problems.append(
                Finding(
                    record.tenant_id,
                    "blob-changed",
                    record.id,
                    f"{slot} does not open under its key",
                )
            )
            continue
        if hashlib.sha256(data).hexdigest() != expected:
            result.problems.append(
                Finding(
                    record.tenant_id,
                    "blob-changed",
                    record.id,
                    f"{slot} hash differs from the ledger",
                )
            )
    for attachment in attached:  # receipts, responses, MLRs: sealed under the same key
        result.blobs += 1
        found = attachments.check(archive, data_key, record, attachment)
        if isinstance(found, tuple):
            result.problems.append(
                Finding(record.tenant_id, found[0], record.id, f"{attachment.kind}: {found[1]}")
            )
    for slot in ("invoice", "report", "trace"):
        column = getattr(record, f"{slot}_json")
        if column is None:
            continue
        try:
            open_text(data_key, column, associated_data(record.tenant_id, record.id, slot))
        except SealBroken:
            result.problems.append(
                Finding(record.tenant_id, "row-changed", record.id, f"sealed {slot} does not open")
            )


def _verify_checkpoints(
    session: Session,
    tenant: str,
    certificates: dict[str, x509.Certificate],
    tsa_roots: list[x509.Certificate] | None,
    result: Verification,
) -> None:
    rows = session.exec(
        select(Checkpoint).where(Checkpoint.tenant_id == tenant).order_by(col(Checkpoint.tree_size))
    ).all()
    if not rows:
        return
    tree = MerkleTree([bytes.fromhex(e.entry_hash) for e in ledger.entries(session, tenant)])
    for row in rows:
        result.checkpoints += 1
        if row.tree_size > tree.size or tree.subtree_root(row.tree_size).hex() != row.root_hash:
            result.problems.append(
                Finding(
                    tenant,
                    "checkpoint-mismatch",
                    row.id,
                    f"the ledger's first {row.tree_size} entries no longer have the signed root",
                )
            )
        certificate = certificates.get(row.signing_key_id)
        signature = base64.b64decode(row.signature)
        statement_ok = (
            f"tree_size: {row.tree_size}\n" in row.statement
            and f"root: {row.root_hash}\n" in row.statement
            and f"tenant: {tenant}\n" in row.statement
        )
        if (
            certificate is None
            or not statement_ok
            or not verify_statement(row.statement, signature, certificate)
        ):
            result.problems.append(
                Finding(
                    tenant,
                    "checkpoint-signature-invalid",
                    row.id,
                    "the checkpoint signature does not verify",
                )
            )
        if row.timestamp_token and tsa_roots:
            try:
                timestamp.verify_token(timestamp.decode(row.timestamp_token), signature, tsa_roots)
            except TimestampError:
                result.problems.append(
                    Finding(
                        tenant,
                        "timestamp-invalid",
                        row.id,
                        "the checkpoint's time stamp does not verify",
                    )
                )


def destroyed_keys(session: Session, tenant: str) -> int:
    """How many data keys of a tenant are destroyed (for reports)."""
    return len(
        session.exec(
            select(DataKey).where(DataKey.tenant_id == tenant, col(DataKey.wrapped).is_(None))
        ).all()
    )
