"""Legal holds: on an invoice, a buyer, a period of issue dates, or a whole tenant.

A hold is placed and lifted with a reason by the compliance role; both are ledger
events. Nothing a hold in force covers is purged. The reason is sealed (it may
name people); the ledger commits to its hash only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from gateway.archive import ledger
from gateway.archive.envelope import associated_data, open_text, seal_text
from gateway.archive.errors import HoldConflict, HoldInvalid, HoldMissing
from gateway.archive.store import Archive
from gateway.archive.vault import utcnow
from gateway.ids import new_id
from gateway.privacy import blind_index
from gateway.tables import LegalHold, PartyIndex, StoredInvoice

SCOPES = ("invoice", "buyer", "period", "tenant")
NOTES_KEY = "notes"


@dataclass(frozen=True)
class HoldRequest:
    """What a compliance officer asks to hold."""

    scope: str
    reason: str
    invoice_id: str | None = None
    buyer: str | None = None
    period_from: date | None = None
    period_to: date | None = None


def _notes_key(archive: Archive, session: Session) -> bytes:
    return archive.vault.material(session, NOTES_KEY)


def place(
    session: Session, archive: Archive, tenant_id: str, request: HoldRequest, *, actor: str | None
) -> LegalHold:
    """Places a hold (and records it in the ledger) inside the caller's transaction.

    Raises:
        HoldConflict: The request does not name what it holds, or names an unknown invoice.
    """
    if request.scope not in SCOPES:
        raise HoldInvalid(f"scope must be one of {', '.join(SCOPES)}")
    if not request.reason.strip():
        raise HoldInvalid("a legal hold needs a reason")
    buyer_token = None
    if request.scope == "invoice":
        record = session.get(StoredInvoice, request.invoice_id or "")
        if record is None or record.tenant_id != tenant_id:
            raise HoldInvalid("invoice_id names no invoice of this tenant")
    elif request.scope == "buyer":
        if not request.buyer:
            raise HoldInvalid("a buyer hold needs the buyer's identifier or name")
        buyer_token = ",".join(
            sorted(blind_index.query_tokens(archive.index_key(session), tenant_id, request.buyer))
        )
    elif request.scope == "period":
        if request.period_from is None or request.period_to is None:
            raise HoldInvalid("a period hold needs from and to dates")
        if request.period_from > request.period_to:
            raise HoldInvalid("the period ends before it starts")
    before = held_ids(session, archive, tenant_id)
    hold_id = new_id()
    hold = LegalHold(
        id=hold_id,
        tenant_id=tenant_id,
        scope=request.scope,
        invoice_id=request.invoice_id if request.scope == "invoice" else None,
        buyer_token=None,
        period_from=request.period_from if request.scope == "period" else None,
        period_to=request.period_to if request.scope == "period" else None,
        reason_sealed=seal_text(
            _notes_key(archive, session),
            request.reason,
            associated_data(tenant_id, hold_id, "hold-reason"),
        ),
        placed_at=utcnow(),
        placed_by=actor,
    )
    # The buyer tokens (one per kind of identifier) are kept sealed with the reason's key
    # so that the column holds nothing searchable on its own.
    if buyer_token is not None:
        hold.buyer_token = ledger.sha256_hex(buyer_token.encode())[:64]
        hold.reason_sealed = seal_text(
            _notes_key(archive, session),
            request.reason + "\x00" + buyer_token,
            associated_data(tenant_id, hold_id, "hold-reason"),
        )
    session.add(hold)
    session.flush()
    ledger.append(
        session,
        tenant_id,
        ledger.HOLD_PLACED,
        record_id=hold_id,
        facts={
            "scope": hold.scope,
            "invoice": hold.invoice_id,
            "from": hold.period_from.isoformat() if hold.period_from else None,
            "to": hold.period_to.isoformat() if hold.period_to else None,
            "reason_sha256": ledger.sha256_hex(request.reason.encode()),
        },
    )
    mirror(session, archive, tenant_id, before)
    return hold


def lift(
    session: Session,
    archive: Archive,
    tenant_id: str,
    hold_id: str,
    *,
    reason: str,
    actor: str | None,
) -> LegalHold:
    """Lifts a hold in force (recorded in the ledger)."""
    hold = session.get(LegalHold, hold_id)
    if hold is None or hold.tenant_id != tenant_id:
        raise HoldMissing(f"no legal hold {hold_id}")
    if hold.lifted_at is not None:
        raise HoldConflict(f"legal hold {hold_id} was already lifted")
    if not reason.strip():
        raise HoldInvalid("lifting a legal hold needs a reason")
    before = held_ids(session, archive, tenant_id)
    hold.lifted_at = utcnow()
    hold.lifted_by = actor
    session.add(hold)
    session.flush()
    ledger.append(
        session,
        tenant_id,
        ledger.HOLD_LIFTED,
        record_id=hold_id,
        facts={"reason_sha256": ledger.sha256_hex(reason.encode())},
    )
    mirror(session, archive, tenant_id, before)
    return hold


def mirror(
    session: Session, archive: Archive, tenant_id: str, before: tuple[bool, set[str]]
) -> int:
    """Brings the blob store's own legal holds (S3 Object Lock) in line after a change.

    Returns how many records changed state. A folder store has no object holds
    (its ``set_legal_hold`` does nothing); the database's holds protect it.
    """
    session.flush()
    after = held_ids(session, archive, tenant_id)
    rows = session.exec(
        select(StoredInvoice.id, StoredInvoice.document_ref, StoredInvoice.signature_ref).where(
            StoredInvoice.tenant_id == tenant_id
        )
    ).all()
    changed = 0
    for record_id, document_ref, signature_ref in rows:
        was = before[0] or record_id in before[1]
        now = after[0] or record_id in after[1]
        if was == now:
            continue
        changed += 1
        for ref in (document_ref, signature_ref):
            if ref:
                archive.blobs.set_legal_hold(ref, now)
    return changed


def in_force(session: Session, tenant_id: str) -> list[LegalHold]:
    """The holds of a tenant that are not lifted."""
    return list(
        session.exec(
            select(LegalHold).where(
                LegalHold.tenant_id == tenant_id, col(LegalHold.lifted_at).is_(None)
            )
        ).all()
    )


def _buyer_tokens(session: Session, archive: Archive, hold: LegalHold) -> set[str]:
    text = open_text(
        _notes_key(archive, session),
        hold.reason_sealed,
        associated_data(hold.tenant_id, hold.id, "hold-reason"),
    )
    _, _, tokens = text.partition("\x00")
    return set(tokens.split(",")) if tokens else set()


def held_ids(session: Session, archive: Archive, tenant_id: str) -> tuple[bool, set[str]]:
    """What the holds in force cover: (the whole tenant?, the ids of covered invoices)."""
    whole, ids = False, set()
    for hold in in_force(session, tenant_id):
        if hold.scope == "tenant":
            whole = True
        elif hold.scope == "invoice" and hold.invoice_id:
            ids.add(hold.invoice_id)
        elif hold.scope == "period":
            ids.update(
                session.exec(
                    select(StoredInvoice.id).where(
                        StoredInvoice.tenant_id == tenant_id,
                        col(StoredInvoice.issue_date) >= hold.period_from,
                        col(StoredInvoice.issue_date) <= hold.period_to,
                    )
                ).all()
            )
        elif hold.scope == "buyer":
            tokens = _buyer_tokens(session, archive, hold)
            ids.update(
                session.exec(
                    select(PartyIndex.invoice_id).where(
                        PartyIndex.tenant_id == tenant_id,
                        PartyIndex.role == "buyer",
                        col(PartyIndex.token).in_(tokens),
                    )
                ).all()
            )
    return whole, ids


def public(session: Session, archive: Archive, hold: LegalHold) -> dict[str, Any]:
    """A hold as the API shows it to the compliance role (with its reason)."""
    reason = open_text(
        _notes_key(archive, session),
        hold.reason_sealed,
        associated_data(hold.tenant_id, hold.id, "hold-reason"),
    ).partition("\x00")[0]
    return {
        "id": hold.id,
        "scope": hold.scope,
        "invoice_id": hold.invoice_id,
        "from": hold.period_from,
        "to": hold.period_to,
        "reason": reason,
        "placed_at": hold.placed_at,
        "lifted_at": hold.lifted_at,
        "in_force": hold.lifted_at is None,
    }
