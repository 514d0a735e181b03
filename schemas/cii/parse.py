"""Parse a UN/CEFACT Cross Industry Invoice D16B into the EN 16931 model (the CEN CII binding).

Every business term present is mapped; what the binding does not know is reported
by XPath in :attr:`ParsedDocument.unmapped`.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from lxml import etree
from pydantic import ValidationError

from schemas.cii.names import (
    INVOICED_OBJECT_CODE,
    QDT,
    RAM,
    RSM,
    TAX_POINT_CODES_FROM_CII,
    TENDER_CODE,
    UDT,
    VAT_SCHEME,
)
from schemas.errors import ParseError, Problem
from schemas.model import Invoice
from schemas.parsed import ParsedDocument, Reader, drop_empty, model_problems
from schemas.xml_input import parse_xml

_NS = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}


def _date(r: Reader, node: etree._Element | None, path: str) -> str | None:
    holder = r.one(node, path)
    if holder is None:
        return None
    value = r.text(holder, "udt:DateTimeString|qdt:DateTimeString|udt:DateString")
    if value is None:
        return None
    try:
        return datetime.strptime(value[:8], "%Y%m%d").date().isoformat()
    except ValueError:
        raise ParseError(
            f"{path} is not a date in format 102 (CCYYMMDD)",
            problems=[
                Problem(field=path, message="expected CCYYMMDD", rule="CII-date", value=value)
            ],
        ) from None


def _address(r: Reader, node: etree._Element | None) -> dict[str, Any] | None:
    if node is None:
        return None
    lines = [
        r.text(node, "ram:LineOne"),
        r.text(node, "ram:LineTwo"),
        r.text(node, "ram:LineThree"),
    ]
    return drop_empty(
        {
            "lines": [line for line in lines if line],
            "city": r.text(node, "ram:CityName"),
            "postal_code": r.text(node, "ram:PostcodeCode"),
            "subdivision": r.text(node, "ram:CountrySubDivisionName"),
            "country": r.text(node, "ram:CountryID"),
        }
    )


def _identifiers(r: Reader, party: etree._Element) -> list[dict[str, Any]]:
    found = [
        {"value": (e.text or "").strip(), "scheme": None}
        for e in r.all(party, "ram:ID")
        if (e.text or "").strip()
    ]
    found += [
        {"value": (e.text or "").strip(), "scheme": e.get("schemeID")}
        for e in r.all(party, "ram:GlobalID")
        if (e.text or "").strip()
    ]
    return found


def _contact(r: Reader, party: etree._Element) -> dict[str, Any] | None:
    contact = r.one(party, "ram:DefinedTradeContact")
    if contact is None:
        return None
    r.all(contact, "ram:TelephoneUniversalCommunication|ram:EmailURIUniversalCommunication")
    return (
        drop_empty(
            {
                "name": r.text(contact, "ram:PersonName") or r.text(contact, "ram:DepartmentName"),
                "phone": r.text(contact, "ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
                "email": r.text(contact, "ram:EmailURIUniversalCommunication/ram:URIID"),
            }
        )
        or None
    )


def _tax_registration(r: Reader, party: etree._Element, scheme: str) -> str | None:
    for registration in r.all(party, "ram:SpecifiedTaxRegistration"):
        element = r.one(registration, "ram:ID")
        if element is not None and element.get("schemeID") == scheme:
            return (element.text or "").strip() or None
    return None


def _party(r: Reader, party: etree._Element | None, *, seller: bool) -> dict[str, Any]:
    if party is None:
        return {}
    legal = r.one(party, "ram:SpecifiedLegalOrganization")
    data: dict[str, Any] = {
        "name": r.text(party, "ram:Name"),
        "trading_name": r.text(legal, "ram:TradingBusinessName"),
        "identifiers": _identifiers(r, party),
        "legal_id": r.identifier(legal, "ram:ID"),
        "vat_id": _tax_registration(r, party, VAT_SCHEME),
        "electronic_address": r.identifier(party, "ram:URIUniversalCommunication/ram:URIID"),
        "address": _address(r, r.one(party, "ram:PostalTradeAddress")),
        "contact": _contact(r, party),
    }
    r.all(party, "ram:URIUniversalCommunication")
    if seller:
        data["tax_registration_id"] = _tax_registration(r, party, "FC")
        data["additional_legal_info"] = r.text(party, "ram:Description")
    return drop_empty(data)


def _allowance_charges(
    r: Reader, node: etree._Element, *, with_vat: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    allowances: list[dict[str, Any]] = []
    charges: list[dict[str, Any]] = []
    for element in r.all(node, "ram:SpecifiedTradeAllowanceCharge"):
        is_charge = r.text(element, "ram:ChargeIndicator/udt:Indicator") == "true"
        r.all(element, "ram:ChargeIndicator")
        item: dict[str, Any] = {
            "amount": r.text(element, "ram:ActualAmount"),
            "base_amount": r.text(element, "ram:BasisAmount"),
            "percentage": r.text(element, "ram:CalculationPercent"),
            "reason": r.text(element, "ram:Reason"),
            "reason_code": r.text(element, "ram:ReasonCode"),
        }
        if with_vat:
            tax = r.one(element, "ram:CategoryTradeTax")
            r.text(tax, "ram:TypeCode")
            item["vat_category"] = r.text(tax, "ram:CategoryCode")
            item["vat_rate"] = r.text(tax, "ram:RateApplicablePercent")
        (charges if is_charge else allowances).append(drop_empty(item))
    return allowances, charges


def _period(r: Reader, node: etree._Element | None) -> dict[str, Any] | None:
    if node is None:
        return None
    return (
        drop_empty(
            {"start": _date(r, node, "ram:StartDateTime"), "end": _date(r, node, "ram:EndDateTime")}
        )
        or None
    )


def _quantity(element: etree._Element | None) -> tuple[str | None, str | None]:
    if element is None or not (element.text or "").strip():
        return None, None
    return (element.text or "").strip(), element.get("unitCode")


def _line(r: Reader, item: etree._Element) -> dict[str, Any]:
    document = r.one(item, "ram:AssociatedDocumentLineDocument")
    product = r.one(item, "ram:SpecifiedTradeProduct")
    agreement = r.one(item, "ram:SpecifiedLineTradeAgreement")
    delivery = r.one(item, "ram:SpecifiedLineTradeDelivery")
    settlement = r.one(item, "ram:SpecifiedLineTradeSettlement")
    tax = r.one(settlement, "ram:ApplicableTradeTax")
    r.text(tax, "ram:TypeCode")
    r.all(document, "ram:IncludedNote")
    net = r.one(agreement, "ram:NetPriceProductTradePrice")
    gross = r.one(agreement, "ram:GrossPriceProductTradePrice")
    base_quantity, base_unit = _quantity(r.one(net, "ram:BasisQuantity"))
    if gross is not None:
        r.one(gross, "ram:BasisQuantity")
        r.all(gross, "ram:AppliedTradeAllowanceCharge")
        r.all(gross, "ram:AppliedTradeAllowanceCharge/ram:ChargeIndicator")
        r.text(gross, "ram:AppliedTradeAllowanceCharge/ram:ChargeIndicator/udt:Indicator")
    quantity, unit = _quantity(r.one(delivery, "ram:BilledQuantity"))
    allowances, charges = (
        _allowance_charges(r, settlement, with_vat=False) if settlement is not None else ([], [])
    )
    object_id = None
    for reference in r.all(settlement, "ram:AdditionalReferencedDocument"):
        # BT-128 is the line's referenced document of type 130; some instances omit the code.
        if r.text(reference, "ram:TypeCode") in (INVOICED_OBJECT_CODE, None):
            object_id = {
                "value": r.text(reference, "ram:IssuerAssignedID"),
                "scheme": r.text(reference, "ram:ReferenceTypeCode"),
            }
    attributes = [
        {"name": r.text(c, "ram:Description"), "value": r.text(c, "ram:Value")}
        for c in r.all(product, "ram:ApplicableProductCharacteristic")
    ]
    classifications = []
    for holder in r.all(product, "ram:DesignatedProductClassification"):
        code = r.one(holder, "ram:ClassCode")
        if code is not None:
            classifications.append(
                drop_empty(
                    {
                        "value": (code.text or "").strip(),
                        "scheme": code.get("listID"),
                        "version": code.get("listVersionID"),
                    }
                )
            )
    r.all(product, "ram:OriginTradeCountry")
    r.all(agreement, "ram:BuyerOrderReferencedDocument")
    r.all(
        settlement,
        "ram:SpecifiedTradeSettlementLineMonetarySummation|ram:ReceivableSpecifiedTradeAccountingAccount",
    )
    return drop_empty(
        {
            "id": r.text(document, "ram:LineID"),
            "note": r.text(document, "ram:IncludedNote/ram:Content"),
            "object_id": drop_empty(object_id) if object_id else None,
            "quantity": quantity,
            "unit": unit,
            "net_amount": r.text(
                settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
            ),
            "order_line_reference": r.text(
                agreement, "ram:BuyerOrderReferencedDocument/ram:LineID"
            ),
            "accounting_reference": r.text(
                settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"
            ),
            "period": _period(r, r.one(settlement, "ram:BillingSpecifiedPeriod")),
            "allowances": allowances,
            "charges": charges,
            "unit_price": r.text(net, "ram:ChargeAmount"),
            "price_discount": r.text(gross, "ram:AppliedTradeAllowanceCharge/ram:ActualAmount"),
            "gross_price": r.text(gross, "ram:ChargeAmount"),
            "base_quantity": base_quantity,
            "base_quantity_unit": base_unit,
            "vat_category": r.text(tax, "ram:CategoryCode"),
            "vat_rate": r.text(tax, "ram:RateApplicablePercent"),
            "name": r.text(product, "ram:Name"),
            "description": r.text(product, "ram:Description"),
            "seller_item_id": r.text(product, "ram:SellerAssignedID"),
            "buyer_item_id": r.text(product, "ram:BuyerAssignedID"),
            "standard_item_id": r.identifier(product, "ram:GlobalID"),
            "classifications": classifications,
            "origin_country": r.text(product, "ram:OriginTradeCountry/ram:ID"),
            "attributes": attributes,
        }
    )


def _agreement(r: Reader, agreement: etree._Element | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "buyer_reference": r.text(agreement, "ram:BuyerReference"),
        "seller": _party(r, r.one(agreement, "ram:SellerTradeParty"), seller=True),
        "buyer": _party(r, r.one(agreement, "ram:BuyerTradeParty"), seller=False),
        "sales_order_reference": r.text(
            agreement, "ram:SellerOrderReferencedDocument/ram:IssuerAssignedID"
        ),
        "purchase_order_reference": r.text(
            agreement, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"
        ),
        "contract_reference": r.text(
            agreement, "ram:ContractReferencedDocument/ram:IssuerAssignedID"
        ),
        "project_reference": r.text(agreement, "ram:SpecifiedProcuringProject/ram:ID"),
    }
    r.text(agreement, "ram:SpecifiedProcuringProject/ram:Name")
    r.all(
        agreement,
        "ram:SellerOrderReferencedDocument|ram:BuyerOrderReferencedDocument|ram:ContractReferencedDocument|ram:SpecifiedProcuringProject",
    )
    representative = r.one(agreement, "ram:SellerTaxRepresentativeTradeParty")
    if representative is not None:
        data["tax_representative"] = drop_empty(
            {
                "name": r.text(representative, "ram:Name"),
                "vat_id": _tax_registration(r, representative, VAT_SCHEME),
                "address": _address(r, r.one(representative, "ram:PostalTradeAddress")),
            }
        )
    documents = []
    for reference in r.all(agreement, "ram:AdditionalReferencedDocument"):
        code = r.text(reference, "ram:TypeCode")
        if code == TENDER_CODE:
            data["tender_reference"] = r.text(reference, "ram:IssuerAssignedID")
            continue
        if code == INVOICED_OBJECT_CODE:
            data["invoiced_object_id"] = drop_empty(
                {
                    "value": r.text(reference, "ram:IssuerAssignedID"),
                    "scheme": r.text(reference, "ram:ReferenceTypeCode"),
                }
            )
            continue
        document: dict[str, Any] = {
            "id": r.text(reference, "ram:IssuerAssignedID"),
            "description": r.text(reference, "ram:Name"),
            "external_uri": r.text(reference, "ram:URIID"),
        }
        binary = r.one(reference, "ram:AttachmentBinaryObject")
        if binary is not None:
            try:
                content = base64.b64decode("".join((binary.text or "").split()), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ParseError(
                    "an attached document (BT-125) is not valid base64",
                    problems=[Problem(field="BT-125", message=str(exc))],
                ) from exc
            document["attachment"] = {
                "content": content,
                "mime_code": binary.get("mimeCode"),
                "filename": binary.get("filename"),
            }
        documents.append(drop_empty(document))
    data["supporting_documents"] = documents
    return data


def _delivery(r: Reader, delivery: etree._Element | None) -> dict[str, Any]:
    party = r.one(delivery, "ram:ShipToTradeParty")
    target = None
    if party is not None:
        identifiers = _identifiers(r, party)
        target = (
            drop_empty(
                {
                    "party_name": r.text(party, "ram:Name"),
                    "location_id": identifiers[0] if identifiers else None,
                    "address": _address(r, r.one(party, "ram:PostalTradeAddress")),
                }
            )
            or None
        )
    event = r.one(delivery, "ram:ActualDeliverySupplyChainEvent")
    r.all(delivery, "ram:DespatchAdviceReferencedDocument|ram:ReceivingAdviceReferencedDocument")
    return {
        "delivery": target,
        "delivery_date": _date(r, event, "ram:OccurrenceDateTime"),
        "despatch_advice_reference": r.text(
            delivery, "ram:DespatchAdviceReferencedDocument/ram:IssuerAssignedID"
        ),
        "receiving_advice_reference": r.text(
            delivery, "ram:ReceivingAdviceReferencedDocument/ram:IssuerAssignedID"
        ),
    }


def _settlement(r: Reader, settlement: etree._Element | None) -> dict[str, Any]:
    currency = r.text(settlement, "ram:InvoiceCurrencyCode")
    tax_currency = r.text(settlement, "ram:TaxCurrencyCode")
    payment: dict[str, Any] = {"accounts": []}
    debit: dict[str, Any] = {"creditor_id": r.text(settlement, "ram:CreditorReferenceID")}
    payment["remittance_information"] = r.text(settlement, "ram:PaymentReference")
    for index, means in enumerate(r.all(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")):
        if index == 0:
            payment["means_code"] = r.text(means, "ram:TypeCode")
            payment["means_text"] = r.text(means, "ram:Information")
        else:
            r.text(means, "ram:TypeCode")
        card = r.one(means, "ram:ApplicableTradeSettlementFinancialCard")
        if card is not None and "card" not in payment:
            payment["card"] = drop_empty(
                {
                    "account_number": r.text(card, "ram:ID"),
                    "holder_name": r.text(card, "ram:CardholderName"),
                }
            )
        debtor = r.text(means, "ram:PayerPartyDebtorFinancialAccount/ram:IBANID")
        r.all(means, "ram:PayerPartyDebtorFinancialAccount")
        if debtor:
            debit["debited_account_id"] = debtor
        creditor = r.one(means, "ram:PayeePartyCreditorFinancialAccount")
        if creditor is not None:
            r.all(means, "ram:PayeeSpecifiedCreditorFinancialInstitution")
            payment["accounts"].append(
                drop_empty(
                    {
                        "account_id": r.text(creditor, "ram:IBANID")
                        or r.text(creditor, "ram:ProprietaryID"),
                        "account_name": r.text(creditor, "ram:AccountName"),
                        "service_provider_id": r.text(
                            means, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"
                        ),
                    }
                )
            )
    terms = r.one(settlement, "ram:SpecifiedTradePaymentTerms")
    payment["terms"] = r.text(terms, "ram:Description")
    debit["mandate_reference"] = r.text(terms, "ram:DirectDebitMandateID")
    due_date = _date(r, terms, "ram:DueDateDateTime")
    debit = drop_empty(debit)
    if debit:
        payment["direct_debit"] = debit
    payee_node = r.one(settlement, "ram:PayeeTradeParty")
    payee = None
    if payee_node is not None:
        identifiers = _identifiers(r, payee_node)
        legal = r.one(payee_node, "ram:SpecifiedLegalOrganization")
        payee = drop_empty(
            {
                "name": r.text(payee_node, "ram:Name"),
                "identifier": identifiers[0] if identifiers else None,
                "legal_id": r.identifier(legal, "ram:ID"),
            }
        )
    breakdown = []
    tax_point_date = None
    tax_point_code = None
    for tax in r.all(settlement, "ram:ApplicableTradeTax"):
        r.text(tax, "ram:TypeCode")
        tax_point_date = tax_point_date or _date(r, tax, "ram:TaxPointDate")
        code = r.text(tax, "ram:DueDateTypeCode")
        tax_point_code = tax_point_code or (
            TAX_POINT_CODES_FROM_CII.get(code, code) if code else None
        )
        breakdown.append(
            drop_empty(
                {
                    "taxable_amount": r.text(tax, "ram:BasisAmount"),
                    "vat_amount": r.text(tax, "ram:CalculatedAmount"),
                    "category": r.text(tax, "ram:CategoryCode"),
                    "rate": r.text(tax, "ram:RateApplicablePercent"),
                    "exemption_reason": r.text(tax, "ram:ExemptionReason"),
                    "exemption_reason_code": r.text(tax, "ram:ExemptionReasonCode"),
                }
            )
        )
    allowances, charges = (
        _allowance_charges(r, settlement, with_vat=True) if settlement is not None else ([], [])
    )
    summation = r.one(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    vat_total = vat_total_accounting = None
    for amount in r.all(summation, "ram:TaxTotalAmount"):
        value = (amount.text or "").strip()
        # BT-110 is in the invoice currency, BT-111 in the VAT accounting currency; when
        # both currencies are the same, the second amount is BT-111.
        in_tax_currency = tax_currency is not None and amount.get("currencyID") == tax_currency
        if in_tax_currency and (tax_currency != currency or vat_total is not None):
            vat_total_accounting = value
        else:
            vat_total = value
    preceding = [
        drop_empty(
            {
                "number": r.text(ref, "ram:IssuerAssignedID"),
                "issue_date": _date(r, ref, "ram:FormattedIssueDateTime"),
            }
        )
        for ref in r.all(settlement, "ram:InvoiceReferencedDocument")
    ]
    r.all(settlement, "ram:ReceivableSpecifiedTradeAccountingAccount")
    return {
        "currency": currency,
        "tax_currency": tax_currency,
        "payment": drop_empty(payment) or None,
        "due_date": due_date,
        "payee": payee,
        "tax_point_date": tax_point_date,
        "tax_point_date_code": tax_point_code,
        "vat_breakdown": breakdown,
        "invoice_period": _period(r, r.one(settlement, "ram:BillingSpecifiedPeriod")),
        "allowances": allowances,
        "charges": charges,
        "preceding_invoices": preceding,
        "buyer_accounting_reference": r.text(
            settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"
        ),
        "totals": drop_empty(
            {
                "line_net_total": r.text(summation, "ram:LineTotalAmount"),
                "charge_total": r.text(summation, "ram:ChargeTotalAmount"),
                "allowance_total": r.text(summation, "ram:AllowanceTotalAmount"),
                "total_without_vat": r.text(summation, "ram:TaxBasisTotalAmount"),
                "vat_total": vat_total,
                "vat_total_accounting_currency": vat_total_accounting,
                "rounding_amount": r.text(summation, "ram:RoundingAmount"),
                "total_with_vat": r.text(summation, "ram:GrandTotalAmount"),
                "paid_amount": r.text(summation, "ram:TotalPrepaidAmount"),
                "amount_due": r.text(summation, "ram:DuePayableAmount"),
            }
        ),
    }


def _reason(element: etree._Element) -> str:
    return f"{etree.QName(element).localname} is not part of the EN 16931 CII binding"


def parse_document(xml: bytes) -> ParsedDocument:
    """Parses a CII D16B invoice and reports what it could not map.

    Raises:
        XmlInputError: The bytes are not acceptable XML.
        ParseError: Not a CII invoice, or a document the EN 16931 model cannot hold.
    """
    root = parse_xml(xml).getroot()
    if root.tag != f"{{{RSM}}}CrossIndustryInvoice":
        raise ParseError(
            f"not a CII CrossIndustryInvoice: the root element is {root.tag}",
            problems=[
                Problem(
                    field="document", message="expected rsm:CrossIndustryInvoice", value=root.tag
                )
            ],
        )
    r = Reader(root, _NS)
    context = r.one(root, "rsm:ExchangedDocumentContext")
    document = r.one(root, "rsm:ExchangedDocument")
    transaction = r.one(root, "rsm:SupplyChainTradeTransaction")
    r.all(
        context,
        "ram:BusinessProcessSpecifiedDocumentContextParameter|ram:GuidelineSpecifiedDocumentContextParameter",
    )
    notes = []
    for note in r.all(document, "ram:IncludedNote"):
        notes.append(
            drop_empty(
                {
                    "subject_code": r.text(note, "ram:SubjectCode"),
                    "text": r.text(note, "ram:Content"),
                }
            )
        )
    data: dict[str, Any] = {
        "business_process": r.text(
            context, "ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"
        ),
        "customization_id": r.text(
            context, "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"
        ),
        "number": r.text(document, "ram:ID"),
        "type_code": r.text(document, "ram:TypeCode"),
        "issue_date": _date(r, document, "ram:IssueDateTime"),
        "notes": notes,
        "lines": [
            _line(r, item) for item in r.all(transaction, "ram:IncludedSupplyChainTradeLineItem")
        ],
        **_agreement(r, r.one(transaction, "ram:ApplicableHeaderTradeAgreement")),
        **_delivery(r, r.one(transaction, "ram:ApplicableHeaderTradeDelivery")),
        **_settlement(r, r.one(transaction, "ram:ApplicableHeaderTradeSettlement")),
    }
    try:
        invoice = Invoice.model_validate(drop_empty(data))
    except ValidationError as exc:
        raise ParseError(
            "the CII document does not fit the EN 16931 model", problems=model_problems(exc)
        ) from exc
    return ParsedDocument(invoice=invoice, unmapped=r.unmapped(_reason), syntax="cii")


def parse(xml: bytes) -> Invoice:
    """Parses a CII D16B invoice into a complete EN 16931 invoice."""
    return parse_document(xml).invoice
