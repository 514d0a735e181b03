"""Purge after retention: crypto-shredding, with a tombstone in the ledger.

A record is purged when its retention ended before the ``as_of`` date and no
legal hold in force covers it. Purging destroys its data key (so every sealed
artefact, wherever a copy survives, is unreadable), deletes its blobs, its index
tokens and its row, and appends a tombstone that keeps the document's SHA-256,
so the chain still verifies. ``as_of`` may not lie after today: nothing is ever
purged early, and a clock that goes backwards only finds less to purge.
Records whose subject asked for erasure go first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine, delete, text
from sqlmodel import Session, col, select

from gateway.archive import attachments, holds, ledger
from gateway.archive.errors import PurgeRefused
from gateway.archive.store import Archive
from gateway.db import writer
from gateway.tables import PartyIndex, StoredInvoice, Tenant


@dataclass
class PurgeResult:
    """What a purge did (or would do, in a dry run)."""

    as_of: date
    dry_run: bool
    purged: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "purged": self.purged,
            "kept_under_legal_hold": self.held,
        }


def due(session: Session, tenant_id: str, as_of: date) -> list[StoredInvoice]:
    """Records of a tenant whose retention ended before ``as_of`` (erasure requests first)."""
    rows = session.exec(
        select(StoredInvoice).where(
            StoredInvoice.tenant_id == tenant_id,
            col(StoredInvoice.retain_until).is_not(None),
            col(StoredInvoice.retain_until) < as_of,
        )
    ).all()
    return sorted(rows, key=lambda r: (not r.restricted, r.retain_until, r.id))


def purge(
    engine: Engine,
    archive: Archive,
    *,
    as_of: date,
    today: date,
    tenant_id: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> PurgeResult:
    """Purges every record past retention and not under hold, one transaction per record.

    Raises:
        PurgeRefused: ``as_of`` lies after ``today`` (that would purge early).
    """
    if as_of > today:
        raise PurgeRefused(
            f"as-of date {as_of} is after today ({today}): purging before retention ends is refused"
        )
    result = PurgeResult(as_of=as_of, dry_run=dry_run)
    with Session(engine) as session:
        tenants = [tenant_id] if tenant_id else list(session.exec(select(Tenant.id)).all())
    for tenant in tenants:
        with Session(engine) as session:
            whole, held = holds.held_ids(session, archive, tenant)
            candidates = due(session, tenant, as_of)
        for done, record in enumerate(candidates, start=1):
            if whole or record.id in held:
                result.held.append(record.id)
                continue
            if not dry_run:
                purge_record(engine, archive, record.id, as_of)
            result.purged.append(record.id)
            if progress:
                progress(done, len(candidates))
    if result.purged and not dry_run:
        _compact(engine)
    return result


def purge_record(engine: Engine, archive: Archive, record_id: str, as_of: date) -> None:
    """Crypto-shreds one record (its own transaction), leaving a tombstone in the ledger."""
    with Session(writer(engine)) as session, session.begin():
        record = session.get(StoredInvoice, record_id)
        if record is None:  # purged meanwhile by another run: nothing to do twice
            return
        refs = [r for r in (record.document_ref, record.signature_ref) if r]
        refs += attachments.refs(attachments.of_record(session, record))  # receipts, responses
        if record.data_key_id:
            archive.vault.destroy(session, record.data_key_id)
        session.execute(delete(PartyIndex).where(col(PartyIndex.invoice_id) == record.id))
        ledger.append(
            session,
            record.tenant_id,
            ledger.PURGED,
            record_id=record.id,
            facts={
                "document_sha256": record.document_sha256,
                "retain_until": record.retain_until.isoformat() if record.retain_until else None,
                "as_of": as_of.isoformat(),
                "restricted": record.restricted,
            },
            blobs=[h for h in (record.document_sha256, record.signature_sha256) if h],
        )
        session.delete(record)
    # The data key is gone, so the sealed blobs are unreadable already; deleting them
    # after the commit means a crash never leaves a live record without its blobs.
    for ref in refs:
        archive.blobs.delete(ref)


def _compact(engine: Engine) -> None:
    """Makes shredded keys physically gone: SQLite's WAL checkpointed, PostgreSQL's table rewritten."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    elif engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM FULL data_key"))
