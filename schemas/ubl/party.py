"""The parties in UBL 2.1, both ways: BG-4 seller, BG-7 buyer, BG-10 payee, BG-11 tax representative.

With them their postal addresses (BG-5, BG-8, BG-12; BG-15 is written by the
delivery group with :func:`render_address`) and contacts (BG-6, BG-9).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from schemas import groups
from schemas.groups import table
from schemas.model import Address, Buyer, Identifier, Invoice, Seller
from schemas.parsed import Reader, drop_empty
from schemas.ubl.names import CREDITOR_ID_SCHEME, ID, NAME, TAX_SCHEME_ID, VAT
from schemas.ubl.writer import UblWriter

SELLER = "cac:AccountingSupplierParty"
BUYER = "cac:AccountingCustomerParty"
PARTY = "cac:Party"
PAYEE = "cac:PayeeParty"
TAX_REPRESENTATIVE = "cac:TaxRepresentativeParty"
ENDPOINT = "cbc:EndpointID"
IDENTIFICATION = "cac:PartyIdentification"
PARTY_NAME = "cac:PartyName"
POSTAL_ADDRESS = "cac:PostalAddress"
TAX_SCHEME = "cac:PartyTaxScheme"
COMPANY_ID = "cbc:CompanyID"
LEGAL_ENTITY = "cac:PartyLegalEntity"
REGISTRATION_NAME = "cbc:RegistrationName"
LEGAL_FORM = "cbc:CompanyLegalForm"
CONTACT = "cac:Contact"
TELEPHONE = "cbc:Telephone"
EMAIL = "cbc:ElectronicMail"
# The local tax number (BT-32) is a PartyTaxScheme whose scheme is not VAT.
TAX_NUMBER_SCHEME = "TAX"

STREET = "cbc:StreetName"
ADDITIONAL_STREET = "cbc:AdditionalStreetName"
CITY = "cbc:CityName"
POSTAL_ZONE = "cbc:PostalZone"
SUBDIVISION = "cbc:CountrySubentity"
THIRD_LINE = "cac:AddressLine/cbc:Line"
COUNTRY = "cac:Country/cbc:IdentificationCode"
_ADDRESS = table(groups.ADDRESS, CITY, POSTAL_ZONE, SUBDIVISION, COUNTRY)
_CONTACT = table(groups.CONTACT, NAME, TELEPHONE, EMAIL)


# --- addresses and contacts -------------------------------------------------


def render_address(w: UblWriter, parent: etree._Element, name: str, address: Address) -> None:
    """A postal address as ``name`` (``cac:PostalAddress``, or ``cac:Address`` for BG-15)."""
    element = w.child(parent, name)
    lines = list(address.lines)
    w.value(element, STREET, lines[0] if lines else None)
    w.value(element, ADDITIONAL_STREET, lines[1] if len(lines) > 1 else None)
    w.value(element, CITY, address.city)
    w.value(element, POSTAL_ZONE, address.postal_code)
    w.value(element, SUBDIVISION, address.subdivision)
    w.value(element, THIRD_LINE, lines[2] if len(lines) > 2 else None)
    w.value(element, COUNTRY, address.country)


def parse_address(r: Reader, node: etree._Element | None) -> dict[str, Any] | None:
    """A postal address, or None."""
    if node is None:
        return None
    lines = r.texts(node, (STREET, ADDITIONAL_STREET, THIRD_LINE))
    return drop_empty({"lines": lines, **r.fields(node, _ADDRESS)})


# --- identifiers and tax schemes ---------------------------------------------


def _render_identifier(w: UblWriter, party: etree._Element, identifier: Identifier | None) -> None:
    if identifier is not None:
        w.value(w.child(party, IDENTIFICATION), ID, identifier.value, schemeID=identifier.scheme)


def _identifications(
    r: Reader, party: etree._Element, single: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Party identifiers (BT-29, BT-46, BT-60) and a BT-90 creditor id among them.

    ``single`` names the business term when it holds one identifier: the first is
    kept, every further one is reported as unmapped.
    """
    identifiers: list[dict[str, Any]] = []
    holders: list[etree._Element] = []
    creditor_id = None
    for element in r.all(party, IDENTIFICATION):
        identifier = r.identifier(element, ID)
        if identifier is None:
            continue
        if identifier["scheme"] == CREDITOR_ID_SCHEME:
            creditor_id = identifier["value"]
        else:
            identifiers.append(identifier)
            holders.append(element)
    if single is not None and len(identifiers) > 1:
        r.first_kept(holders, single)
        identifiers = identifiers[:1]
    return identifiers, creditor_id


def _render_tax_scheme(
    w: UblWriter, parent: etree._Element, company_id: str | None, scheme: str = VAT
) -> None:
    if company_id:
        element = w.child(parent, TAX_SCHEME)
        w.value(element, COMPANY_ID, company_id)
        w.value(element, TAX_SCHEME_ID, scheme)


def _parse_tax_scheme(r: Reader, party: etree._Element, *, vat: bool) -> str | None:
    for scheme in r.all(party, TAX_SCHEME):
        if (r.text(scheme, TAX_SCHEME_ID) == VAT) == vat:
            return r.text(scheme, COMPANY_ID)
    return None


# --- seller and buyer (BG-4, BG-7) ---------------------------------------------


