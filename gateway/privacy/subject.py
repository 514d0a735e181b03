"""Data-subject requests: access (GDPR art. 15) and erasure within statutory retention (arts. 17, 18).

A subject is found through the blind index only: by name and e-mail together
(both must match the same party), or by an identifier (VAT id, legal id,
electronic address, e-mail). During retention an invoice cannot be erased
(art. 17(3)(b)): its processing is restricted instead (art. 18), recorded in the
ledger, and it is shredded first when its retention ends. An invoice under no
retention obligation is shredded at once, unless a legal hold covers it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from gateway.archive import holds, ledger
from gateway.archive.purge import purge_record
from gateway.archive.store import Archive
from gateway.db import writer
from gateway.privacy import blind_index
from gateway.privacy.personal import personal_data_of
from gateway.tables import PartyIndex, StoredInvoice
from schemas.errors import GatewayError, Problem
from schemas.model import Invoice


class SubjectNotIdentified(GatewayError):
    """The request does not identify a subject precisely enough."""

    status_code = 422


@dataclass(frozen=True)
class Subject:
    """How a request identifies its subject."""

    name: str | None = None
    email: str | None = None
    identifier: str | None = None

    def check(self) -> None:
        """Refuses requests that could match other people."""
        if self.identifier:
            return
        if self.name and self.email:
            return
        raise SubjectNotIdentified(
            "identify the subject by name and e-mail together, or by an identifier",
            problems=[
                Problem(
                    field="identifier" if not self.name else "email",
                    message="give name + email, or identifier (VAT id, legal id, electronic address, e-mail)",
                    rule="gdpr.subject-identification",
                )
            ],
        )


def find(
    session: Session, archive: Archive, tenant_id: str, subject: Subject
) -> dict[str, set[str]]:
    """The invoices holding data of the subject: {invoice id: roles (buyer/seller)}."""
    subject.check()
    key = archive.index_key(session)

    def matches(tokens: set[str]) -> dict[str, set[str]]:
        rows = session.exec(
            select(PartyIndex.invoice_id, PartyIndex.role).where(
                PartyIndex.tenant_id == tenant_id, col(PartyIndex.token).in_(tokens)
            )
        ).all()
        found: dict[str, set[str]] = {}
        for invoice_id, role in rows:
            found.setdefault(invoice_id, set()).add(role)
        return found

    if subject.identifier:
        return matches(blind_index.query_tokens(key, tenant_id, subject.identifier))
    assert subject.name and subject.email
    by_name = matches({blind_index.token(key, tenant_id, "name", subject.name)})
    by_email = matches({blind_index.token(key, tenant_id, "email", subject.email)})
    return {
        i: by_name[i] & by_email[i]
        for i in by_name.keys() & by_email.keys()
        if by_name[i] & by_email[i]
    }


def access(session: Session, archive: Archive, tenant_id: str, subject: Subject) -> dict[str, Any]:
    """Everything stored about a subject, where it came from and until when it is kept."""
    found = find(session, archive, tenant_id, subject)
    items = []
    for invoice_id in sorted(found):
        record = session.get(StoredInvoice, invoice_id)
        if record is None:
            continue
        invoice = Invoice.model_validate_json(
            archive.open_column(session, record, "invoice") or "{}"
        )
        for role in sorted(found[invoice_id]):
            items.append(
                {
                    "invoice_id": record.id,
                    "number": record.number,
                    "issue_date": record.issue_date.isoformat(),
                    "role": role,
                    "data": personal_data_of(invoice, role),
                    "source": "rendered from the ERP's draft"
                    if record.direction == "outbound"
                    else "received as an e-invoice document",
                    "stored_in": [
                        place
                        for place in (
                            "the e-invoice document (sealed)",
                            "its signature (sealed)" if record.signature_sha256 else None,
                            "the EN 16931 data of the invoice (sealed)",
                        )
                        if place
                    ],
                    "purpose": "statutory invoice retention",
                    "legal_basis": "GDPR art. 6(1)(c): legal obligation, "
                    + (record.retention_rule or "VAT law"),
                    "retain_until": record.retain_until.isoformat()
                    if record.retain_until
                    else None,
                    "restricted": record.restricted,
                }
            )
    return {"invoices": len(found), "items": items}


def erase(
    engine: Engine, archive: Archive, tenant_id: str, subject: Subject, *, today: date
) -> dict[str, Any]:
    """Answers an erasure request: restrict what retention keeps, shred what it does not."""
    with Session(engine) as session:
        found = find(session, archive, tenant_id, subject)
        whole, held = holds.held_ids(session, archive, tenant_id)
    outcome = []
    for invoice_id in sorted(found):
        with Session(writer(engine), expire_on_commit=False) as session, session.begin():
            record = session.get(StoredInvoice, invoice_id)
            if record is None:
                continue
            under_retention = record.retain_until is not None and record.retain_until >= today
            under_hold = whole or invoice_id in held
            if under_retention or under_hold:
                erasable_on = (
                    record.retain_until + timedelta(days=1) if record.retain_until else None
                )
                if not record.restricted:
                    record.restricted = True
                    session.add(record)
                    ledger.append(
                        session,
                        tenant_id,
                        ledger.ERASURE_REQUESTED,
                        record_id=record.id,
                        facts={
                            "erasable_on": erasable_on.isoformat() if erasable_on else None,
                            "legal_hold": under_hold,
                        },
                    )
                outcome.append(
                    {
                        "invoice_id": record.id,
                        "action": "restricted",
                        "why": "under legal hold"
                        if under_hold
                        else "statutory retention (GDPR art. 17(3)(b))",
                        "erasable_on": erasable_on.isoformat() if erasable_on else None,
                    }
                )
                continue
        purge_record(engine, archive, invoice_id, today)
        outcome.append(
            {"invoice_id": invoice_id, "action": "shredded", "why": "no retention obligation left"}
        )
    return {"invoices": len(outcome), "outcome": outcome}


def summary(result: dict[str, Any]) -> str:
    """An audit line for a request: counts only, never personal data."""
    return json.dumps({k: v for k, v in result.items() if isinstance(v, int)})
