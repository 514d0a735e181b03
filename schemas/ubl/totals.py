"""BG-22 DOCUMENT TOTALS and BG-23 VAT BREAKDOWN in UBL 2.1, both ways, and the VAT category they share.

A VAT category (``cac:TaxCategory``, ``cac:ClassifiedTaxCategory``) is the same
structure for a breakdown (BT-118..BT-121), a document allowance or charge
(BT-95/96, BT-102/103) and a line (BT-151/152).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree

from schemas.errors import Problem, RenderError
from schemas.model import Invoice
from schemas.parsed import Reader, drop_empty
from schemas.ubl.names import ID, LINE_EXTENSION_AMOUNT, NAMESPACES, PERCENT, TAX_SCHEME_ID, VAT
from schemas.ubl.writer import UblWriter

TAX_CATEGORY = "cac:TaxCategory"
EXEMPTION_REASON_CODE = "cbc:TaxExemptionReasonCode"
EXEMPTION_REASON = "cbc:TaxExemptionReason"
TAX_TOTAL = "cac:TaxTotal"
TAX_AMOUNT = "cbc:TaxAmount"
SUBTOTAL = "cac:TaxSubtotal"
TAXABLE_AMOUNT = "cbc:TaxableAmount"
MONETARY_TOTAL = "cac:LegalMonetaryTotal"

# BG-22 in XSD order: (model field, element).
_TOTALS = (
    ("line_net_total", LINE_EXTENSION_AMOUNT),
    ("total_without_vat", "cbc:TaxExclusiveAmount"),
    ("total_with_vat", "cbc:TaxInclusiveAmount"),
    ("allowance_total", "cbc:AllowanceTotalAmount"),
    ("charge_total", "cbc:ChargeTotalAmount"),
    ("paid_amount", "cbc:PrepaidAmount"),
    ("rounding_amount", "cbc:PayableRoundingAmount"),
    ("amount_due", "cbc:PayableAmount"),
)


def render_tax_category(
    w: UblWriter,
    parent: etree._Element,
    name: str,
    category: str,
    rate: Decimal | None,
    *,
    exemption_code: str | None = None,
    exemption_reason: str | None = None,
) -> None:
    """A VAT category as ``name``, with its rate and exemption reason."""
    element = w.child(parent, name)
    w.value(element, ID, category)
    w.value(element, PERCENT, rate)
    w.value(element, EXEMPTION_REASON_CODE, exemption_code)
    w.value(element, EXEMPTION_REASON, exemption_reason)
    w.value(element, TAX_SCHEME_ID, VAT)


def parse_tax_category(
    r: Reader, parent: etree._Element | None, name: str, *, exemption: bool = False
) -> dict[str, Any]:
    """A VAT category as ``category`` and ``rate``; with ``exemption``, also BT-120 and BT-121.

    Only a breakdown has exemption reasons: elsewhere they stay unread and are reported.
    """
    category = r.one(parent, name)
    r.text(category, TAX_SCHEME_ID)
    found = {"category": r.text(category, ID), "rate": r.text(category, PERCENT)}
    if exemption:
        found["exemption_reason"] = r.text(category, EXEMPTION_REASON)
        found["exemption_reason_code"] = r.text(category, EXEMPTION_REASON_CODE)
    return found


def render_totals(w: UblWriter, root: etree._Element, invoice: Invoice) -> None:
    """BG-23 with BT-110 (and BT-111 in its own TaxTotal), then BG-22."""
    totals = invoice.totals
    tax_total = w.child(root, TAX_TOTAL)
    vat_total = totals.vat_total
    if vat_total is None:
        vat_total = sum((b.vat_amount for b in invoice.vat_breakdown), Decimal("0.00"))
    w.amount(tax_total, TAX_AMOUNT, vat_total)
    for breakdown in invoice.vat_breakdown:
        subtotal = w.child(tax_total, SUBTOTAL)
        w.amount(subtotal, TAXABLE_AMOUNT, breakdown.taxable_amount)
        w.amount(subtotal, TAX_AMOUNT, breakdown.vat_amount)
        render_tax_category(
            w,
            subtotal,
            TAX_CATEGORY,
            breakdown.category,
            breakdown.rate,
            exemption_code=breakdown.exemption_reason_code,
            exemption_reason=breakdown.exemption_reason,
        )
    if totals.vat_total_accounting_currency is not None:
        if invoice.tax_currency is None:
            raise RenderError(
                "BT-111 needs the VAT accounting currency",
                problems=[
                    Problem(
                        field="tax_currency", message="BT-6 is required with BT-111", rule="BR-53"
                    )
                ],
            )
        accounting = w.child(root, TAX_TOTAL)
        w.amount(accounting, TAX_AMOUNT, totals.vat_total_accounting_currency, invoice.tax_currency)
    monetary = w.child(root, MONETARY_TOTAL)
    for field, name in _TOTALS:
        w.amount(monetary, name, getattr(totals, field))


def parse_totals(
    r: Reader, root: etree._Element, currency: str | None, tax_currency: str | None
) -> dict[str, Any]:
    """``totals`` (BG-22 with BT-110 and BT-111) and ``vat_breakdown`` (BG-23)."""
    vat_total = vat_total_accounting = None
    breakdown = []
    for tax_total in r.all(root, TAX_TOTAL):
        amount = r.one(tax_total, TAX_AMOUNT)
        value = r.value(amount)
        # BT-111 is the TaxTotal in the VAT accounting currency without a breakdown
        # (the two currencies may be the same).
        has_breakdown = bool(tax_total.xpath(SUBTOTAL, namespaces=NAMESPACES))
        if (
            amount is not None
            and tax_currency
            and amount.get("currencyID") == tax_currency
            and (tax_currency != currency or not has_breakdown)
        ):
            vat_total_accounting = value
            continue
        vat_total = value
        for subtotal in r.all(tax_total, SUBTOTAL):
            entry = {
                "taxable_amount": r.text(subtotal, TAXABLE_AMOUNT),
                "vat_amount": r.text(subtotal, TAX_AMOUNT),
                **parse_tax_category(r, subtotal, TAX_CATEGORY, exemption=True),
            }
            breakdown.append(drop_empty(entry))
    monetary = r.one(root, MONETARY_TOTAL)
    totals = {field: r.text(monetary, name) for field, name in _TOTALS}
    totals.update(vat_total=vat_total, vat_total_accounting_currency=vat_total_accounting)
    return {"totals": drop_empty(totals), "vat_breakdown": breakdown}
