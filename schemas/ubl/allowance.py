"""Allowances and charges in UBL 2.1 (``cac:AllowanceCharge``), both ways.

Document level (BG-20, BG-21, with their VAT category), line level (BG-27,
BG-28) and the price discount of a line (BT-147, BT-148) share the element.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree

from schemas.binding import allowances_and_charges
from schemas.model import AllowanceCharge, Invoice, InvoiceLine
from schemas.parsed import Fields, Reader, by_kind, drop_empty
from schemas.ubl.names import ALLOWANCE_CHARGE, AMOUNT, BASE_AMOUNT, CHARGE_INDICATOR
from schemas.ubl.totals import TAX_CATEGORY, parse_tax_category, render_tax_category
from schemas.ubl.writer import UblWriter

REASON_CODE = "cbc:AllowanceChargeReasonCode"
REASON = "cbc:AllowanceChargeReason"
PERCENTAGE = "cbc:MultiplierFactorNumeric"
_REASONS: Fields = (("reason_code", REASON_CODE), ("reason", REASON), ("percentage", PERCENTAGE))
_AMOUNTS: Fields = (("amount", AMOUNT), ("base_amount", BASE_AMOUNT))


def render_allowance_charge(
    w: UblWriter,
    parent: etree._Element,
    *,
    is_charge: bool,
    amount: Decimal,
    base_amount: Decimal | None = None,
    percentage: Decimal | None = None,
    reason: str | None = None,
    reason_code: str | None = None,
    vat: tuple[str, Decimal | None] | None = None,
) -> None:
    """One ``cac:AllowanceCharge`` in XSD order."""
    element = w.child(parent, ALLOWANCE_CHARGE)
    w.value(element, CHARGE_INDICATOR, "true" if is_charge else "false")
    w.value(element, REASON_CODE, reason_code)
    w.value(element, REASON, reason)
    w.value(element, PERCENTAGE, percentage)
    w.amount(element, AMOUNT, amount)
    w.amount(element, BASE_AMOUNT, base_amount)
    if vat is not None:
        render_tax_category(w, element, TAX_CATEGORY, vat[0], vat[1])


def render_allowances(w: UblWriter, parent: etree._Element, holder: Invoice | InvoiceLine) -> None:
    """BG-20 and BG-21 (with VAT) or BG-27 and BG-28 (without), allowances first."""
    for is_charge, item in allowances_and_charges(holder):
        render_allowance_charge(
            w,
            parent,
            is_charge=is_charge,
            amount=item.amount,
            base_amount=item.base_amount,
            percentage=item.percentage,
            reason=item.reason,
            reason_code=item.reason_code,
            vat=(item.vat_category, item.vat_rate) if isinstance(item, AllowanceCharge) else None,
        )


def parse_allowances(
    r: Reader, node: etree._Element | None, *, with_vat: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The allowances and the charges below ``node``."""
    found = []
    for element in r.all(node, ALLOWANCE_CHARGE):
        item: dict[str, Any] = r.fields(element, _REASONS + _AMOUNTS)
        if with_vat:
            category = parse_tax_category(r, element, TAX_CATEGORY)
            item.update(vat_category=category["category"], vat_rate=category["rate"])
        found.append((r.text(element, CHARGE_INDICATOR) == "true", drop_empty(item)))
    return by_kind(found)
