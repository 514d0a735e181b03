"""Parse an OASIS UBL 2.1 Invoice or CreditNote into the EN 16931 model (the CEN UBL binding).

Every business term present is mapped; every element the binding does not know
(UBL extensions, UBL elements outside EN 16931) is reported by XPath in
:attr:`ParsedDocument.unmapped`, never silently dropped.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from lxml import etree
from pydantic import ValidationError

from schemas.errors import ParseError, Problem
from schemas.model import Invoice
from schemas.parsed import ParsedDocument, Reader, drop_empty, model_problems
from schemas.ubl.names import (
    CAC,
    CBC,
    CREDIT_NOTE_NS,
    CREDITOR_ID_SCHEME,
    EXT,
    INVOICE_NS,
    INVOICED_OBJECT_CODE,
    NOT_APPLICABLE,
    PROJECT_REFERENCE_CODE,
)
from schemas.xml_input import parse_xml

_NS = {"cac": CAC, "cbc": CBC, "ext": EXT}
_NOTE_SUBJECT = re.compile(r"^#([A-Z]{3})#(.*)$", re.S)


def _address(r: Reader, node: etree._Element | None) -> dict[str, Any] | None:
    if node is None:
        return None
    lines = [
        r.text(node, "cbc:StreetName"),
        r.text(node, "cbc:AdditionalStreetName"),
        r.text(node, "cac:AddressLine/cbc:Line"),
    ]
    r.all(node, "cac:AddressLine")
    r.all(node, "cac:Country")
    present = [line for line in lines if line]
    return drop_empty(
        {
            "lines": present,
            "city": r.text(node, "cbc:CityName"),
            "postal_code": r.text(node, "cbc:PostalZone"),
            "subdivision": r.text(node, "cbc:CountrySubentity"),
            "country": r.text(node, "cac:Country/cbc:IdentificationCode"),
        }
    )


def _contact(r: Reader, node: etree._Element | None) -> dict[str, Any] | None:
    contact = r.one(node, "cac:Contact")
    if contact is None:
        return None
    return (
        drop_empty(
            {
                "name": r.text(contact, "cbc:Name"),
                "phone": r.text(contact, "cbc:Telephone"),
                "email": r.text(contact, "cbc:ElectronicMail"),
            }
        )
        or None
    )


def _tax_scheme_company_id(r: Reader, party: etree._Element, vat: bool) -> str | None:
    for scheme in r.all(party, "cac:PartyTaxScheme"):
        scheme_id = r.text(scheme, "cac:TaxScheme/cbc:ID")
        r.all(scheme, "cac:TaxScheme")
        if (scheme_id == "VAT") == vat:
            return r.text(scheme, "cbc:CompanyID")
    return None


def _party(
    r: Reader, party: etree._Element | None, *, seller: bool
) -> tuple[dict[str, Any], str | None]:
    """Reads BG-4 or BG-7; returns the party and a BT-90 creditor id found on it."""
    if party is None:
        return {}, None
    identifiers = []
    creditor_id = None
    for element in r.all(party, "cac:PartyIdentification"):
        identifier = r.identifier(element, "cbc:ID")
        if identifier is None:
            continue
        if identifier["scheme"] == CREDITOR_ID_SCHEME:
            creditor_id = identifier["value"]
        else:
            identifiers.append(identifier)
    legal = r.one(party, "cac:PartyLegalEntity")
    data: dict[str, Any] = {
        "name": r.text(legal, "cbc:RegistrationName"),
        "trading_name": r.text(party, "cac:PartyName/cbc:Name"),
        "identifiers": identifiers,
        "legal_id": r.identifier(legal, "cbc:CompanyID"),
        "vat_id": _tax_scheme_company_id(r, party, vat=True),
        "electronic_address": r.identifier(party, "cbc:EndpointID"),
        "address": _address(r, r.one(party, "cac:PostalAddress")),
        "contact": _contact(r, party),
    }
    r.all(party, "cac:PartyName")
    if seller:
        data["tax_registration_id"] = _tax_scheme_company_id(r, party, vat=False)
        data["additional_legal_info"] = r.text(legal, "cbc:CompanyLegalForm")
    return drop_empty(data), creditor_id


def _allowance_charges(
    r: Reader, node: etree._Element, *, with_vat: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    allowances: list[dict[str, Any]] = []
    charges: list[dict[str, Any]] = []
    for element in r.all(node, "cac:AllowanceCharge"):
        item: dict[str, Any] = {
            "amount": r.text(element, "cbc:Amount"),
            "base_amount": r.text(element, "cbc:BaseAmount"),
            "percentage": r.text(element, "cbc:MultiplierFactorNumeric"),
            "reason": r.text(element, "cbc:AllowanceChargeReason"),
            "reason_code": r.text(element, "cbc:AllowanceChargeReasonCode"),
        }
        if with_vat:
            category = r.one(element, "cac:TaxCategory")
            item["vat_category"] = r.text(category, "cbc:ID")
            item["vat_rate"] = r.text(category, "cbc:Percent")
            r.all(element, "cac:TaxCategory/cac:TaxScheme/cbc:ID")
            r.all(element, "cac:TaxCategory/cac:TaxScheme")
        is_charge = r.text(element, "cbc:ChargeIndicator") == "true"
        (charges if is_charge else allowances).append(drop_empty(item))
    return allowances, charges


def _period(r: Reader, node: etree._Element | None) -> dict[str, Any] | None:
    if node is None:
        return None
    return (
        drop_empty({"start": r.text(node, "cbc:StartDate"), "end": r.text(node, "cbc:EndDate")})
        or None
    )


def _line(r: Reader, line: etree._Element, credit_note: bool) -> dict[str, Any]:
    quantity = r.one(line, "cbc:CreditedQuantity" if credit_note else "cbc:InvoicedQuantity")
    item = r.one(line, "cac:Item")
    price = r.one(line, "cac:Price")
    category = r.one(item, "cac:ClassifiedTaxCategory")
    r.all(item, "cac:ClassifiedTaxCategory/cac:TaxScheme/cbc:ID") if item is not None else None
    r.all(item, "cac:ClassifiedTaxCategory/cac:TaxScheme") if item is not None else None
    allowances, charges = _allowance_charges(r, line, with_vat=False)
    object_id = None
    for reference in r.all(line, "cac:DocumentReference"):
        # BT-128 is the line's document reference of type 130; older instances omit the code.
        if r.text(reference, "cbc:DocumentTypeCode") in (INVOICED_OBJECT_CODE, None):
            object_id = r.identifier(reference, "cbc:ID")
    price_discount = gross_price = None
    price_allowance = r.one(price, "cac:AllowanceCharge")
    if price_allowance is not None:
        r.text(price_allowance, "cbc:ChargeIndicator")
        price_discount = r.text(price_allowance, "cbc:Amount")
        gross_price = r.text(price_allowance, "cbc:BaseAmount")
    base_quantity = r.one(price, "cbc:BaseQuantity")
    classifications = [
        drop_empty(
            {
                "value": (e.text or "").strip(),
                "scheme": e.get("listID"),
                "version": e.get("listVersionID"),
            }
        )
        for e in (
            r.all(item, "cac:CommodityClassification/cbc:ItemClassificationCode")
            if item is not None
            else []
        )
    ]
    if item is not None:
        r.all(item, "cac:CommodityClassification")
    attributes = []
    for prop in r.all(item, "cac:AdditionalItemProperty") if item is not None else []:
        attributes.append({"name": r.text(prop, "cbc:Name"), "value": r.text(prop, "cbc:Value")})
    for path in (
        "cac:BuyersItemIdentification",
        "cac:SellersItemIdentification",
        "cac:StandardItemIdentification",
        "cac:OriginCountry",
    ):
        if item is not None:
            r.all(item, path)
    r.all(line, "cac:OrderLineReference")
    return drop_empty(
        {
            "id": r.text(line, "cbc:ID"),
            "note": r.text(line, "cbc:Note"),
            "object_id": object_id,
            "quantity": quantity.text.strip() if quantity is not None and quantity.text else None,
            "unit": quantity.get("unitCode") if quantity is not None else None,
            "net_amount": r.text(line, "cbc:LineExtensionAmount"),
            "order_line_reference": r.text(line, "cac:OrderLineReference/cbc:LineID"),
            "accounting_reference": r.text(line, "cbc:AccountingCost"),
            "period": _period(r, r.one(line, "cac:InvoicePeriod")),
            "allowances": allowances,
            "charges": charges,
            "unit_price": r.text(price, "cbc:PriceAmount"),
            "price_discount": price_discount,
            "gross_price": gross_price,
            "base_quantity": base_quantity.text.strip()
            if base_quantity is not None and base_quantity.text
            else None,
            "base_quantity_unit": base_quantity.get("unitCode")
            if base_quantity is not None
            else None,
            "vat_category": r.text(category, "cbc:ID"),
            "vat_rate": r.text(category, "cbc:Percent"),
            "name": r.text(item, "cbc:Name"),
            "description": r.text(item, "cbc:Description"),
            "seller_item_id": r.text(item, "cac:SellersItemIdentification/cbc:ID"),
            "buyer_item_id": r.text(item, "cac:BuyersItemIdentification/cbc:ID"),
            "standard_item_id": r.identifier(item, "cac:StandardItemIdentification/cbc:ID"),
            "classifications": classifications,
            "origin_country": r.text(item, "cac:OriginCountry/cbc:IdentificationCode"),
            "attributes": attributes,
        }
    )


def _payment(
    r: Reader, root: etree._Element, creditor_id: str | None
) -> tuple[dict[str, Any] | None, str | None]:
    """Reads BG-16..BG-19 and BT-20; returns the payment and a BT-9 found in PaymentMeans."""
    means_list = r.all(root, "cac:PaymentMeans")
    terms = r.text(root, "cac:PaymentTerms/cbc:Note")
    r.all(root, "cac:PaymentTerms")
    due_date = None
    data: dict[str, Any] = {"terms": terms, "accounts": []}
    for index, means in enumerate(means_list):
        code = r.one(means, "cbc:PaymentMeansCode")
        due = r.text(means, "cbc:PaymentDueDate")
        due_date = due_date or due
        remittance = r.text(means, "cbc:PaymentID")
        if index == 0:
            data["means_code"] = (code.text or "").strip() if code is not None else None
            data["means_text"] = code.get("name") if code is not None else None
            data["remittance_information"] = remittance
        for account in r.all(means, "cac:PayeeFinancialAccount"):
            r.all(account, "cac:FinancialInstitutionBranch")
            data["accounts"].append(
                drop_empty(
                    {
                        "account_id": r.text(account, "cbc:ID"),
                        "account_name": r.text(account, "cbc:Name"),
                        "service_provider_id": r.text(
                            account, "cac:FinancialInstitutionBranch/cbc:ID"
                        ),
                    }
                )
            )
        card = r.one(means, "cac:CardAccount")
        if card is not None and "card" not in data:
            r.text(card, "cbc:NetworkID")
            data["card"] = drop_empty(
                {
                    "account_number": r.text(card, "cbc:PrimaryAccountNumberID"),
                    "holder_name": r.text(card, "cbc:HolderName"),
                }
            )
        mandate = r.one(means, "cac:PaymentMandate")
        if mandate is not None and "direct_debit" not in data:
            r.all(mandate, "cac:PayerFinancialAccount")
            data["direct_debit"] = drop_empty(
                {
                    "mandate_reference": r.text(mandate, "cbc:ID"),
                    "debited_account_id": r.text(mandate, "cac:PayerFinancialAccount/cbc:ID"),
                }
            )
    if creditor_id:
        data.setdefault("direct_debit", {})["creditor_id"] = creditor_id
    payment = drop_empty(data)
    return (payment or None), due_date


def _reason(element: etree._Element) -> str:
    if element.tag == f"{{{EXT}}}UBLExtensions":
        return "UBL extension content is outside EN 16931"
    return f"{etree.QName(element).localname} is not part of the EN 16931 UBL binding"


def _header_references(r: Reader, root: etree._Element, credit_note: bool) -> dict[str, Any]:
    data: dict[str, Any] = {}
    order = r.one(root, "cac:OrderReference")
    if order is not None:
        order_id = r.text(order, "cbc:ID")
        data["purchase_order_reference"] = (
            None if order_id == NOT_APPLICABLE and r.text(order, "cbc:SalesOrderID") else order_id
        )
        data["sales_order_reference"] = r.text(order, "cbc:SalesOrderID")
    data["preceding_invoices"] = [
        drop_empty({"number": r.text(ref, "cbc:ID"), "issue_date": r.text(ref, "cbc:IssueDate")})
        for ref in r.all(root, "cac:BillingReference/cac:InvoiceDocumentReference")
    ]
    r.all(root, "cac:BillingReference")
    data["despatch_advice_reference"] = r.text(root, "cac:DespatchDocumentReference/cbc:ID")
    data["receiving_advice_reference"] = r.text(root, "cac:ReceiptDocumentReference/cbc:ID")
    data["tender_reference"] = r.text(root, "cac:OriginatorDocumentReference/cbc:ID")
    data["contract_reference"] = r.text(root, "cac:ContractDocumentReference/cbc:ID")
    data["project_reference"] = r.text(root, "cac:ProjectReference/cbc:ID")
    for path in (
        "cac:DespatchDocumentReference",
        "cac:ReceiptDocumentReference",
        "cac:OriginatorDocumentReference",
        "cac:ContractDocumentReference",
        "cac:ProjectReference",
    ):
        r.all(root, path)
    documents = []
    for reference in r.all(root, "cac:AdditionalDocumentReference"):
        code = r.text(reference, "cbc:DocumentTypeCode")
        if code == INVOICED_OBJECT_CODE:
            data["invoiced_object_id"] = r.identifier(reference, "cbc:ID")
            continue
        if code == PROJECT_REFERENCE_CODE and credit_note:
            data["project_reference"] = r.text(reference, "cbc:ID")
            continue
        document: dict[str, Any] = {
            "id": r.text(reference, "cbc:ID"),
            "description": r.text(reference, "cbc:DocumentDescription"),
            "external_uri": r.text(reference, "cac:Attachment/cac:ExternalReference/cbc:URI"),
        }
        r.all(reference, "cac:Attachment")
        r.all(reference, "cac:Attachment/cac:ExternalReference")
        binary = r.one(reference, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
        if binary is not None:
            try:
                content = base64.b64decode("".join((binary.text or "").split()), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ParseError(
                    "an attached document (BT-125) is not valid base64",
                    problems=[
                        Problem(
                            field="BT-125",
                            message=str(exc),
                            value=r.root.getroottree().getpath(binary),
                        )
                    ],
                ) from exc
            document["attachment"] = {
                "content": content,
                "mime_code": binary.get("mimeCode"),
                "filename": binary.get("filename"),
            }
        documents.append(drop_empty(document))
    data["supporting_documents"] = documents
    return data


def _document_data(r: Reader, root: etree._Element, credit_note: bool) -> dict[str, Any]:
    notes = []
    for text in (e.text or "" for e in r.all(root, "cbc:Note")):
        match = _NOTE_SUBJECT.match(text.strip())
        notes.append(
            {"subject_code": match.group(1), "text": match.group(2)} if match else {"text": text}
        )
    period = r.one(root, "cac:InvoicePeriod")
    seller, seller_creditor = _party(
        r, r.one(root, "cac:AccountingSupplierParty/cac:Party"), seller=True
    )
    buyer, _ = _party(r, r.one(root, "cac:AccountingCustomerParty/cac:Party"), seller=False)
    r.all(root, "cac:AccountingSupplierParty")
    r.all(root, "cac:AccountingCustomerParty")
    payee_node = r.one(root, "cac:PayeeParty")
    payee = payee_creditor = None
    if payee_node is not None:
        identifiers = []
        for element in r.all(payee_node, "cac:PartyIdentification"):
            identifier = r.identifier(element, "cbc:ID")
            if identifier and identifier["scheme"] == CREDITOR_ID_SCHEME:
                payee_creditor = identifier["value"]
            elif identifier:
                identifiers.append(identifier)
        r.all(payee_node, "cac:PartyName")
        r.all(payee_node, "cac:PartyLegalEntity")
        payee = drop_empty(
            {
                "name": r.text(payee_node, "cac:PartyName/cbc:Name"),
                "identifier": identifiers[0] if identifiers else None,
                "legal_id": r.identifier(payee_node, "cac:PartyLegalEntity/cbc:CompanyID"),
            }
        )
    representative_node = r.one(root, "cac:TaxRepresentativeParty")
    representative = None
    if representative_node is not None:
        r.all(representative_node, "cac:PartyName")
        representative = drop_empty(
            {
                "name": r.text(representative_node, "cac:PartyName/cbc:Name"),
                "vat_id": _tax_scheme_company_id(r, representative_node, vat=True),
                "address": _address(r, r.one(representative_node, "cac:PostalAddress")),
            }
        )
    delivery_node = r.one(root, "cac:Delivery")
    delivery = None
    delivery_date = None
    if delivery_node is not None:
        delivery_date = r.text(delivery_node, "cbc:ActualDeliveryDate")
        location = r.one(delivery_node, "cac:DeliveryLocation")
        r.all(delivery_node, "cac:DeliveryParty")
        r.all(delivery_node, "cac:DeliveryParty/cac:PartyName")
        delivery = (
            drop_empty(
                {
                    "party_name": r.text(delivery_node, "cac:DeliveryParty/cac:PartyName/cbc:Name"),
                    "location_id": r.identifier(location, "cbc:ID"),
                    "address": _address(r, r.one(location, "cac:Address")),
                }
            )
            or None
        )
    payment, means_due_date = _payment(r, root, payee_creditor or seller_creditor)
    allowances, charges = _allowance_charges(r, root, with_vat=True)
    tax_currency = r.text(root, "cbc:TaxCurrencyCode")
    currency = r.text(root, "cbc:DocumentCurrencyCode")
    vat_total = vat_total_accounting = None
    breakdown = []
    for tax_total in r.all(root, "cac:TaxTotal"):
        amount = r.one(tax_total, "cbc:TaxAmount")
        value = (amount.text or "").strip() if amount is not None else None
        # BT-111 is the TaxTotal in the VAT accounting currency without a breakdown
        # (the two currencies may be the same).
        has_breakdown = bool(tax_total.xpath("cac:TaxSubtotal", namespaces=_NS))
        if (
            amount is not None
            and tax_currency
            and amount.get("currencyID") == tax_currency
            and (tax_currency != currency or not has_breakdown)
        ):
            vat_total_accounting = value
            continue
        vat_total = value
        for subtotal in r.all(tax_total, "cac:TaxSubtotal"):
            category = r.one(subtotal, "cac:TaxCategory")
            r.all(category, "cac:TaxScheme") if category is not None else None
            r.all(category, "cac:TaxScheme/cbc:ID") if category is not None else None
            breakdown.append(
                drop_empty(
                    {
                        "taxable_amount": r.text(subtotal, "cbc:TaxableAmount"),
                        "vat_amount": r.text(subtotal, "cbc:TaxAmount"),
                        "category": r.text(category, "cbc:ID"),
                        "rate": r.text(category, "cbc:Percent"),
                        "exemption_reason": r.text(category, "cbc:TaxExemptionReason"),
                        "exemption_reason_code": r.text(category, "cbc:TaxExemptionReasonCode"),
                    }
                )
            )
    monetary = r.one(root, "cac:LegalMonetaryTotal")
    totals = drop_empty(
        {
            "line_net_total": r.text(monetary, "cbc:LineExtensionAmount"),
            "allowance_total": r.text(monetary, "cbc:AllowanceTotalAmount"),
            "charge_total": r.text(monetary, "cbc:ChargeTotalAmount"),
            "total_without_vat": r.text(monetary, "cbc:TaxExclusiveAmount"),
            "vat_total": vat_total,
            "vat_total_accounting_currency": vat_total_accounting,
            "total_with_vat": r.text(monetary, "cbc:TaxInclusiveAmount"),
            "paid_amount": r.text(monetary, "cbc:PrepaidAmount"),
            "rounding_amount": r.text(monetary, "cbc:PayableRoundingAmount"),
            "amount_due": r.text(monetary, "cbc:PayableAmount"),
        }
    )
    line_path = "cac:CreditNoteLine" if credit_note else "cac:InvoiceLine"
    data: dict[str, Any] = {
        "customization_id": r.text(root, "cbc:CustomizationID"),
        "business_process": r.text(root, "cbc:ProfileID"),
        "number": r.text(root, "cbc:ID"),
        "issue_date": r.text(root, "cbc:IssueDate"),
        "type_code": r.text(
            root, "cbc:CreditNoteTypeCode" if credit_note else "cbc:InvoiceTypeCode"
        ),
        "currency": currency,
        "tax_currency": tax_currency,
        "tax_point_date": r.text(root, "cbc:TaxPointDate"),
        "tax_point_date_code": r.text(period, "cbc:DescriptionCode"),
        "due_date": r.text(root, "cbc:DueDate") or means_due_date,
        "buyer_reference": r.text(root, "cbc:BuyerReference"),
        "buyer_accounting_reference": r.text(root, "cbc:AccountingCost"),
        "notes": notes,
        "seller": seller,
        "buyer": buyer,
        "payee": payee,
        "tax_representative": representative,
        "delivery": delivery,
        "delivery_date": delivery_date,
        "invoice_period": _period(r, period),
        "payment": payment,
        "allowances": allowances,
        "charges": charges,
        "totals": totals,
        "vat_breakdown": breakdown,
        "lines": [_line(r, line, credit_note) for line in r.all(root, line_path)],
        **_header_references(r, root, credit_note),
    }
    return drop_empty(data)


def parse_document(xml: bytes) -> ParsedDocument:
    """Parses a UBL 2.1 Invoice or CreditNote and reports what it could not map.

    Raises:
        XmlInputError: The bytes are not acceptable XML.
        ParseError: The document is not UBL, or does not fit the EN 16931 model
            (a required business term is missing or a code is wrong).
    """
    root = parse_xml(xml).getroot()
    if root.tag == f"{{{INVOICE_NS}}}Invoice":
        credit_note = False
    elif root.tag == f"{{{CREDIT_NOTE_NS}}}CreditNote":
        credit_note = True
    else:
        raise ParseError(
            f"not a UBL 2.1 Invoice or CreditNote: the root element is {root.tag}",
            problems=[
                Problem(
                    field="document",
                    message="expected a UBL Invoice or CreditNote root",
                    value=root.tag,
                )
            ],
        )
    reader = Reader(root, _NS)
    data = _document_data(reader, root, credit_note)
    reader.all(root, "cbc:UBLVersionID")
    try:
        invoice = Invoice.model_validate(data)
    except ValidationError as exc:
        raise ParseError(
            "the UBL document does not fit the EN 16931 model", problems=model_problems(exc)
        ) from exc
    return ParsedDocument(
        invoice=invoice,
        unmapped=reader.unmapped(_reason),
        syntax="ubl-creditnote" if credit_note else "ubl-invoice",
    )


def parse(xml: bytes) -> Invoice:
    """Parses a UBL 2.1 Invoice or CreditNote into a complete EN 16931 invoice."""
    return parse_document(xml).invoice
