"""How CII writes and reads dates and indicators (UN/CEFACT udt/qdt data types), both ways.

A date is a holder element with ``udt:DateTimeString format="102"`` (CCYYMMDD)
inside; the tax point date uses ``udt:DateString`` and a preceding invoice's
issue date ``qdt:DateTimeString``.
"""

from __future__ import annotations

from datetime import date, datetime

from lxml import etree

from schemas.binding import Writer
from schemas.cii.names import (
    DATE_FORMAT,
    DATE_STRING,
    DATE_TIME_STRING,
    INDICATOR,
    NAMESPACES,
    QUALIFIED_DATE_TIME_STRING,
)
from schemas.errors import ParseError, Problem
from schemas.parsed import Reader

_DATE_VALUES = f"{DATE_TIME_STRING}|{QUALIFIED_DATE_TIME_STRING}|{DATE_STRING}"


class CiiWriter(Writer):
    """Appends CII elements."""

    def __init__(self) -> None:
        super().__init__(NAMESPACES)

    def date(
        self, parent: etree._Element, path: str, value: date | None, *, kind: str = DATE_TIME_STRING
    ) -> None:
        """A date holder at ``path`` with a format-102 value of ``kind``; nothing when absent."""
        if value is not None:
            holder = self.child(parent, path)
            self.value(holder, kind, value.strftime("%Y%m%d"), format=DATE_FORMAT)

    def indicator(self, parent: etree._Element, is_charge: bool) -> None:
        """``ram:ChargeIndicator``: true for a charge, false for an allowance."""
        self.value(parent, INDICATOR, "true" if is_charge else "false")


def parse_date(r: Reader, node: etree._Element | None, path: str) -> str | None:
    """The ISO date held at ``path`` (format 102), or None.

    Raises:
        ParseError: The value is not CCYYMMDD.
    """
    holder = r.one(node, path)
    value = r.text(holder, _DATE_VALUES)
    if value is None:
        return None
    try:
        return datetime.strptime(value[:8], "%Y%m%d").date().isoformat()
    except ValueError:
        raise ParseError(
            f"{path} is not a date in format 102 (CCYYMMDD)",
            problems=[
                Problem(field=path, message="expected CCYYMMDD", rule="CII-date", value=value)
            ],
        ) from None


def parse_indicator(r: Reader, node: etree._Element) -> bool:
    """Whether ``ram:ChargeIndicator`` says charge."""
    return r.text(node, INDICATOR) == "true"
