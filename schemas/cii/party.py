"""The parties in CII D16B (``ram:TradeParty``), both ways: BG-4 seller, BG-7 buyer, BG-10 payee, BG-11.

With them their postal addresses (BG-5, BG-8, BG-12, BG-15 of the ship-to
party) and contacts (BG-6, BG-9). A party identifier without a scheme is
``ram:ID``, with one ``ram:GlobalID``.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from schemas import groups
from schemas.cii.names import (
    DESCRIPTION,
    GLOBAL_ID,
    ID,
    NAME,
    POSTAL_ADDRESS,
    SCHEME_ID,
    TAX_NUMBER_SCHEME,
    VAT_SCHEME,
)
from schemas.cii.value import CiiWriter
from schemas.groups import table
from schemas.model import Address, Buyer, Identifier, Payee, Seller, TaxRepresentative
from schemas.parsed import Reader, drop_empty

SELLER = "ram:SellerTradeParty"
BUYER = "ram:BuyerTradeParty"
PAYEE = "ram:PayeeTradeParty"
TAX_REPRESENTATIVE = "ram:SellerTaxRepresentativeTradeParty"
LEGAL_ORGANIZATION = "ram:SpecifiedLegalOrganization"
TRADING_NAME = "ram:TradingBusinessName"
CONTACT = "ram:DefinedTradeContact"
PERSON = "ram:PersonName"
DEPARTMENT = "ram:DepartmentName"
PHONE = "ram:TelephoneUniversalCommunication/ram:CompleteNumber"
EMAIL = "ram:EmailURIUniversalCommunication/ram:URIID"
ELECTRONIC_ADDRESS = "ram:URIUniversalCommunication/ram:URIID"
TAX_REGISTRATION = "ram:SpecifiedTaxRegistration"

POSTCODE = "ram:PostcodeCode"
ADDRESS_LINES = ("ram:LineOne", "ram:LineTwo", "ram:LineThree")
CITY = "ram:CityName"
COUNTRY = "ram:CountryID"
SUBDIVISION = "ram:CountrySubDivisionName"
_ADDRESS = table(groups.ADDRESS, CITY, POSTCODE, SUBDIVISION, COUNTRY)
_CONTACT = table(groups.CONTACT, PERSON, PHONE, EMAIL)


# --- addresses, contacts, identifiers -------------------------------------------


def render_address(w: CiiWriter, parent: etree._Element, address: Address | None) -> None:
    """``ram:PostalTradeAddress`` in XSD order."""
    if address is None:
        return
    element = w.child(parent, POSTAL_ADDRESS)
    lines = list(address.lines)
    w.value(element, POSTCODE, address.postal_code)
    for index, name in enumerate(ADDRESS_LINES):
        w.value(element, name, lines[index] if len(lines) > index else None)
    w.value(element, CITY, address.city)
    w.required(element, COUNTRY, address.country)
    w.value(element, SUBDIVISION, address.subdivision)


def parse_address(r: Reader, party: etree._Element | None) -> dict[str, Any] | None:
    """The postal address of ``party``, or None."""
    node = r.one(party, POSTAL_ADDRESS)
    if node is None:
        return None
    lines = r.texts(node, ADDRESS_LINES)
    return drop_empty({"lines": lines, **r.fields(node, _ADDRESS)})


def _parse_contact(r: Reader, party: etree._Element) -> dict[str, Any] | None:
    found = r.group(party, CONTACT, _CONTACT) or {}
    if "name" not in found:
        # A department (no person) is the contact point too.
        found["name"] = r.text(r.one(party, CONTACT), DEPARTMENT)
    return drop_empty(found) or None


def render_identifier(w: CiiWriter, party: etree._Element, identifier: Identifier | None) -> None:
    """A party identifier: ``ram:ID`` without a scheme, ``ram:GlobalID`` with one."""
    if identifier is None:
        return
    if identifier.scheme:
        w.value(party, GLOBAL_ID, identifier.value, **{SCHEME_ID: identifier.scheme})
    else:
        w.value(party, ID, identifier.value)


def _parse_identifiers(r: Reader, party: etree._Element) -> list[dict[str, Any]]:
    found = [{"value": r.value(e), "scheme": None} for e in r.all(party, ID)]
    found += [{"value": r.value(e), "scheme": e.get(SCHEME_ID)} for e in r.all(party, GLOBAL_ID)]
    return [identifier for identifier in found if identifier["value"]]


def parse_identifier(r: Reader, party: etree._Element, term: str) -> dict[str, Any] | None:
    """A single-valued party identifier (BT-46, BT-60, BT-71) from ``ram:GlobalID`` or ``ram:ID``.

    A party may carry both (and several of each); the term holds one. The first
    ``ram:GlobalID`` is kept, as it names its scheme; every other one is reported
    as unmapped, never dropped and never a failure.
    """
    kept, _ = r.first_kept(r.all(party, GLOBAL_ID) + r.all(party, ID), term)
    if kept is None:
        return None
    scheme = kept.get(SCHEME_ID) if etree.QName(kept).localname == "GlobalID" else None
    return {"value": r.value(kept), "scheme": scheme}


def _render_tax_registration(
    w: CiiWriter, party: etree._Element, value: str | None, scheme: str
) -> None:
    if value:
        w.value(w.child(party, TAX_REGISTRATION), ID, value, **{SCHEME_ID: scheme})


def _parse_tax_registration(r: Reader, party: etree._Element, scheme: str) -> str | None:
    for registration in r.all(party, TAX_REGISTRATION):
        element = r.one(registration, ID)
        if element is not None and element.get(SCHEME_ID) == scheme:
            return r.value(element)
    return None


# --- the parties ---------------------------------------------------------------------


def render_trade_party(
    w: CiiWriter, parent: etree._Element, name: str, party: Seller | Buyer
) -> None:
    """BG-4 seller or BG-7 buyer as the ``ram:TradeParty`` called ``name``."""
    element = w.child(parent, name)
    # Identifiers without a scheme are ram:ID, with a scheme ram:GlobalID (BT-29/BT-46).
    for identifier in sorted(party.identifiers, key=lambda i: bool(i.scheme)):
        render_identifier(w, element, identifier)
    w.required(element, NAME, party.name)
    seller = party if isinstance(party, Seller) else None
    if seller is not None:
        w.value(element, DESCRIPTION, seller.additional_legal_info)
    if party.legal_id or party.trading_name:
        legal = w.child(element, LEGAL_ORGANIZATION)
        if party.legal_id is not None:
            w.value(legal, ID, party.legal_id.value, **{SCHEME_ID: party.legal_id.scheme})
        w.value(legal, TRADING_NAME, party.trading_name)
    w.group(element, CONTACT, party.contact, _CONTACT)
    render_address(w, element, party.address)
    if party.electronic_address:
        address = party.electronic_address
        w.value(element, ELECTRONIC_ADDRESS, address.value, **{SCHEME_ID: address.scheme})
    _render_tax_registration(w, element, party.vat_id, VAT_SCHEME)
    if seller is not None:
        _render_tax_registration(w, element, seller.tax_registration_id, TAX_NUMBER_SCHEME)


def parse_trade_party(r: Reader, parent: etree._Element | None, name: str) -> dict[str, Any]:
    """BG-4 seller (``ram:SellerTradeParty``) or BG-7 buyer, by model field."""
    party = r.one(parent, name)
    if party is None:
        return {}
    seller = name == SELLER
    legal = r.one(party, LEGAL_ORGANIZATION)
    identifiers = (
        _parse_identifiers(r, party)
        if seller
        else [i for i in [parse_identifier(r, party, "BT-46")] if i]
    )
    data: dict[str, Any] = {
        "name": r.text(party, NAME),
        "trading_name": r.text(legal, TRADING_NAME),
        "identifiers": identifiers,
        "legal_id": r.identifier(legal, ID),
        "vat_id": _parse_tax_registration(r, party, VAT_SCHEME),
        "electronic_address": r.identifier(party, ELECTRONIC_ADDRESS),
        "address": parse_address(r, party),
        "contact": _parse_contact(r, party),
    }
    if seller:
        data["tax_registration_id"] = _parse_tax_registration(r, party, TAX_NUMBER_SCHEME)
        data["additional_legal_info"] = r.text(party, DESCRIPTION)
    return drop_empty(data)


def render_tax_representative(
    w: CiiWriter, parent: etree._Element, representative: TaxRepresentative | None
) -> None:
    """BG-11 with its address (BG-12)."""
    if representative is None:
        return
    element = w.child(parent, TAX_REPRESENTATIVE)
    w.required(element, NAME, representative.name)
    render_address(w, element, representative.address)
    w.required(
        w.child(element, TAX_REGISTRATION), ID, representative.vat_id, **{SCHEME_ID: VAT_SCHEME}
    )


def parse_tax_representative(r: Reader, parent: etree._Element | None) -> dict[str, Any] | None:
    """BG-11, or None."""
    node = r.one(parent, TAX_REPRESENTATIVE)
    if node is None:
        return None
    return drop_empty(
        {
            "name": r.text(node, NAME),
            "vat_id": _parse_tax_registration(r, node, VAT_SCHEME),
            "address": parse_address(r, node),
        }
    )


def render_payee(w: CiiWriter, parent: etree._Element, payee: Payee | None) -> None:
    """BG-10."""
    if payee is None:
        return
    element = w.child(parent, PAYEE)
    render_identifier(w, element, payee.identifier)
    w.required(element, NAME, payee.name)
    if payee.legal_id:
        legal = w.child(element, LEGAL_ORGANIZATION)
        w.value(legal, ID, payee.legal_id.value, **{SCHEME_ID: payee.legal_id.scheme})


def parse_payee(r: Reader, parent: etree._Element | None) -> dict[str, Any] | None:
    """BG-10, or None."""
    node = r.one(parent, PAYEE)
    if node is None:
        return None
    legal = r.one(node, LEGAL_ORGANIZATION)
    return drop_empty(
        {
            "name": r.text(node, NAME),
            "identifier": parse_identifier(r, node, "BT-60"),
            "legal_id": r.identifier(legal, ID),
        }
    )
