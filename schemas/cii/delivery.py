"""BG-13 DELIVERY INFORMATION, BT-72, BT-15 and BT-16 in CII (``ram:ApplicableHeaderTradeDelivery``), both ways."""

from __future__ import annotations

from typing import Any

from lxml import etree

from schemas.cii.names import ISSUER_ID, NAME
from schemas.cii.party import parse_address, parse_identifier, render_address, render_identifier
from schemas.cii.value import CiiWriter, parse_date
from schemas.model import Invoice
from schemas.parsed import Reader, drop_empty

DELIVERY = "ram:ApplicableHeaderTradeDelivery"
SHIP_TO = "ram:ShipToTradeParty"
DELIVERY_DATE = "ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime"
DESPATCH = "ram:DespatchAdviceReferencedDocument/" + ISSUER_ID
RECEIVING = "ram:ReceivingAdviceReferencedDocument/" + ISSUER_ID


def render_delivery(w: CiiWriter, transaction: etree._Element, invoice: Invoice) -> None:
    """The header trade delivery (always present in CII, possibly empty)."""
    delivery = w.child(transaction, DELIVERY)
    target = invoice.delivery
    if target and (target.party_name or target.location_id or target.address):
        party = w.child(delivery, SHIP_TO)
        render_identifier(w, party, target.location_id)
        w.value(party, NAME, target.party_name)
        render_address(w, party, target.address)
    w.date(delivery, DELIVERY_DATE, invoice.delivery_date)
    w.value(delivery, DESPATCH, invoice.despatch_advice_reference)
    w.value(delivery, RECEIVING, invoice.receiving_advice_reference)


def parse_delivery(r: Reader, transaction: etree._Element | None) -> dict[str, Any]:
    """``delivery`` (BG-13), ``delivery_date`` (BT-72) and the advice references (BT-15, BT-16)."""
    delivery = r.one(transaction, DELIVERY)
    party = r.one(delivery, SHIP_TO)
    target = None
    if party is not None:
        found = {
            "party_name": r.text(party, NAME),
            "location_id": parse_identifier(r, party, "BT-71"),
            "address": parse_address(r, party),
        }
        target = drop_empty(found) or None
    return {
        "delivery": target,
        "delivery_date": parse_date(r, delivery, DELIVERY_DATE),
        "despatch_advice_reference": r.text(delivery, DESPATCH),
        "receiving_advice_reference": r.text(delivery, RECEIVING),
    }
