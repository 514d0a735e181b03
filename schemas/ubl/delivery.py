"""BG-13 DELIVERY INFORMATION and BT-72 actual delivery date in UBL 2.1 (``cac:Delivery``), both ways."""

from __future__ import annotations

from typing import Any

from lxml import etree

from schemas.model import Invoice
from schemas.parsed import Reader, drop_empty
from schemas.ubl.names import ID, NAME
from schemas.ubl.party import parse_address, render_address
from schemas.ubl.writer import UblWriter

DELIVERY = "cac:Delivery"
DELIVERY_DATE = "cbc:ActualDeliveryDate"
LOCATION = "cac:DeliveryLocation"
LOCATION_ADDRESS = "cac:Address"
PARTY_NAME = "cac:DeliveryParty/cac:PartyName/" + NAME


def render_delivery(w: UblWriter, root: etree._Element, invoice: Invoice) -> None:
    """BG-13 with BT-72, when either is present."""
    delivery = invoice.delivery
    if delivery is None and invoice.delivery_date is None:
        return
    element = w.child(root, DELIVERY)
    w.value(element, DELIVERY_DATE, invoice.delivery_date)
    if delivery is None:
        return
    if delivery.location_id or delivery.address:
        location = w.child(element, LOCATION)
        if delivery.location_id is not None:
            identifier = delivery.location_id
            w.value(location, ID, identifier.value, schemeID=identifier.scheme)
        if delivery.address:
            render_address(w, location, LOCATION_ADDRESS, delivery.address)
    w.value(element, PARTY_NAME, delivery.party_name)


def parse_delivery(r: Reader, root: etree._Element) -> dict[str, Any]:
    """``delivery`` (BG-13) and ``delivery_date`` (BT-72), when present."""
    node = r.one(root, DELIVERY)
    if node is None:
        return {}
    location = r.one(node, LOCATION)
    delivery = drop_empty(
        {
            "party_name": r.text(node, PARTY_NAME),
            "location_id": r.identifier(location, ID),
            "address": parse_address(r, r.one(location, LOCATION_ADDRESS)),
        }
    )
    return {"delivery": delivery or None, "delivery_date": r.text(node, DELIVERY_DATE)}
