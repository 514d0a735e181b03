"""BG-14 INVOICING PERIOD and BG-26 INVOICE LINE PERIOD in CII (``ram:BillingSpecifiedPeriod``), both ways."""

from __future__ import annotations

from typing import Any

from lxml import etree

from schemas.cii.names import PERIOD
from schemas.cii.value import CiiWriter, parse_date
from schemas.model import Period
from schemas.parsed import Reader, drop_empty

START = "ram:StartDateTime"
END = "ram:EndDateTime"


def render_period(w: CiiWriter, parent: etree._Element, period: Period | None) -> None:
    """The period, when it has a start or an end."""
    if period is None or not (period.start or period.end):
        return
    element = w.child(parent, PERIOD)
    w.date(element, START, period.start)
    w.date(element, END, period.end)


def parse_period(r: Reader, parent: etree._Element | None) -> dict[str, Any] | None:
    """The period below ``parent``, or None."""
    node = r.one(parent, PERIOD)
    if node is None:
        return None
    return (
        drop_empty({"start": parse_date(r, node, START), "end": parse_date(r, node, END)}) or None
    )
