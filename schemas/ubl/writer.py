"""How UBL writes values: amounts carry the currency, dates are ISO 8601 (UBL 2.1 cbc types)."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from schemas.binding import Writer
from schemas.ubl.names import NAMESPACES


class UblWriter(Writer):
    """Appends UBL elements; every amount carries ``currencyID``."""

    def __init__(self, currency: str) -> None:
        super().__init__(NAMESPACES)
        self.currency = currency

    def amount(
        self, parent: etree._Element, path: str, value: Decimal | None, currency: str | None = None
    ) -> None:
        """An amount in the document currency, or in ``currency`` (BT-111)."""
        self.value(parent, path, value, currencyID=currency or self.currency)
