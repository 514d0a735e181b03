"""Hostile documents that try to make validation eat memory or answer with a huge report.

Both start from a valid one-line EN 16931 UBL invoice rendered by the gateway, so
they need no corpus and no artifacts directory.
"""

from __future__ import annotations

from bench.synthetic import invoice_with_lines
from schemas import profiles, ubl


def _valid_invoice() -> bytes:
    return ubl.render(invoice_with_lines(1), profile=profiles.get("en16931"))


def attribute_bomb(*, elements: int = 20, attributes: int = 100_000) -> bytes:
    """About 23 MB: ``elements`` notes with ``attributes`` attributes each (the reported attack)."""
    names = " ".join(f'attr{i}=""' for i in range(attributes))
    note = f"<cbc:Note {names}>x</cbc:Note>".encode()
    return _valid_invoice().replace(
        b"</cbc:InvoiceTypeCode>", b"</cbc:InvoiceTypeCode>" + note * elements, 1
    )


def findings_bomb(*, notes: int = 2_000, attributes: int = 45) -> bytes:
    """About 0.7 MB that the UBL XSD rejects 90,000 times (one error per unknown attribute)."""
    names = " ".join(f'b{i}=""' for i in range(attributes))
    note = f"<cbc:Note {names}>x</cbc:Note>".encode()
    return _valid_invoice().replace(
        b"</cbc:InvoiceTypeCode>", b"</cbc:InvoiceTypeCode>" + note * notes, 1
    )
