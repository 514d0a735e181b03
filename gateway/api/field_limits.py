"""Draft fields that the invoice record stores in fixed-width columns, checked before the database.

PostgreSQL refuses a value longer than its ``VARCHAR(n)`` column (a 500 used to
follow) while SQLite stores it anyway; checked here, the limit is the same on both
and the client learns which field is too long. The widths are read from the table
definitions, so a migration that widens a column widens the check.
"""

from __future__ import annotations

from typing import Any

from gateway.tables import StoredInvoice
from schemas.model import InvoiceDraft


def _width(column: str) -> int:
    length = StoredInvoice.__table__.c[column].type.length  # type: ignore[attr-defined]
    return int(length)


def _party_fields(prefix: str, party: Any, key_column: str) -> list[tuple[str, str | None, int]]:
    # The party key column holds the VAT id, else the legal id (the name is cut to fit).
    legal_id = party.legal_id.value if party.legal_id else None
    return [
        (f"{prefix}.vat_id", party.vat_id, _width(key_column)),
        (f"{prefix}.legal_id.value", legal_id, _width(key_column)),
    ]


def width_errors(draft: InvoiceDraft) -> list[dict[str, Any]]:
    """Validation errors (``loc`` from ``body``) for draft values longer than their column.

    >>> width_errors(InvoiceDraft.model_construct(number="A" * 250, seller=None, buyer=None))[0]["loc"]
    ('body', 'number')
    """
    fields: list[tuple[str, str | None, int]] = [("number", draft.number, _width("number"))]
    if draft.seller is not None:
        fields += _party_fields("seller", draft.seller, "seller_key")
    if draft.buyer is not None:
        fields += _party_fields("buyer", draft.buyer, "buyer_key")
    return [
        {
            "loc": ("body", *path.split(".")),
            "msg": f"at most {width} characters are stored; this value has {len(value)}",
            "type": "string_too_long",
        }
        for path, value, width in fields
        if value is not None and len(value) > width
    ]
