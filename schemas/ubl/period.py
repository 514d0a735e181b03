"""BG-14 INVOICING PERIOD and BG-26 INVOICE LINE PERIOD in UBL 2.1 (``cac:InvoicePeriod``), both ways."""

from __future__ import annotations

from typing import Any

from lxml import etree

from schemas.model import Period
from schemas.parsed import Reader, drop_empty
from schemas.ubl.names import DESCRIPTION_CODE, END_DATE, PERIOD, START_DATE
from schemas.ubl.writer import UblWriter


def render_period(
    w: UblWriter, parent: etree._Element, period: Period | None, tax_point_code: str | None = None
) -> None:
    """A period; the document's also carries the tax point date code (BT-8)."""
    if period is None and tax_point_code is None:
        return
    element = w.child(parent, PERIOD)
    if period is not None:
        w.value(element, START_DATE, period.start)
        w.value(element, END_DATE, period.end)
    w.value(element, DESCRIPTION_CODE, tax_point_code)


def parse_period(r: Reader, parent: etree._Element | None) -> dict[str, Any] | None:
    """The period below ``parent``, or None."""
    node = r.one(parent, PERIOD)
    if node is None:
        return None
    return drop_empty({"start": r.text(node, START_DATE), "end": r.text(node, END_DATE)}) or None


def parse_tax_point_code(r: Reader, root: etree._Element) -> str | None:
    """BT-8, which UBL keeps in the document's invoicing period."""
    return r.text(r.one(root, PERIOD), DESCRIPTION_CODE)
