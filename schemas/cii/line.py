"""BG-25 INVOICE LINE in CII D16B with BG-26..BG-32 (period, allowances, price, VAT, item), both ways.

CII states the gross price (BT-148) whenever there is a price discount (BT-147):
without one in the model it writes the net price plus the discount.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from schemas import groups
from schemas.cii.allowance import parse_allowances, render_allowances
from schemas.cii.names import (
    ACCOUNTING,
    ACTUAL_AMOUNT,
    ADDITIONAL_DOCUMENT,
    BUYER_ORDER,
    CATEGORY_CODE,
    CHARGE_AMOUNT,
    DESCRIPTION,
    GLOBAL_ID,
    ID,
    INVOICED_OBJECT_CODE,
    LINE_ID,
    NAME,
    NOTE,
    NOTE_CONTENT,
    RATE,
    SCHEME_ID,
    TRADE_TAX,
    TYPE_CODE,
    VAT,
)
from schemas.cii.period import parse_period, render_period
from schemas.cii.reference import parse_object_reference, render_object_reference
from schemas.cii.value import CiiWriter, parse_indicator
from schemas.groups import table
from schemas.model import InvoiceLine
from schemas.parsed import Reader, drop_empty

LINE = "ram:IncludedSupplyChainTradeLineItem"
DOCUMENT = "ram:AssociatedDocumentLineDocument"
PRODUCT = "ram:SpecifiedTradeProduct"
SELLER_ITEM = "ram:SellerAssignedID"
BUYER_ITEM = "ram:BuyerAssignedID"
CHARACTERISTIC = "ram:ApplicableProductCharacteristic"
CHARACTERISTIC_VALUE = "ram:Value"
CLASSIFICATION = "ram:DesignatedProductClassification/ram:ClassCode"
ORIGIN = "ram:OriginTradeCountry/" + ID
AGREEMENT = "ram:SpecifiedLineTradeAgreement"
ORDER_LINE = f"{BUYER_ORDER}/{LINE_ID}"
GROSS_PRICE = "ram:GrossPriceProductTradePrice"
NET_PRICE = "ram:NetPriceProductTradePrice"
BASIS_QUANTITY = "ram:BasisQuantity"
PRICE_DISCOUNT = "ram:AppliedTradeAllowanceCharge"
DELIVERY = "ram:SpecifiedLineTradeDelivery"
QUANTITY = "ram:BilledQuantity"
UNIT_CODE = "unitCode"
SETTLEMENT = "ram:SpecifiedLineTradeSettlement"
NET_AMOUNT = "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
_LINE = table(
    groups.LINE,
    f"{DOCUMENT}/{LINE_ID}",
    f"{DOCUMENT}/{NOTE}/{NOTE_CONTENT}",
    f"{SETTLEMENT}/{NET_AMOUNT}",
    f"{AGREEMENT}/{ORDER_LINE}",
    f"{SETTLEMENT}/{ACCOUNTING}",
)
_ITEM = table(groups.ITEM, NAME, DESCRIPTION, SELLER_ITEM, BUYER_ITEM, ORIGIN)
_ATTRIBUTE = table(groups.ATTRIBUTE, DESCRIPTION, CHARACTERISTIC_VALUE)


def render_line(w: CiiWriter, parent: etree._Element, line: InvoiceLine) -> None:
    """One invoice line in XSD order."""
    item = w.child(parent, LINE)
    document = w.child(item, DOCUMENT)
    w.required(document, LINE_ID, line.id)
    w.value(document, f"{NOTE}/{NOTE_CONTENT}", line.note)
    product = w.child(item, PRODUCT)
    if line.standard_item_id is not None:
        identifier = line.standard_item_id
        w.value(product, GLOBAL_ID, identifier.value, **{SCHEME_ID: identifier.scheme})
    w.value(product, SELLER_ITEM, line.seller_item_id)
    w.value(product, BUYER_ITEM, line.buyer_item_id)
    w.required(product, NAME, line.name)
    w.value(product, DESCRIPTION, line.description)
    for attribute in line.attributes:
        characteristic = w.child(product, CHARACTERISTIC)
        w.required(characteristic, DESCRIPTION, attribute.name)
        w.required(characteristic, CHARACTERISTIC_VALUE, attribute.value)
    for classification in line.classifications:
        w.classification(product, CLASSIFICATION, classification)
    w.value(product, ORIGIN, line.origin_country)
    agreement = w.child(item, AGREEMENT)
    w.value(agreement, ORDER_LINE, line.order_line_reference)
    if line.gross_price is not None or line.price_discount is not None:
        gross = w.child(agreement, GROSS_PRICE)
        gross_price = line.gross_price
        if gross_price is None:
            gross_price = line.unit_price + (line.price_discount or 0)
        w.required(gross, CHARGE_AMOUNT, gross_price)
        w.value(gross, BASIS_QUANTITY, line.base_quantity, **{UNIT_CODE: line.base_quantity_unit})
        if line.price_discount is not None:
            discount = w.child(gross, PRICE_DISCOUNT)
            w.indicator(discount, False)
            w.required(discount, ACTUAL_AMOUNT, line.price_discount)
    net = w.child(agreement, NET_PRICE)
    w.required(net, CHARGE_AMOUNT, line.unit_price)
    w.value(net, BASIS_QUANTITY, line.base_quantity, **{UNIT_CODE: line.base_quantity_unit})
    delivery = w.child(item, DELIVERY)
    w.required(delivery, QUANTITY, line.quantity, **{UNIT_CODE: line.unit})
    settlement = w.child(item, SETTLEMENT)
    tax = w.child(settlement, TRADE_TAX)
    w.required(tax, TYPE_CODE, VAT)
    w.required(tax, CATEGORY_CODE, line.vat_category)
    w.value(tax, RATE, line.vat_rate)
    render_period(w, settlement, line.period)
    render_allowances(w, settlement, line)
    w.required(settlement, NET_AMOUNT, line.net_amount)
    render_object_reference(w, settlement, line.object_id)
    w.value(settlement, ACCOUNTING, line.accounting_reference)


def parse_line(r: Reader, item: etree._Element) -> dict[str, Any]:
    """One invoice line, by model field."""
    product = r.one(item, PRODUCT)
    agreement = r.one(item, AGREEMENT)
    settlement = r.one(item, SETTLEMENT)
    tax = r.one(settlement, TRADE_TAX)
    r.text(tax, TYPE_CODE)
    net = r.one(agreement, NET_PRICE)
    gross = r.one(agreement, GROSS_PRICE)
    r.one(gross, BASIS_QUANTITY)  # the same base quantity as the net price's
    discount = r.one(gross, PRICE_DISCOUNT)
    if discount is not None:
        parse_indicator(r, discount)  # always false: a price discount
    quantity, unit = r.measure(r.one(item, f"{DELIVERY}/{QUANTITY}"), UNIT_CODE)
    base_quantity, base_unit = r.measure(r.one(net, BASIS_QUANTITY))
    allowances, charges = parse_allowances(r, settlement, with_vat=False)
    object_id = None
    for reference in r.all(settlement, ADDITIONAL_DOCUMENT):
        # BT-128 is the line's referenced document of type 130; some instances omit the code.
        if r.text(reference, TYPE_CODE) in (INVOICED_OBJECT_CODE, None):
            object_id = parse_object_reference(r, reference) or None
    return drop_empty(
        {
            **r.fields(item, _LINE),
            **r.fields(product, _ITEM),
            "vat_category": r.text(tax, CATEGORY_CODE),
            "vat_rate": r.text(tax, RATE),
            "period": parse_period(r, settlement),
            "allowances": allowances,
            "charges": charges,
            "object_id": object_id,
            "quantity": quantity,
            "unit": unit,
            "unit_price": r.text(net, CHARGE_AMOUNT),
            "gross_price": r.text(gross, CHARGE_AMOUNT),
            "price_discount": r.text(discount, ACTUAL_AMOUNT),
            "base_quantity": base_quantity,
            "base_quantity_unit": base_unit,
            "standard_item_id": r.identifier(product, GLOBAL_ID),
            "attributes": r.each(product, CHARACTERISTIC, _ATTRIBUTE),
            "classifications": r.classifications(product, CLASSIFICATION),
        }
    )
