"""Allowances and charges in CII D16B (``ram:SpecifiedTradeAllowanceCharge``), both ways.

Document level (BG-20, BG-21, with their VAT category in ``ram:CategoryTradeTax``)
and line level (BG-27, BG-28) share the element.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from schemas.binding import allowances_and_charges
from schemas.cii.names import ACTUAL_AMOUNT, BASIS_AMOUNT, CATEGORY_CODE, RATE, TYPE_CODE, VAT
from schemas.cii.value import CiiWriter, parse_indicator
from schemas.model import AllowanceCharge, Invoice, InvoiceLine
from schemas.parsed import Fields, Reader, by_kind, drop_empty

ALLOWANCE_CHARGE = "ram:SpecifiedTradeAllowanceCharge"
PERCENTAGE = "ram:CalculationPercent"
REASON_CODE = "ram:ReasonCode"
REASON = "ram:Reason"
CATEGORY = "ram:CategoryTradeTax"
_BEFORE_AMOUNT: Fields = (("percentage", PERCENTAGE), ("base_amount", BASIS_AMOUNT))
_AFTER_AMOUNT: Fields = (("reason_code", REASON_CODE), ("reason", REASON))


def render_allowances(w: CiiWriter, parent: etree._Element, holder: Invoice | InvoiceLine) -> None:
    """BG-20 and BG-21 (with VAT) or BG-27 and BG-28 (without), allowances first."""
    for is_charge, item in allowances_and_charges(holder):
        element = w.child(parent, ALLOWANCE_CHARGE)
        w.indicator(element, is_charge)
        w.fields(element, item, _BEFORE_AMOUNT)
        w.required(element, ACTUAL_AMOUNT, item.amount)
        w.fields(element, item, _AFTER_AMOUNT)
        if isinstance(item, AllowanceCharge):
            tax = w.child(element, CATEGORY)
            w.required(tax, TYPE_CODE, VAT)
            w.required(tax, CATEGORY_CODE, item.vat_category)
            w.value(tax, RATE, item.vat_rate)


def parse_allowances(
    r: Reader, node: etree._Element | None, *, with_vat: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The allowances and the charges below ``node``."""
    found = []
    for element in r.all(node, ALLOWANCE_CHARGE):
        is_charge = parse_indicator(r, element)
        item: dict[str, Any] = r.fields(element, _BEFORE_AMOUNT + _AFTER_AMOUNT)
        item["amount"] = r.text(element, ACTUAL_AMOUNT)
        if with_vat:
            tax = r.one(element, CATEGORY)
            r.text(tax, TYPE_CODE)
            item["vat_category"] = r.text(tax, CATEGORY_CODE)
            item["vat_rate"] = r.text(tax, RATE)
        found.append((is_charge, drop_empty(item)))
    return by_kind(found)
