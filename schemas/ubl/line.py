"""BG-25 INVOICE LINE in UBL 2.1 with BG-26..BG-32 (period, allowances, price, VAT, item), both ways.

A CreditNote line is ``cac:CreditNoteLine`` with ``cbc:CreditedQuantity``; the
rest is the same.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree

from schemas import groups
from schemas.groups import table
from schemas.model import InvoiceLine
from schemas.parsed import Reader, drop_empty
from schemas.ubl.allowance import parse_allowances, render_allowance_charge, render_allowances
from schemas.ubl.names import (
    ACCOUNTING_COST,
    ALLOWANCE_CHARGE,
    AMOUNT,
    BASE_AMOUNT,
    CHARGE_INDICATOR,
    DOCUMENT_TYPE_CODE,
    ID,
    INVOICED_OBJECT_CODE,
    LINE_EXTENSION_AMOUNT,
    NAME,
    NOTE,
)
from schemas.ubl.period import parse_period, render_period
from schemas.ubl.totals import parse_tax_category, render_tax_category
from schemas.ubl.writer import UblWriter

INVOICE_LINE = "cac:InvoiceLine"
CREDIT_NOTE_LINE = "cac:CreditNoteLine"
INVOICED_QUANTITY = "cbc:InvoicedQuantity"
CREDITED_QUANTITY = "cbc:CreditedQuantity"
UNIT_CODE = "unitCode"
ORDER_LINE = "cac:OrderLineReference/cbc:LineID"
OBJECT = "cac:DocumentReference"
ITEM = "cac:Item"
DESCRIPTION = "cbc:Description"
BUYER_ITEM = "cac:BuyersItemIdentification/" + ID
SELLER_ITEM = "cac:SellersItemIdentification/" + ID
STANDARD_ITEM = "cac:StandardItemIdentification/" + ID
ORIGIN = "cac:OriginCountry/cbc:IdentificationCode"
CLASSIFICATION = "cac:CommodityClassification/cbc:ItemClassificationCode"
CATEGORY = "cac:ClassifiedTaxCategory"
ATTRIBUTE = "cac:AdditionalItemProperty"
ATTRIBUTE_VALUE = "cbc:Value"
PRICE = "cac:Price"
PRICE_AMOUNT = "cbc:PriceAmount"
BASE_QUANTITY = "cbc:BaseQuantity"
_LINE = table(groups.LINE, ID, NOTE, LINE_EXTENSION_AMOUNT, ORDER_LINE, ACCOUNTING_COST)
_ITEM = table(groups.ITEM, NAME, DESCRIPTION, SELLER_ITEM, BUYER_ITEM, ORIGIN)
_ATTRIBUTE = table(groups.ATTRIBUTE, NAME, ATTRIBUTE_VALUE)


def render_line(w: UblWriter, root: etree._Element, line: InvoiceLine, credit_note: bool) -> None:
    """One invoice line in XSD order."""
    element = w.child(root, CREDIT_NOTE_LINE if credit_note else INVOICE_LINE)
    w.value(element, ID, line.id)
    w.value(element, NOTE, line.note)
    quantity = CREDITED_QUANTITY if credit_note else INVOICED_QUANTITY
    w.value(element, quantity, line.quantity, **{UNIT_CODE: line.unit})
    w.amount(element, LINE_EXTENSION_AMOUNT, line.net_amount)
    w.value(element, ACCOUNTING_COST, line.accounting_reference)
    if line.period is not None:
        render_period(w, element, line.period)
    w.value(element, ORDER_LINE, line.order_line_reference)
    if line.object_id:
        reference = w.child(element, OBJECT)
        w.value(reference, ID, line.object_id.value, schemeID=line.object_id.scheme)
        w.value(reference, DOCUMENT_TYPE_CODE, INVOICED_OBJECT_CODE)
    render_allowances(w, element, line)
    item = w.child(element, ITEM)
    w.value(item, DESCRIPTION, line.description)
    w.value(item, NAME, line.name)
    w.value(item, BUYER_ITEM, line.buyer_item_id)
    w.value(item, SELLER_ITEM, line.seller_item_id)
    if line.standard_item_id:
        identifier = line.standard_item_id
        w.value(item, STANDARD_ITEM, identifier.value, schemeID=identifier.scheme)
    w.value(item, ORIGIN, line.origin_country)
    for classification in line.classifications:
        w.classification(item, CLASSIFICATION, classification)
    render_tax_category(w, item, CATEGORY, line.vat_category, line.vat_rate)
    for attribute in line.attributes:
        prop = w.child(item, ATTRIBUTE)
        w.value(prop, NAME, attribute.name)
        w.value(prop, ATTRIBUTE_VALUE, attribute.value)
    price = w.child(element, PRICE)
    w.amount(price, PRICE_AMOUNT, line.unit_price)
    w.value(price, BASE_QUANTITY, line.base_quantity, **{UNIT_CODE: line.base_quantity_unit})
    if line.price_discount is not None or line.gross_price is not None:
        discount = line.price_discount if line.price_discount is not None else Decimal("0")
        render_allowance_charge(
            w, price, is_charge=False, amount=discount, base_amount=line.gross_price
        )


def parse_line(r: Reader, line: etree._Element, credit_note: bool) -> dict[str, Any]:
    """One invoice line, by model field."""
    item = r.one(line, ITEM)
    price = r.one(line, PRICE)
    quantity, unit = r.measure(r.one(line, CREDITED_QUANTITY if credit_note else INVOICED_QUANTITY))
    base_quantity, base_unit = r.measure(r.one(price, BASE_QUANTITY), UNIT_CODE)
    category = parse_tax_category(r, item, CATEGORY)
    allowances, charges = parse_allowances(r, line, with_vat=False)
    object_id = None
    for reference in r.all(line, OBJECT):
        # BT-128 is the line's document reference of type 130; older instances omit the code.
        if r.text(reference, DOCUMENT_TYPE_CODE) in (INVOICED_OBJECT_CODE, None):
            object_id = r.identifier(reference, ID)
    discount = r.one(price, ALLOWANCE_CHARGE)
    r.text(discount, CHARGE_INDICATOR)  # always false: a price discount
    found = {
        **r.fields(line, _LINE),
        **r.fields(item, _ITEM),
        "object_id": object_id,
        "quantity": quantity,
        "unit": unit,
        "period": parse_period(r, line),
        "allowances": allowances,
        "charges": charges,
        "unit_price": r.text(price, PRICE_AMOUNT),
        "price_discount": r.text(discount, AMOUNT),
        "gross_price": r.text(discount, BASE_AMOUNT),
        "base_quantity": base_quantity,
        "base_quantity_unit": base_unit,
        "vat_category": category["category"],
        "vat_rate": category["rate"],
        "standard_item_id": r.identifier(item, STANDARD_ITEM),
        "classifications": r.classifications(item, CLASSIFICATION),
        "attributes": r.each(item, ATTRIBUTE, _ATTRIBUTE),
    }
    return drop_empty(found)
