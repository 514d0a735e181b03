"""A stored record's sealed content, opened through the archive (checked against the ledger first)."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from gateway.archive.store import Archive
from gateway.tables import StoredInvoice
from schemas.model import Invoice


def invoice_of(session: Session, archive: Archive, record: StoredInvoice) -> Invoice:
    """The record's EN 16931 content."""
    return Invoice.model_validate_json(archive.open_column(session, record, "invoice") or "{}")


def report_of(session: Session, archive: Archive, record: StoredInvoice) -> dict[str, Any]:
    """The record's validation report (JSON shape of ``egw validate --json``)."""
    report: dict[str, Any] = json.loads(archive.open_column(session, record, "report") or "{}")
    return report


def party_label(name: str | None, key: str, is_person: bool) -> str:
    """How lists show a party: an organisation by name (or id); a natural person never."""
    if is_person or key.startswith("h:"):
        return "(natural person)"
    return name or key