def render_parties(w: UblWriter, root: etree._Element, invoice: Invoice) -> None:
    """BG-4 seller, BG-7 buyer, BG-10 payee and BG-11 tax representative, in XSD order."""
    payment = invoice.payment
    creditor_id = payment.direct_debit.creditor_id if payment and payment.direct_debit else None
    _render_trade_party(w, root, SELLER, invoice.seller, None if invoice.payee else creditor_id)
    _render_trade_party(w, root, BUYER, invoice.buyer, None)
    if invoice.payee is not None:
        payee = invoice.payee
        party = w.child(root, PAYEE)
        _render_identifier(w, party, payee.identifier)
        if creditor_id:
            _render_identifier(w, party, Identifier(value=creditor_id, scheme=CREDITOR_ID_SCHEME))
        w.value(party, f"{PARTY_NAME}/{NAME}", payee.name)
        if payee.legal_id:
            legal = w.child(party, LEGAL_ENTITY)
            w.value(legal, COMPANY_ID, payee.legal_id.value, schemeID=payee.legal_id.scheme)
    if invoice.tax_representative is not None:
        representative = invoice.tax_representative
        party = w.child(root, TAX_REPRESENTATIVE)
        w.value(party, f"{PARTY_NAME}/{NAME}", representative.name)
        render_address(w, party, POSTAL_ADDRESS, representative.address)
        _render_tax_scheme(w, party, representative.vat_id)


def _render_trade_party(
    w: UblWriter, root: etree._Element, role: str, party: Seller | Buyer, creditor_id: str | None
) -> None:
    element = w.child(root, f"{role}/{PARTY}")
    if party.electronic_address is not None:
        address = party.electronic_address
        w.value(element, ENDPOINT, address.value, schemeID=address.scheme)
    for identifier in party.identifiers:
        _render_identifier(w, element, identifier)
    if creditor_id:
        _render_identifier(w, element, Identifier(value=creditor_id, scheme=CREDITOR_ID_SCHEME))
    w.value(element, f"{PARTY_NAME}/{NAME}", party.trading_name)
    render_address(w, element, POSTAL_ADDRESS, party.address)
    _render_tax_scheme(w, element, party.vat_id)
    seller = party if isinstance(party, Seller) else None
    if seller is not None:
        _render_tax_scheme(w, element, seller.tax_registration_id, TAX_NUMBER_SCHEME)
    legal = w.child(element, LEGAL_ENTITY)
    w.value(legal, REGISTRATION_NAME, party.name)
    if party.legal_id is not None:
        w.value(legal, COMPANY_ID, party.legal_id.value, schemeID=party.legal_id.scheme)
    if seller is not None:
        w.value(legal, LEGAL_FORM, seller.additional_legal_info)
    w.group(element, CONTACT, party.contact, _CONTACT)


def _parse_trade_party(
    r: Reader, root: etree._Element, role: str, *, seller: bool
) -> tuple[dict[str, Any], str | None]:
    """Reads BG-4 or BG-7; returns the party and a BT-90 creditor id found on it."""
    party = r.one(root, f"{role}/{PARTY}")
    if party is None:
        return {}, None
    identifiers, creditor_id = _identifications(r, party, None if seller else "BT-46")
    legal = r.one(party, LEGAL_ENTITY)
    data: dict[str, Any] = {
        "name": r.text(legal, REGISTRATION_NAME),
        "trading_name": r.text(party, f"{PARTY_NAME}/{NAME}"),
        "identifiers": identifiers,
        "legal_id": r.identifier(legal, COMPANY_ID),
        "vat_id": _parse_tax_scheme(r, party, vat=True),
        "electronic_address": r.identifier(party, ENDPOINT),
        "address": parse_address(r, r.one(party, POSTAL_ADDRESS)),
        "contact": r.group(party, CONTACT, _CONTACT),
    }
    if seller:
        data["tax_registration_id"] = _parse_tax_scheme(r, party, vat=False)
        data["additional_legal_info"] = r.text(legal, LEGAL_FORM)
    return drop_empty(data), creditor_id


def parse_parties(r: Reader, root: etree._Element) -> tuple[dict[str, Any], str | None]:
    """The parties of the document, and a BT-90 creditor id found on the payee or seller."""
    seller, seller_creditor = _parse_trade_party(r, root, SELLER, seller=True)
    buyer, _ = _parse_trade_party(r, root, BUYER, seller=False)
    data: dict[str, Any] = {"seller": seller, "buyer": buyer}
    payee_node = r.one(root, PAYEE)
    payee_creditor = None
    if payee_node is not None:
        identifiers, payee_creditor = _identifications(r, payee_node, "BT-60")
        data["payee"] = drop_empty(
            {
                "name": r.text(payee_node, f"{PARTY_NAME}/{NAME}"),
                "identifier": identifiers[0] if identifiers else None,
                "legal_id": r.identifier(payee_node, f"{LEGAL_ENTITY}/{COMPANY_ID}"),
            }
        )
    representative = r.one(root, TAX_REPRESENTATIVE)
    if representative is not None:
        data["tax_representative"] = drop_empty(
            {
                "name": r.text(representative, f"{PARTY_NAME}/{NAME}"),
                "vat_id": _parse_tax_scheme(r, representative, vat=True),
                "address": parse_address(r, r.one(representative, POSTAL_ADDRESS)),
            }
        )
    return data, payee_creditor or seller_creditor
