"""BG-22 DOCUMENT TOTALS and BG-23 VAT BREAKDOWN (with BT-7 and BT-8) in CII D16B, both ways.

BT-7 and BT-8 are document-level terms that CII carries in the first
``ram:ApplicableTradeTax`` of the breakdown (CII-SR-461: once).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from schemas.cii.names import (
    BASIS_AMOUNT,
    CATEGORY_CODE,
    DATE_STRING,
    RATE,
    TAX_POINT_CODES_FROM_CII,
    TAX_POINT_CODES_TO_CII,
    TRADE_TAX,
    TYPE_CODE,
    VAT,
)
from schemas.cii.value import CiiWriter, parse_date
from schemas.model import Invoice
from schemas.parsed import Reader, drop_empty

CALCULATED_AMOUNT = "ram:CalculatedAmount"
EXEMPTION_REASON = "ram:ExemptionReason"
EXEMPTION_REASON_CODE = "ram:ExemptionReasonCode"
TAX_POINT_DATE = "ram:TaxPointDate"
TAX_POINT_CODE = "ram:DueDateTypeCode"
SUMMATION = "ram:SpecifiedTradeSettlementHeaderMonetarySummation"
VAT_TOTAL = "ram:TaxTotalAmount"
CURRENCY_ATTRIBUTE = "currencyID"

# BG-22 in XSD order around the VAT totals: (model field, element, required).
_BEFORE_VAT = (
    ("line_net_total", "ram:LineTotalAmount", True),
    ("charge_total", "ram:ChargeTotalAmount", False),
    ("allowance_total", "ram:AllowanceTotalAmount", False),
    ("total_without_vat", "ram:TaxBasisTotalAmount", True),
)
_AFTER_VAT = (
    ("rounding_amount", "ram:RoundingAmount", False),
    ("total_with_vat", "ram:GrandTotalAmount", True),
    ("paid_amount", "ram:TotalPrepaidAmount", False),
    ("amount_due", "ram:DuePayableAmount", True),
)


def render_breakdown(w: CiiWriter, settlement: etree._Element, invoice: Invoice) -> None:
    """BG-23, with BT-7 and BT-8 on the first entry."""
    for position, breakdown in enumerate(invoice.vat_breakdown):
        first = position == 0
        tax = w.child(settlement, TRADE_TAX)
        w.required(tax, CALCULATED_AMOUNT, breakdown.vat_amount)
        w.required(tax, TYPE_CODE, VAT)
        w.value(tax, EXEMPTION_REASON, breakdown.exemption_reason)
        w.required(tax, BASIS_AMOUNT, breakdown.taxable_amount)
        w.required(tax, CATEGORY_CODE, breakdown.category)
        w.value(tax, EXEMPTION_REASON_CODE, breakdown.exemption_reason_code)
        if first:
            w.date(tax, TAX_POINT_DATE, invoice.tax_point_date, kind=DATE_STRING)
            code = invoice.tax_point_date_code
            w.value(tax, TAX_POINT_CODE, TAX_POINT_CODES_TO_CII.get(code or "", code))
        w.value(tax, RATE, breakdown.rate)


def parse_breakdown(r: Reader, settlement: etree._Element | None) -> dict[str, Any]:
    """``vat_breakdown`` (BG-23), ``tax_point_date`` (BT-7) and ``tax_point_date_code`` (BT-8)."""
    breakdown = []
    tax_point_date = None
    tax_point_code = None
    for tax in r.all(settlement, TRADE_TAX):
        r.text(tax, TYPE_CODE)
        tax_point_date = tax_point_date or parse_date(r, tax, TAX_POINT_DATE)
        code = r.text(tax, TAX_POINT_CODE)
        tax_point_code = tax_point_code or (
            TAX_POINT_CODES_FROM_CII.get(code, code) if code else None
        )
        entry = {
            "taxable_amount": r.text(tax, BASIS_AMOUNT),
            "vat_amount": r.text(tax, CALCULATED_AMOUNT),
            "category": r.text(tax, CATEGORY_CODE),
            "rate": r.text(tax, RATE),
            "exemption_reason": r.text(tax, EXEMPTION_REASON),
            "exemption_reason_code": r.text(tax, EXEMPTION_REASON_CODE),
        }
        breakdown.append(drop_empty(entry))
    return {
        "vat_breakdown": breakdown,
        "tax_point_date": tax_point_date,
        "tax_point_date_code": tax_point_code,
    }


def render_totals(w: CiiWriter, settlement: etree._Element, invoice: Invoice) -> None:
    """BG-22 with BT-110 in the invoice currency and BT-111 in the VAT accounting currency."""
    totals = invoice.totals
    summation = w.child(settlement, SUMMATION)
    for field, name, required in _BEFORE_VAT:
        (w.required if required else w.value)(summation, name, getattr(totals, field))
    if totals.vat_total is not None:
        w.value(summation, VAT_TOTAL, totals.vat_total, **{CURRENCY_ATTRIBUTE: invoice.currency})
    if totals.vat_total_accounting_currency is not None and invoice.tax_currency:
        w.value(
            summation,
            VAT_TOTAL,
            totals.vat_total_accounting_currency,
            **{CURRENCY_ATTRIBUTE: invoice.tax_currency},
        )
    for field, name, required in _AFTER_VAT:
        (w.required if required else w.value)(summation, name, getattr(totals, field))


def parse_totals(
    r: Reader, settlement: etree._Element | None, currency: str | None, tax_currency: str | None
) -> dict[str, Any]:
    """BG-22 with BT-110 and BT-111, by model field."""
    summation = r.one(settlement, SUMMATION)
    vat_total = vat_total_accounting = None
    for amount in r.all(summation, VAT_TOTAL):
        value = r.value(amount)
        # BT-110 is in the invoice currency, BT-111 in the VAT accounting currency; when
        # both currencies are the same, the second amount is BT-111.
        in_tax_currency = (
            tax_currency is not None and amount.get(CURRENCY_ATTRIBUTE) == tax_currency
        )
        if in_tax_currency and (tax_currency != currency or vat_total is not None):
            vat_total_accounting = value
        else:
            vat_total = value
    totals = {field: r.text(summation, name) for field, name, _ in _BEFORE_VAT + _AFTER_VAT}
    totals.update(vat_total=vat_total, vat_total_accounting_currency=vat_total_accounting)
    return drop_empty(totals)
