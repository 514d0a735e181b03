"""The per-tenant ledger: an append-only hash chain of archive events.

``entry_hash = SHA-256(prev_entry_hash || canonical body)``, where the body names
the tenant, the position (``seq``), the kind of event, the record, the time, a
few non-personal facts and the SHA-256 of every blob the event refers to. Any
change, deletion, insertion or reordering of entries breaks the chain; changes
to records or blobs break the commitment the entry holds to them.

Appends take the row lock of the tenant's ``ledger_head`` (PostgreSQL) or run in
SQLite's single writer, inside the caller's transaction: the entry commits with
the record it describes, or neither does, and two writers can never fork the
chain or leave a gap (the primary key is ``(tenant_id, seq)``).

Bodies never hold personal data: records are committed to by hash only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy import insert as sa_insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from gateway.archive.vault import utcnow
from gateway.tables import LedgerEntry, LedgerHead

GENESIS = "0" * 64

# The kinds of event the ledger records.
INVOICE_ACCEPTED = "invoice.accepted"
INVOICE_STATUS = "invoice.status"
HOLD_PLACED = "hold.placed"
HOLD_LIFTED = "hold.lifted"
ERASURE_REQUESTED = "erasure.requested"
PURGED = "invoice.purged"
KEY_ROTATED = "key.rotated"
CHECKPOINT = "checkpoint"


def canonical(value: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, ASCII only (stable across databases and versions)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256."""
    return hashlib.sha256(data).hexdigest()


def timestamp(moment: datetime) -> str:
    """A time as the ledger writes it (UTC, microseconds, no zone suffix)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds")


def chain_hash(prev_hash: str, body_text: str) -> str:
    """The hash that links an entry to its predecessor."""
    return sha256_hex(bytes.fromhex(prev_hash) + body_text.encode())


@dataclass(frozen=True)
class Appended:
    """Where an appended entry landed in the chain."""

    seq: int
    entry_hash: str


# Statements built once: their compiled form is cached, and appends run on every invoice.
_HEAD_TABLE = LedgerHead.__table__  # type: ignore[attr-defined]
_HEAD = (
    select(_HEAD_TABLE.c.size, _HEAD_TABLE.c.head_hash)
    .where(_HEAD_TABLE.c.tenant_id == bindparam("tenant"))
    .with_for_update()
)
_INSERT_ENTRY = sa_insert(LedgerEntry.__table__)  # type: ignore[attr-defined]
_MOVE_HEAD = (
    update(_HEAD_TABLE)
    .where(_HEAD_TABLE.c.tenant_id == bindparam("tenant"))
    .values(size=bindparam("new_size"), head_hash=bindparam("new_hash"))
)


def lock_head(session: Session, tenant_id: str) -> tuple[int, str]:
    """The tenant's (size, head hash), its row locked for this transaction (created on first use).

    Core statements, not the ORM: an append runs on every accepted invoice.
    """
    row = session.connection().execute(_HEAD, {"tenant": tenant_id}).first()
    if row is not None:
        return int(row[0]), str(row[1])
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Two first writers may race here: the loser's insert does nothing, and its
    # SELECT ... FOR UPDATE then waits for the winner's transaction.
    session.execute(
        insert(LedgerHead)
        .values(tenant_id=tenant_id, size=0, head_hash=GENESIS)
        .on_conflict_do_nothing(index_elements=["tenant_id"])
    )
    row = session.connection().execute(_HEAD, {"tenant": tenant_id}).one()
    return int(row[0]), str(row[1])


def append(
    session: Session,
    tenant_id: str,
    kind: str,
    *,
    record_id: str | None,
    facts: dict[str, Any] | None = None,
    blobs: list[str] | None = None,
    moment: datetime | None = None,
) -> Appended:
    """Appends one event to the tenant's ledger inside the caller's transaction.

    Args:
        session: An open writing session; the entry commits or rolls back with it.
        tenant_id: Whose ledger.
        kind: One of the event kinds above.
        record_id: The record the event is about (an invoice, a hold), if any.
        facts: Non-personal facts to commit to (hashes, dates, sizes, rule ids).
        blobs: SHA-256 (hex) of the original bytes of every blob the event refers to.
        moment: The event time (default: now).
    """
    session.flush()  # pending rows of the caller go first: the lock is taken last and held briefly
    size, head_hash = lock_head(session, tenant_id)
    moment = moment or utcnow()
    body = {
        "v": 1,
        "tenant": tenant_id,
        "seq": size,
        "kind": kind,
        "record": record_id,
        "time": timestamp(moment),
        "facts": facts or {},
        "blobs": list(blobs or []),
    }
    body_text = canonical(body).decode()
    entry = Appended(seq=size, entry_hash=chain_hash(head_hash, body_text))
    connection = session.connection()
    connection.execute(
        _INSERT_ENTRY,
        {
            "tenant_id": tenant_id,
            "seq": size,
            "kind": kind,
            "record_id": record_id,
            "body": body_text,
            "prev_hash": head_hash,
            "entry_hash": entry.entry_hash,
            "created_at": moment,
        },
    )
    connection.execute(
        _MOVE_HEAD, {"tenant": tenant_id, "new_size": size + 1, "new_hash": entry.entry_hash}
    )
    return entry


def entries(session: Session, tenant_id: str, *, batch: int = 2000) -> Iterator[LedgerEntry]:
    """Every entry of a tenant's ledger in chain order, read in batches."""
    seq = -1
    while True:
        rows = session.exec(
            select(LedgerEntry)
            .where(LedgerEntry.tenant_id == tenant_id, col(LedgerEntry.seq) > seq)
            .order_by(col(LedgerEntry.seq))
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        seq = rows[-1].seq


def entries_of(session: Session, tenant_id: str, record_id: str) -> list[LedgerEntry]:
    """The entries about one record, in chain order."""
    return list(
        session.exec(
            select(LedgerEntry)
            .where(LedgerEntry.tenant_id == tenant_id, LedgerEntry.record_id == record_id)
            .order_by(col(LedgerEntry.seq))
        ).all()
    )


def body_of(entry: LedgerEntry) -> dict[str, Any]:
    """The parsed body of an entry."""
    parsed: dict[str, Any] = json.loads(entry.body)
    return parsed


def entry_intact(entry: LedgerEntry) -> bool:
    """Whether an entry's own hash and columns agree with its body (not the chain around it)."""
    body = body_of(entry)
    return (
        entry.entry_hash == chain_hash(entry.prev_hash, entry.body)
        and body.get("seq") == entry.seq
        and body.get("kind") == entry.kind
        and body.get("record") == entry.record_id
        and body.get("tenant") == entry.tenant_id
    )
