"""From a finding in a rendered e-invoice back to the draft: which field, which business term.

An official rule reports a location in the generated XML
(``/*:Invoice[...][1]/*:AccountingSupplierParty[...][1]/*:Party[1]/*:Contact[1]``)
and a message that may be German (XRechnung's BR-DE-*). An ERP integrator needs
the draft field to change (``seller.contact.phone``) and the EN 16931 business
term (BT-42). This module maps both syntaxes (UBL 2.1 and CII D16B) back through
the EN 16931 syntax bindings:

1. the business term: the rule's own (a table for rules whose message names none
   or names the wrong one first), else the first BT/BG the official message names,
   else the term of the element the location points at;
2. the draft path: the term's field in the draft contract, with the line (BG-25)
   or allowance/charge (BG-20/BG-21) index taken from the location.

The English message is the official one, or for rules published only in another
language (XRechnung's BR-DE-*) a translation keyed by rule id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from lxml import etree

Syntax = Literal["ubl", "cii"]


@dataclass(frozen=True)
class Located:
    """Where a finding sits in the draft.

    Attributes:
        field: The draft path (``seller.contact.phone``, ``lines[1].unit``), or None
            when the finding concerns nothing the draft states (a fixed part of the
            rendering).
        business_term: The EN 16931 business term or group (``BT-42``, ``BG-16``), if known.
        message: The rule's message in English.
    """

    field: str | None
    business_term: str | None
    message: str


# -- business term -> draft field ---------------------------------------------------
# "[]" marks a list index filled from the location (lines, allowances, ...).

FIELDS: dict[str, str] = {
    "BT-1": "number",
    "BT-2": "issue_date",
    "BT-3": "type_code",
    "BT-5": "currency",
    "BT-6": "tax_currency",
    "BT-7": "tax_point_date",
    "BT-8": "tax_point_date_code",
    "BT-9": "due_date",
    "BT-10": "buyer_reference",
    "BT-11": "project_reference",
    "BT-12": "contract_reference",
    "BT-13": "purchase_order_reference",
    "BT-14": "sales_order_reference",
    "BT-15": "receiving_advice_reference",
    "BT-16": "despatch_advice_reference",
    "BT-17": "tender_reference",
    "BT-18": "invoiced_object_id",
    "BT-19": "buyer_accounting_reference",
    "BT-20": "payment.terms",
    "BG-1": "notes[]",
    "BT-21": "notes[].subject_code",
    "BT-22": "notes[].text",
    "BT-23": "business_process",
    "BT-24": "profile",
    "BG-3": "preceding_invoices[]",
    "BT-25": "preceding_invoices[].number",
    "BT-26": "preceding_invoices[].issue_date",
    "BG-4": "seller",
    "BT-27": "seller.name",
    "BT-28": "seller.trading_name",
    "BT-29": "seller.identifiers[]",
    "BT-30": "seller.legal_id",
    "BT-31": "seller.vat_id",
    "BT-32": "seller.tax_registration_id",
    "BT-33": "seller.additional_legal_info",
    "BT-34": "seller.electronic_address",
    "BG-5": "seller.address",
    "BT-35": "seller.address.lines[0]",
    "BT-36": "seller.address.lines[1]",
    "BT-162": "seller.address.lines[2]",
    "BT-37": "seller.address.city",
    "BT-38": "seller.address.postal_code",
    "BT-39": "seller.address.subdivision",
    "BT-40": "seller.address.country",
    "BG-6": "seller.contact",
    "BT-41": "seller.contact.name",
    "BT-42": "seller.contact.phone",
    "BT-43": "seller.contact.email",
    "BG-7": "buyer",
    "BT-44": "buyer.name",
    "BT-45": "buyer.trading_name",
    "BT-46": "buyer.identifiers[0]",
    "BT-47": "buyer.legal_id",
    "BT-48": "buyer.vat_id",
    "BT-49": "buyer.electronic_address",
    "BG-8": "buyer.address",
    "BT-50": "buyer.address.lines[0]",
    "BT-51": "buyer.address.lines[1]",
    "BT-163": "buyer.address.lines[2]",
    "BT-52": "buyer.address.city",
    "BT-53": "buyer.address.postal_code",
    "BT-54": "buyer.address.subdivision",
    "BT-55": "buyer.address.country",
    "BG-9": "buyer.contact",
    "BT-56": "buyer.contact.name",
    "BT-57": "buyer.contact.phone",
    "BT-58": "buyer.contact.email",
    "BG-10": "payee",
    "BT-59": "payee.name",
    "BT-60": "payee.identifier",
    "BT-61": "payee.legal_id",
    "BG-11": "tax_representative",
    "BT-62": "tax_representative.name",
    "BT-63": "tax_representative.vat_id",
    "BG-12": "tax_representative.address",
    "BT-64": "tax_representative.address.lines[0]",
    "BT-65": "tax_representative.address.lines[1]",
    "BT-164": "tax_representative.address.lines[2]",
    "BT-66": "tax_representative.address.city",
    "BT-67": "tax_representative.address.postal_code",
    "BT-68": "tax_representative.address.subdivision",
    "BT-69": "tax_representative.address.country",
    "BG-13": "delivery",
    "BT-70": "delivery.party_name",
    "BT-71": "delivery.location_id",
    "BT-72": "delivery_date",
    "BG-14": "invoice_period",
    "BT-73": "invoice_period.start",
    "BT-74": "invoice_period.end",
    "BG-15": "delivery.address",
    "BT-75": "delivery.address.lines[0]",
    "BT-76": "delivery.address.lines[1]",
    "BT-165": "delivery.address.lines[2]",
    "BT-77": "delivery.address.city",
    "BT-78": "delivery.address.postal_code",
    "BT-79": "delivery.address.subdivision",
    "BT-80": "delivery.address.country",
    "BG-16": "payment",
    "BT-81": "payment.means_code",
    "BT-82": "payment.means_text",
    "BT-83": "payment.remittance_information",
    "BG-17": "payment.accounts[]",
    "BT-84": "payment.accounts[].iban",
    "BT-85": "payment.accounts[].account_name",
    "BT-86": "payment.accounts[].bic",
    "BG-18": "payment.card",
    "BT-87": "payment.card.account_number",
    "BT-88": "payment.card.holder_name",
    "BG-19": "payment.direct_debit",
    "BT-89": "payment.direct_debit.mandate_reference",
    "BT-90": "payment.direct_debit.creditor_id",
    "BT-91": "payment.direct_debit.debited_account_id",
    "BG-20": "allowances[]",
    "BT-92": "allowances[].amount",
    "BT-93": "allowances[].base_amount",
    "BT-94": "allowances[].percentage",
    "BT-95": "allowances[].vat_category",
    "BT-96": "allowances[].vat_rate",
    "BT-97": "allowances[].reason",
    "BT-98": "allowances[].reason_code",
    "BG-21": "charges[]",
    "BT-99": "charges[].amount",
    "BT-100": "charges[].base_amount",
    "BT-101": "charges[].percentage",
    "BT-102": "charges[].vat_category",
    "BT-103": "charges[].vat_rate",
    "BT-104": "charges[].reason",
    "BT-105": "charges[].reason_code",
    # BG-22 and BG-23 are computed by the gateway; a draft may state them to be checked.
    "BG-22": "totals",
    "BT-106": "totals.line_net_total",
    "BT-107": "totals.allowance_total",
    "BT-108": "totals.charge_total",
    "BT-109": "totals.total_without_vat",
    "BT-110": "totals.vat_total",
    "BT-111": "vat_total_accounting_currency",
    "BT-112": "totals.total_with_vat",
    "BT-113": "paid_amount",
    "BT-114": "rounding_amount",
    "BT-115": "totals.amount_due",
    "BG-23": "vat_breakdown[]",
    "BT-116": "vat_breakdown[].taxable_amount",
    "BT-117": "vat_breakdown[].vat_amount",
    "BT-118": "vat_breakdown[].category",
    "BT-119": "vat_breakdown[].rate",
    "BT-120": "exemption_reason",
    "BT-121": "exemption_reason_code",
    "BG-24": "supporting_documents[]",
    "BT-122": "supporting_documents[].id",
    "BT-123": "supporting_documents[].description",
    "BT-124": "supporting_documents[].external_uri",
    "BT-125": "supporting_documents[].attachment",
    "BG-25": "lines[]",
    "BT-126": "lines[].id",
    "BT-127": "lines[].note",
    "BT-128": "lines[].object_id",
    "BT-129": "lines[].quantity",
    "BT-130": "lines[].unit",
    "BT-131": "lines[].net_amount",
    "BT-132": "lines[].order_line_reference",
    "BT-133": "lines[].accounting_reference",
    "BG-26": "lines[].period",
    "BT-134": "lines[].period.start",
    "BT-135": "lines[].period.end",
    "BG-27": "lines[].allowances[]",
    "BT-136": "lines[].allowances[].amount",
    "BT-137": "lines[].allowances[].base_amount",
    "BT-138": "lines[].allowances[].percentage",
    "BT-139": "lines[].allowances[].reason",
    "BT-140": "lines[].allowances[].reason_code",
    "BG-28": "lines[].charges[]",
    "BT-141": "lines[].charges[].amount",
    "BT-142": "lines[].charges[].base_amount",
    "BT-143": "lines[].charges[].percentage",
    "BT-144": "lines[].charges[].reason",
    "BT-145": "lines[].charges[].reason_code",
    "BG-29": "lines[].unit_price",
    "BT-146": "lines[].unit_price",
    "BT-147": "lines[].price_discount",
    "BT-148": "lines[].gross_price",
    "BT-149": "lines[].base_quantity",
    "BT-150": "lines[].base_quantity_unit",
    "BG-30": "lines[].tax_class",
    "BT-151": "lines[].vat_category",
    "BT-152": "lines[].vat_rate",
    "BG-31": "lines[]",
    "BT-153": "lines[].name",
    "BT-154": "lines[].description",
    "BT-155": "lines[].seller_item_id",
    "BT-156": "lines[].buyer_item_id",
    "BT-157": "lines[].standard_item_id",
    "BT-158": "lines[].classifications[]",
    "BT-159": "lines[].origin_country",
    "BG-32": "lines[].attributes[]",
    "BT-160": "lines[].attributes[].name",
    "BT-161": "lines[].attributes[].value",
}

# -- element paths -> business term (UBL 2.1 and CII D16B syntax bindings) ------------
# Paths are local names below the root, a line, or an allowance/charge; the longest
# match of the location's steps wins. "@x" is an attribute.

_UBL_PARTY = {
    "PartyName/Name": "trading",
    "EndpointID": "endpoint",
    "EndpointID/@schemeID": "endpoint",
    "PostalAddress": "address",
    "PostalAddress/StreetName": "line1",
    "PostalAddress/AdditionalStreetName": "line2",
    "PostalAddress/AddressLine/Line": "line3",
    "PostalAddress/CityName": "city",
    "PostalAddress/PostalZone": "zip",
    "PostalAddress/CountrySubentity": "subdivision",
    "PostalAddress/Country/IdentificationCode": "country",
    "PostalAddress/Country": "country",
    "PartyLegalEntity/RegistrationName": "name",
    "PartyLegalEntity/CompanyID": "legal",
    "PartyLegalEntity/CompanyID/@schemeID": "legal",
    "PartyTaxScheme/CompanyID": "vat",
    "PartyTaxScheme": "vat",
    "PartyIdentification/ID": "party_id",
    "PartyIdentification/ID/@schemeID": "party_id",
    "Contact": "contact",
    "Contact/Name": "contact_name",
    "Contact/Telephone": "phone",
    "Contact/ElectronicMail": "email",
}
_SELLER = {
    "party": "BG-4",
    "name": "BT-27",
    "trading": "BT-28",
    "endpoint": "BT-34",
    "address": "BG-5",
    "line1": "BT-35",
    "line2": "BT-36",
    "line3": "BT-162",
    "city": "BT-37",
    "zip": "BT-38",
    "subdivision": "BT-39",
    "country": "BT-40",
    "legal": "BT-30",
    "vat": "BT-31",
    "party_id": "BT-29",
    "contact": "BG-6",
    "contact_name": "BT-41",
    "phone": "BT-42",
    "email": "BT-43",
}
_BUYER = {
    "party": "BG-7",
    "name": "BT-44",
    "trading": "BT-45",
    "endpoint": "BT-49",
    "address": "BG-8",
    "line1": "BT-50",
    "line2": "BT-51",
    "line3": "BT-163",
    "city": "BT-52",
    "zip": "BT-53",
    "subdivision": "BT-54",
    "country": "BT-55",
    "legal": "BT-47",
    "vat": "BT-48",
    "party_id": "BT-46",
    "contact": "BG-9",
    "contact_name": "BT-56",
    "phone": "BT-57",
    "email": "BT-58",
}


def _party(prefix: str, terms: dict[str, str]) -> dict[str, str]:
    found = {prefix: terms["party"], f"{prefix}/Party": terms["party"]}
    for path, key in _UBL_PARTY.items():
        found[f"{prefix}/Party/{path}"] = terms[key]
    return found


UBL_TERMS: dict[str, str] = {
    "ID": "BT-1",
    "IssueDate": "BT-2",
    "DueDate": "BT-9",
    "PaymentDueDate": "BT-9",
    "InvoiceTypeCode": "BT-3",
    "CreditNoteTypeCode": "BT-3",
    "Note": "BT-22",
    "TaxPointDate": "BT-7",
    "DocumentCurrencyCode": "BT-5",
    "TaxCurrencyCode": "BT-6",
    "AccountingCost": "BT-19",
    "BuyerReference": "BT-10",
    "CustomizationID": "BT-24",
    "ProfileID": "BT-23",
    "InvoicePeriod": "BG-14",
    "InvoicePeriod/StartDate": "BT-73",
    "InvoicePeriod/EndDate": "BT-74",
    "InvoicePeriod/DescriptionCode": "BT-8",
    "OrderReference/ID": "BT-13",
    "OrderReference/SalesOrderID": "BT-14",
    "BillingReference": "BG-3",
    "BillingReference/InvoiceDocumentReference/ID": "BT-25",
    "BillingReference/InvoiceDocumentReference/IssueDate": "BT-26",
    "DespatchDocumentReference/ID": "BT-16",
    "ReceiptDocumentReference/ID": "BT-15",
    "OriginatorDocumentReference/ID": "BT-17",
    "ContractDocumentReference/ID": "BT-12",
    "ProjectReference/ID": "BT-11",
    "AdditionalDocumentReference": "BG-24",
    "AdditionalDocumentReference/ID": "BT-122",
    "AdditionalDocumentReference/DocumentDescription": "BT-123",
    "AdditionalDocumentReference/Attachment": "BT-125",
    "AdditionalDocumentReference/Attachment/EmbeddedDocumentBinaryObject": "BT-125",
    "AdditionalDocumentReference/Attachment/ExternalReference/URI": "BT-124",
    **_party("AccountingSupplierParty", _SELLER),
    **_party("AccountingCustomerParty", _BUYER),
    "AccountingSupplierParty/Party/PartyTaxScheme/CompanyID": "BT-31",
    "PayeeParty": "BG-10",
    "PayeeParty/PartyName/Name": "BT-59",
    "PayeeParty/PartyIdentification/ID": "BT-60",
    "PayeeParty/PartyLegalEntity/CompanyID": "BT-61",
    "TaxRepresentativeParty": "BG-11",
    "TaxRepresentativeParty/PartyName/Name": "BT-62",
    "TaxRepresentativeParty/PartyTaxScheme/CompanyID": "BT-63",
    "TaxRepresentativeParty/PostalAddress": "BG-12",
    "TaxRepresentativeParty/PostalAddress/Country/IdentificationCode": "BT-69",
    "Delivery": "BG-13",
    "Delivery/ActualDeliveryDate": "BT-72",
    "Delivery/DeliveryLocation/ID": "BT-71",
    "Delivery/DeliveryLocation/Address": "BG-15",
    "Delivery/DeliveryLocation/Address/CityName": "BT-77",
    "Delivery/DeliveryLocation/Address/PostalZone": "BT-78",
    "Delivery/DeliveryLocation/Address/Country/IdentificationCode": "BT-80",
    "Delivery/DeliveryParty/PartyName/Name": "BT-70",
    "PaymentMeans": "BG-16",
    "PaymentMeans/PaymentMeansCode": "BT-81",
    "PaymentMeans/PaymentMeansCode/@name": "BT-82",
    "PaymentMeans/PaymentID": "BT-83",
    "PaymentMeans/PayeeFinancialAccount": "BG-17",
    "PaymentMeans/PayeeFinancialAccount/ID": "BT-84",
    "PaymentMeans/PayeeFinancialAccount/Name": "BT-85",
    "PaymentMeans/PayeeFinancialAccount/FinancialInstitutionBranch/ID": "BT-86",
    "PaymentMeans/CardAccount": "BG-18",
    "PaymentMeans/CardAccount/PrimaryAccountNumberID": "BT-87",
    "PaymentMeans/CardAccount/HolderName": "BT-88",
    "PaymentMeans/PaymentMandate": "BG-19",
    "PaymentMeans/PaymentMandate/ID": "BT-89",
    "PaymentMeans/PaymentMandate/PayerFinancialAccount/ID": "BT-91",
    "PaymentTerms/Note": "BT-20",
    "PaymentTerms": "BT-20",
    "TaxTotal": "BG-23",
    "TaxTotal/TaxAmount": "BT-110",
    "TaxTotal/TaxSubtotal": "BG-23",
    "TaxTotal/TaxSubtotal/TaxableAmount": "BT-116",
    "TaxTotal/TaxSubtotal/TaxAmount": "BT-117",
    "TaxTotal/TaxSubtotal/TaxCategory": "BT-118",
    "TaxTotal/TaxSubtotal/TaxCategory/ID": "BT-118",
    "TaxTotal/TaxSubtotal/TaxCategory/Percent": "BT-119",
    "TaxTotal/TaxSubtotal/TaxCategory/TaxExemptionReason": "BT-120",
    "TaxTotal/TaxSubtotal/TaxCategory/TaxExemptionReasonCode": "BT-121",
    "LegalMonetaryTotal": "BG-22",
    "LegalMonetaryTotal/LineExtensionAmount": "BT-106",
    "LegalMonetaryTotal/AllowanceTotalAmount": "BT-107",
    "LegalMonetaryTotal/ChargeTotalAmount": "BT-108",
    "LegalMonetaryTotal/TaxExclusiveAmount": "BT-109",
    "LegalMonetaryTotal/TaxInclusiveAmount": "BT-112",
    "LegalMonetaryTotal/PrepaidAmount": "BT-113",
    "LegalMonetaryTotal/PayableRoundingAmount": "BT-114",
    "LegalMonetaryTotal/PayableAmount": "BT-115",
}

# Below an invoice line (BG-25); "AllowanceCharge" below a line is BG-27/28.
UBL_LINE_TERMS: dict[str, str] = {
    "": "BG-25",
    "ID": "BT-126",
    "Note": "BT-127",
    "InvoicedQuantity": "BT-129",
    "CreditedQuantity": "BT-129",
    "InvoicedQuantity/@unitCode": "BT-130",
    "CreditedQuantity/@unitCode": "BT-130",
    "LineExtensionAmount": "BT-131",
    "AccountingCost": "BT-133",
    "InvoicePeriod": "BG-26",
    "InvoicePeriod/StartDate": "BT-134",
    "InvoicePeriod/EndDate": "BT-135",
    "OrderLineReference/LineID": "BT-132",
    "DocumentReference/ID": "BT-128",
    "Item": "BG-31",
    "Item/Name": "BT-153",
    "Item/Description": "BT-154",
    "Item/SellersItemIdentification/ID": "BT-155",
    "Item/BuyersItemIdentification/ID": "BT-156",
    "Item/StandardItemIdentification/ID": "BT-157",
    "Item/CommodityClassification/ItemClassificationCode": "BT-158",
    "Item/OriginCountry/IdentificationCode": "BT-159",
    "Item/ClassifiedTaxCategory": "BG-30",
    "Item/ClassifiedTaxCategory/ID": "BT-151",
    "Item/ClassifiedTaxCategory/Percent": "BT-152",
    "Item/AdditionalItemProperty": "BG-32",
    "Item/AdditionalItemProperty/Name": "BT-160",
    "Item/AdditionalItemProperty/Value": "BT-161",
    "Price": "BG-29",
    "Price/PriceAmount": "BT-146",
    "Price/BaseQuantity": "BT-149",
    "Price/BaseQuantity/@unitCode": "BT-150",
    "Price/AllowanceCharge/Amount": "BT-147",
    "Price/AllowanceCharge/BaseAmount": "BT-148",
}

# Below a document-level allowance or charge: terms of allowances; charges add 7.
UBL_ALLOWANCE_TERMS: dict[str, str] = {
    "": "BG-20",
    "Amount": "BT-92",
    "BaseAmount": "BT-93",
    "MultiplierFactorNumeric": "BT-94",
    "TaxCategory": "BT-95",
    "TaxCategory/ID": "BT-95",
    "TaxCategory/Percent": "BT-96",
    "AllowanceChargeReason": "BT-97",
    "AllowanceChargeReasonCode": "BT-98",
}
UBL_LINE_ALLOWANCE_TERMS: dict[str, str] = {
    "": "BG-27",
    "Amount": "BT-136",
    "BaseAmount": "BT-137",
    "MultiplierFactorNumeric": "BT-138",
    "AllowanceChargeReason": "BT-139",
    "AllowanceChargeReasonCode": "BT-140",
}

_CII_TRADE_PARTY = {
    "": "party",
    "Name": "name",
    "SpecifiedLegalOrganization/TradingBusinessName": "trading",
    "SpecifiedLegalOrganization/ID": "legal",
    "ID": "party_id",
    "GlobalID": "party_id",
    "URIUniversalCommunication/URIID": "endpoint",
    "PostalTradeAddress": "address",
    "PostalTradeAddress/LineOne": "line1",
    "PostalTradeAddress/LineTwo": "line2",
    "PostalTradeAddress/LineThree": "line3",
    "PostalTradeAddress/CityName": "city",
    "PostalTradeAddress/PostcodeCode": "zip",
    "PostalTradeAddress/CountrySubDivisionName": "subdivision",
    "PostalTradeAddress/CountryID": "country",
    "SpecifiedTaxRegistration/ID": "vat",
    "DefinedTradeContact": "contact",
    "DefinedTradeContact/PersonName": "contact_name",
    "DefinedTradeContact/DepartmentName": "contact_name",
    "DefinedTradeContact/TelephoneUniversalCommunication/CompleteNumber": "phone",
    "DefinedTradeContact/EmailURIUniversalCommunication/URIID": "email",
}


def _cii_party(prefix: str, terms: dict[str, str]) -> dict[str, str]:
    return {f"{prefix}/{path}".rstrip("/"): terms[key] for path, key in _CII_TRADE_PARTY.items()}


_HEADER = "SupplyChainTradeTransaction"
_AGREEMENT = f"{_HEADER}/ApplicableHeaderTradeAgreement"
_DELIVERY = f"{_HEADER}/ApplicableHeaderTradeDelivery"
_SETTLEMENT = f"{_HEADER}/ApplicableHeaderTradeSettlement"
CII_TERMS: dict[str, str] = {
    "ExchangedDocument/ID": "BT-1",
    "ExchangedDocument/TypeCode": "BT-3",
    "ExchangedDocument/IssueDateTime": "BT-2",
    "ExchangedDocument/IssueDateTime/DateTimeString": "BT-2",
    "ExchangedDocument/IncludedNote": "BG-1",
    "ExchangedDocument/IncludedNote/Content": "BT-22",
    "ExchangedDocument/IncludedNote/SubjectCode": "BT-21",
    "ExchangedDocumentContext/GuidelineSpecifiedDocumentContextParameter/ID": "BT-24",
    "ExchangedDocumentContext/BusinessProcessSpecifiedDocumentContextParameter/ID": "BT-23",
    f"{_AGREEMENT}/BuyerReference": "BT-10",
    **_cii_party(f"{_AGREEMENT}/SellerTradeParty", _SELLER),
    **_cii_party(f"{_AGREEMENT}/BuyerTradeParty", _BUYER),
    f"{_AGREEMENT}/SellerTaxRepresentativeTradeParty": "BG-11",
    f"{_AGREEMENT}/SellerOrderReferencedDocument/IssuerAssignedID": "BT-14",
    f"{_AGREEMENT}/BuyerOrderReferencedDocument/IssuerAssignedID": "BT-13",
    f"{_AGREEMENT}/ContractReferencedDocument/IssuerAssignedID": "BT-12",
    f"{_AGREEMENT}/AdditionalReferencedDocument": "BG-24",
    f"{_AGREEMENT}/AdditionalReferencedDocument/IssuerAssignedID": "BT-122",
    f"{_AGREEMENT}/AdditionalReferencedDocument/URIID": "BT-124",
    f"{_AGREEMENT}/AdditionalReferencedDocument/AttachmentBinaryObject": "BT-125",
    f"{_AGREEMENT}/SpecifiedProcuringProject/ID": "BT-11",
    f"{_DELIVERY}": "BG-13",
    f"{_DELIVERY}/ShipToTradeParty": "BG-13",
    f"{_DELIVERY}/ShipToTradeParty/Name": "BT-70",
    f"{_DELIVERY}/ShipToTradeParty/ID": "BT-71",
    f"{_DELIVERY}/ShipToTradeParty/GlobalID": "BT-71",
    f"{_DELIVERY}/ShipToTradeParty/PostalTradeAddress": "BG-15",
    f"{_DELIVERY}/ShipToTradeParty/PostalTradeAddress/CityName": "BT-77",
    f"{_DELIVERY}/ShipToTradeParty/PostalTradeAddress/PostcodeCode": "BT-78",
    f"{_DELIVERY}/ShipToTradeParty/PostalTradeAddress/CountryID": "BT-80",
    f"{_DELIVERY}/ActualDeliverySupplyChainEvent/OccurrenceDateTime": "BT-72",
    f"{_DELIVERY}/DespatchAdviceReferencedDocument/IssuerAssignedID": "BT-16",
    f"{_DELIVERY}/ReceivingAdviceReferencedDocument/IssuerAssignedID": "BT-15",
    f"{_SETTLEMENT}": "BG-16",
    f"{_SETTLEMENT}/InvoiceCurrencyCode": "BT-5",
    f"{_SETTLEMENT}/TaxCurrencyCode": "BT-6",
    f"{_SETTLEMENT}/PaymentReference": "BT-83",
    f"{_SETTLEMENT}/CreditorReferenceID": "BT-90",
    f"{_SETTLEMENT}/PayeeTradeParty": "BG-10",
    f"{_SETTLEMENT}/PayeeTradeParty/Name": "BT-59",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementPaymentMeans": "BG-16",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementPaymentMeans/TypeCode": "BT-81",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementPaymentMeans/Information": "BT-82",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementPaymentMeans/PayeePartyCreditorFinancialAccount": "BG-17",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementPaymentMeans/PayeePartyCreditorFinancialAccount/IBANID": "BT-84",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementPaymentMeans/PayeePartyCreditorFinancialAccount/ProprietaryID": "BT-84",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementPaymentMeans/PayeePartyCreditorFinancialAccount/AccountName": "BT-85",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementPaymentMeans/PayeeSpecifiedCreditorFinancialInstitution/BICID": "BT-86",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementPaymentMeans/ApplicableTradeSettlementFinancialCard": "BG-18",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementPaymentMeans/PayerPartyDebtorFinancialAccount/IBANID": "BT-91",
    f"{_SETTLEMENT}/ApplicableTradeTax": "BG-23",
    f"{_SETTLEMENT}/ApplicableTradeTax/CalculatedAmount": "BT-117",
    f"{_SETTLEMENT}/ApplicableTradeTax/BasisAmount": "BT-116",
    f"{_SETTLEMENT}/ApplicableTradeTax/CategoryCode": "BT-118",
    f"{_SETTLEMENT}/ApplicableTradeTax/RateApplicablePercent": "BT-119",
    f"{_SETTLEMENT}/ApplicableTradeTax/ExemptionReason": "BT-120",
    f"{_SETTLEMENT}/ApplicableTradeTax/ExemptionReasonCode": "BT-121",
    f"{_SETTLEMENT}/ApplicableTradeTax/DueDateTypeCode": "BT-8",
    f"{_SETTLEMENT}/BillingSpecifiedPeriod": "BG-14",
    f"{_SETTLEMENT}/BillingSpecifiedPeriod/StartDateTime": "BT-73",
    f"{_SETTLEMENT}/BillingSpecifiedPeriod/EndDateTime": "BT-74",
    f"{_SETTLEMENT}/SpecifiedTradePaymentTerms": "BT-20",
    f"{_SETTLEMENT}/SpecifiedTradePaymentTerms/Description": "BT-20",
    f"{_SETTLEMENT}/SpecifiedTradePaymentTerms/DueDateDateTime": "BT-9",
    f"{_SETTLEMENT}/SpecifiedTradePaymentTerms/DirectDebitMandateID": "BT-89",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementHeaderMonetarySummation": "BG-22",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementHeaderMonetarySummation/LineTotalAmount": "BT-106",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementHeaderMonetarySummation/AllowanceTotalAmount": "BT-107",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementHeaderMonetarySummation/ChargeTotalAmount": "BT-108",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementHeaderMonetarySummation/TaxBasisTotalAmount": "BT-109",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementHeaderMonetarySummation/TaxTotalAmount": "BT-110",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementHeaderMonetarySummation/GrandTotalAmount": "BT-112",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementHeaderMonetarySummation/TotalPrepaidAmount": "BT-113",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementHeaderMonetarySummation/RoundingAmount": "BT-114",
    f"{_SETTLEMENT}/SpecifiedTradeSettlementHeaderMonetarySummation/DuePayableAmount": "BT-115",
    f"{_SETTLEMENT}/InvoiceReferencedDocument": "BG-3",
    f"{_SETTLEMENT}/InvoiceReferencedDocument/IssuerAssignedID": "BT-25",
    f"{_SETTLEMENT}/ReceivableSpecifiedTradeAccountingAccount/ID": "BT-19",
}
CII_LINE_TERMS: dict[str, str] = {
    "": "BG-25",
    "AssociatedDocumentLineDocument/LineID": "BT-126",
    "AssociatedDocumentLineDocument/IncludedNote/Content": "BT-127",
    "SpecifiedTradeProduct": "BG-31",
    "SpecifiedTradeProduct/Name": "BT-153",
    "SpecifiedTradeProduct/Description": "BT-154",
    "SpecifiedTradeProduct/SellerAssignedID": "BT-155",
    "SpecifiedTradeProduct/BuyerAssignedID": "BT-156",
    "SpecifiedTradeProduct/GlobalID": "BT-157",
    "SpecifiedTradeProduct/DesignatedProductClassification/ClassCode": "BT-158",
    "SpecifiedTradeProduct/OriginTradeCountry/ID": "BT-159",
    "SpecifiedTradeProduct/ApplicableProductCharacteristic": "BG-32",
    "SpecifiedLineTradeAgreement/NetPriceProductTradePrice": "BG-29",
    "SpecifiedLineTradeAgreement/NetPriceProductTradePrice/ChargeAmount": "BT-146",
    "SpecifiedLineTradeAgreement/NetPriceProductTradePrice/BasisQuantity": "BT-149",
    "SpecifiedLineTradeAgreement/GrossPriceProductTradePrice/ChargeAmount": "BT-148",
    "SpecifiedLineTradeAgreement/BuyerOrderReferencedDocument/LineID": "BT-132",
    "SpecifiedLineTradeDelivery/BilledQuantity": "BT-129",
    "SpecifiedLineTradeDelivery/BilledQuantity/@unitCode": "BT-130",
    "SpecifiedLineTradeSettlement/ApplicableTradeTax": "BG-30",
    "SpecifiedLineTradeSettlement/ApplicableTradeTax/CategoryCode": "BT-151",
    "SpecifiedLineTradeSettlement/ApplicableTradeTax/RateApplicablePercent": "BT-152",
    "SpecifiedLineTradeSettlement/BillingSpecifiedPeriod": "BG-26",
    "SpecifiedLineTradeSettlement/BillingSpecifiedPeriod/StartDateTime": "BT-134",
    "SpecifiedLineTradeSettlement/BillingSpecifiedPeriod/EndDateTime": "BT-135",
    "SpecifiedLineTradeSettlement/SpecifiedTradeSettlementLineMonetarySummation": "BT-131",
    "SpecifiedLineTradeSettlement/SpecifiedTradeSettlementLineMonetarySummation/LineTotalAmount": "BT-131",
    "SpecifiedLineTradeSettlement/ReceivableSpecifiedTradeAccountingAccount/ID": "BT-133",
}
CII_ALLOWANCE_TERMS: dict[str, str] = {
    "": "BG-20",
    "ActualAmount": "BT-92",
    "BasisAmount": "BT-93",
    "CalculationPercent": "BT-94",
    "CategoryTradeTax": "BT-95",
    "CategoryTradeTax/CategoryCode": "BT-95",
    "CategoryTradeTax/RateApplicablePercent": "BT-96",
    "Reason": "BT-97",
    "ReasonCode": "BT-98",
}
CII_LINE_ALLOWANCE_TERMS: dict[str, str] = {
    "": "BG-27",
    "ActualAmount": "BT-136",
    "BasisAmount": "BT-137",
    "CalculationPercent": "BT-138",
    "Reason": "BT-139",
    "ReasonCode": "BT-140",
}

# -- rules whose message names no term, or names another one first -----------------

RULE_TERMS: dict[str, str] = {
    "BR-DE-1": "BG-16",
    "BR-DE-2": "BG-6",
    "BR-DE-16": "BT-31",
    "BR-DE-18": "BT-20",
    "BR-DE-19": "BT-84",
    "BR-DE-20": "BT-91",
    "BR-DE-22": "BT-125",
    "BR-DE-23-a": "BG-17",
    "BR-DE-24-a": "BG-18",
    "BR-DE-25-a": "BG-19",
    "BR-DE-27": "BT-42",
    "BR-DE-28": "BT-43",
    "BR-DE-TMP-32": "BT-72",
    "BR-CO-25": "BT-9",
    "BR-CO-26": "BT-31",
    "BR-CO-9": "BT-31",
    "BR-CO-10": "BT-106",
    "BR-CO-13": "BT-109",
    "BR-CO-15": "BT-112",
    "BR-CO-16": "BT-115",
    "BR-CL-01": "BT-3",
    "BR-CL-03": "BT-5",
    "BR-CL-04": "BT-5",
    "BR-CL-14": "BT-40",
    "BR-CL-16": "BT-81",
    "BR-CL-23": "BT-130",
    "BR-61": "BT-84",
    "BR-62": "BT-34",
    "BR-63": "BT-49",
    "PEPPOL-EN16931-R001": "BT-23",
    "PEPPOL-EN16931-R003": "BT-13",
    "PEPPOL-EN16931-R004": "BT-24",
    "PEPPOL-EN16931-R010": "BT-49",
    "PEPPOL-EN16931-R020": "BT-34",
    "PEPPOL-EN16931-R061": "BT-89",
    "PEPPOL-EN16931-R120": "BT-131",
    "PEPPOL-EN16931-R121": "BT-149",
    "PEPPOL-EN16931-R130": "BT-150",
    # National Peppol rules whose context is the whole document or a container.
    "DK-R-002": "BT-30",
    "DK-R-005": "BT-81",
    "DK-R-006": "BT-84",
    "DK-R-008": "BT-83",
    "DK-R-010": "BT-83",
    "DK-R-014": "BT-30",
    "DK-R-016": "BT-115",
    "NL-R-001": "BT-25",
    "NL-R-002": "BT-35",
    "NL-R-003": "BT-30",
    "NL-R-004": "BT-50",
    "NL-R-005": "BT-47",
    "NL-R-007": "BG-16",
    "SE-R-001": "BT-31",
    "SE-R-002": "BT-31",
    "SE-R-003": "BT-30",
    "SE-R-004": "BT-30",
    "SE-R-005": "BT-32",
    "SE-R-006": "BT-152",
    "SE-R-013": "BT-30",
    "NO-R-001": "BT-31",
    "NO-R-002": "BT-33",
}

# -- English messages where the official text is in another language ----------------

ENGLISH: dict[str, str] = {
    "BR-DE-1": "An invoice must contain PAYMENT INSTRUCTIONS (BG-16).",
    "BR-DE-2": "The group SELLER CONTACT (BG-6) must be transmitted.",
    "BR-DE-3": 'The element "Seller city" (BT-37) must be transmitted.',
    "BR-DE-4": 'The element "Seller post code" (BT-38) must be transmitted.',
    "BR-DE-5": 'The element "Seller contact point" (BT-41) must be transmitted.',
    "BR-DE-6": 'The element "Seller contact telephone number" (BT-42) must be transmitted.',
    "BR-DE-7": 'The element "Seller contact email address" (BT-43) must be transmitted.',
    "BR-DE-8": 'The element "Buyer city" (BT-52) must be transmitted.',
    "BR-DE-9": 'The element "Buyer post code" (BT-53) must be transmitted.',
    "BR-DE-10": 'The element "Deliver to city" (BT-77) must be transmitted when DELIVER TO '
    "ADDRESS (BG-15) is.",
    "BR-DE-11": 'The element "Deliver to post code" (BT-78) must be transmitted when DELIVER '
    "TO ADDRESS (BG-15) is.",
    "BR-DE-14": 'The element "VAT category rate" (BT-119) must be transmitted.',
    "BR-DE-15": 'The element "Buyer reference" (BT-10) must be transmitted (for German public '
    "buyers, the Leitweg-ID).",
    "BR-DE-16": "When VAT category codes S, Z, E, AE, K, G, L or M are used, at least one of "
    '"Seller VAT identifier" (BT-31), "Seller tax registration identifier" (BT-32) or '
    "SELLER TAX REPRESENTATIVE PARTY (BG-11) must be transmitted.",
    "BR-DE-17": 'The "Invoice type code" (BT-3) should be one of UNTDID 1001 codes 326, 380, '
    "384, 389, 381, 875, 876 or 877.",
    "BR-DE-18": 'Cash discount (Skonto) lines in "Payment terms" (BT-20) must follow the '
    "pattern #SKONTO#TAGE=n#PROZENT=n.nn#[BASISBETRAG=n.nn#].",
    "BR-DE-19": '"Payment account identifier" (BT-84) should be a valid IBAN when "Payment '
    'means type code" (BT-81) is 58 (SEPA credit transfer).',
    "BR-DE-20": '"Debited account identifier" (BT-91) should be a valid IBAN when "Payment '
    'means type code" (BT-81) is 59 (SEPA direct debit).',
    "BR-DE-21": 'The "Specification identifier" (BT-24) should match the identifier of the '
    "XRechnung standard.",
    "BR-DE-22": 'The "filename" attribute of every attached document (BT-125-2) must be unique.',
    "BR-DE-23-a": 'When "Payment means type code" (BT-81) is a credit transfer (30, 58), '
    "CREDIT TRANSFER (BG-17) must be transmitted.",
    "BR-DE-23-b": 'When "Payment means type code" (BT-81) is a credit transfer (30, 58), '
    "BG-18 and BG-19 must not be transmitted.",
    "BR-DE-24-a": 'When "Payment means type code" (BT-81) is a card payment (48, 54, 55), '
    "exactly one PAYMENT CARD INFORMATION (BG-18) must be transmitted.",
    "BR-DE-24-b": 'When "Payment means type code" (BT-81) is a card payment (48, 54, 55), '
    "BG-17 and BG-19 must not be transmitted.",
    "BR-DE-25-a": 'When "Payment means type code" (BT-81) is a direct debit (59), exactly one '
    "DIRECT DEBIT (BG-19) must be transmitted.",
    "BR-DE-25-b": 'When "Payment means type code" (BT-81) is a direct debit (59), BG-17 and '
    "BG-18 must not be transmitted.",
    "BR-DE-26": 'When "Invoice type code" (BT-3) is 384 (corrected invoice), PRECEDING '
    "INVOICE REFERENCE (BG-3) should be given at least once.",
    "BR-DE-27": 'The "Seller contact telephone number" (BT-42) should contain at least three '
    "digits.",
    "BR-DE-28": 'The "Seller contact email address" (BT-43) should contain exactly one @, '
    "with at least two characters on each side, neither a space nor a dot next to it.",
    "BR-DE-30": 'When DIRECT DEBIT (BG-19) is given, "Bank assigned creditor identifier" '
    "(BT-90) must be transmitted.",
    "BR-DE-31": 'When DIRECT DEBIT (BG-19) is given, "Debited account identifier" (BT-91) '
    "must be transmitted.",
    "BR-DE-TMP-32": 'An invoice should state the date of supply: "Actual delivery date" '
    '(BT-72), "Invoicing period" (BG-14) or an "Invoice line period" (BG-26) on every line.',
    "BR-TMP-2": '"External document location" (BT-124) must be an absolute URL with a valid '
    "scheme.",
    "BR-TMP-3": "When the item price base quantity (BT-149) is given on both the gross and the "
    "net price, the values (and their unit, BT-150) must be the same.",
}

# -- location parsing ------------------------------------------------------------------

_STEP = re.compile(
    r"(?:\*:|[\w.-]+:)?([\w.-]+)(?:\[namespace-uri\(\)='[^']*'\])?(?:\[(\d+)\])?"
    r"|@\*\[local-name\(\)='([\w.-]+)'[^\]]*\]|@(?:[\w.-]+:)?([\w.-]+)"
)
_TERM = re.compile(r"\b(B[TG]-\d+)\b")
_LINE_ELEMENTS = ("InvoiceLine", "CreditNoteLine", "IncludedSupplyChainTradeLineItem")


def steps(location: str) -> list[tuple[str, int]]:
    """The (local name, position) steps of an XPath location; attributes are ``@name``.

    >>> steps("/*:Invoice[namespace-uri()='urn:x'][1]/*:InvoiceLine[namespace-uri()='urn:y'][2]/@unitCode")
    [('Invoice', 1), ('InvoiceLine', 2), ('@unitCode', 1)]
    """
    found: list[tuple[str, int]] = []
    for part in location.strip().strip("/").split("/"):
        if not part:
            continue
        match = _STEP.fullmatch(part)
        if match is None:
            continue
        if match.group(3) or match.group(4):
            found.append(("@" + (match.group(3) or match.group(4)), 1))
        else:
            found.append((match.group(1), int(match.group(2) or 1)))
    return found


def _longest(table: dict[str, str], names: list[str]) -> str | None:
    for end in range(len(names), -1, -1):
        term = table.get("/".join(names[:end]))
        if term is not None:
            return term
    return None


def _is_charge(tree: etree._ElementTree | None, path: list[tuple[str, int]]) -> bool:
    """Whether the allowance/charge element at ``path`` is a charge (needs the document)."""
    if tree is None:
        return False
    xpath = "/*" + "".join(f"/*[local-name()='{name}'][{index}]" for name, index in path[1:])
    found = tree.xpath(
        f"string(({xpath})/*[local-name()='ChargeIndicator'][1])"
        if path[-1][0] == "AllowanceCharge"
        else f"string(({xpath})/*[local-name()='ChargeIndicator'][1]/*[1])"
    )
    return str(found).strip() == "true"


def _kind_index(tree: etree._ElementTree | None, path: list[tuple[str, int]], charge: bool) -> int:
    """The 0-based index of an allowance (or charge) among the allowances (or charges) beside it."""
    if tree is None:
        return path[-1][1] - 1
    name, position = path[-1]
    same_kind = 0
    for earlier in range(1, position):
        if _is_charge(tree, [*path[:-1], (name, earlier)]) == charge:
            same_kind += 1
    return same_kind


def _element_term(
    syntax: Syntax, path: list[tuple[str, int]], tree: etree._ElementTree | None
) -> tuple[str | None, dict[str, int]]:
    """The term of the element a location points at, and the list indexes it implies."""
    names = [name for name, _ in path[1:]]  # below the root
    indexes: dict[str, int] = {}
    line_at = next((i for i, n in enumerate(names) if n in _LINE_ELEMENTS), None)
    allowance_name = "AllowanceCharge" if syntax == "ubl" else "SpecifiedTradeAllowanceCharge"
    if line_at is not None:
        indexes["lines"] = path[line_at + 1][1] - 1
        below = names[line_at + 1 :]
        if allowance_name in below:
            at = below.index(allowance_name)
            if syntax == "cii" or at == 0:  # UBL Price/AllowanceCharge is BT-147/148
                cut = line_at + 1 + at + 1
                charge = _is_charge(tree, path[: cut + 1])
                indexes["lines[].allowances" if not charge else "lines[].charges"] = _kind_index(
                    tree, path[: cut + 1], charge
                )
                table = UBL_LINE_ALLOWANCE_TERMS if syntax == "ubl" else CII_LINE_ALLOWANCE_TERMS
                term = _longest(table, below[at + 1 :])
                return (_shift(term, 5) if charge else term), indexes
        table = UBL_LINE_TERMS if syntax == "ubl" else CII_LINE_TERMS
        return _longest(table, below), indexes
    top = names[0] if names else ""
    settlement_allowance = (
        syntax == "cii" and len(names) >= 3 and names[2] == "SpecifiedTradeAllowanceCharge"
    )
    if (syntax == "ubl" and top == "AllowanceCharge") or settlement_allowance:
        at = 0 if syntax == "ubl" else 2
        charge = _is_charge(tree, path[: at + 2])
        key = "charges" if charge else "allowances"
        indexes[key] = _kind_index(tree, path[: at + 2], charge)
        table = UBL_ALLOWANCE_TERMS if syntax == "ubl" else CII_ALLOWANCE_TERMS
        term = _longest(table, names[at + 1 :])
        return (_shift(term, 7) if charge else term), indexes
    for repeated, key in (
        ("TaxSubtotal", "vat_breakdown"),
        ("ApplicableTradeTax", "vat_breakdown"),
        ("Note", "notes"),
        ("IncludedNote", "notes"),
        ("AdditionalDocumentReference", "supporting_documents"),
        ("AdditionalReferencedDocument", "supporting_documents"),
        ("BillingReference", "preceding_invoices"),
        ("InvoiceReferencedDocument", "preceding_invoices"),
        ("PayeeFinancialAccount", "payment.accounts"),
        ("PayeePartyCreditorFinancialAccount", "payment.accounts"),
    ):
        if repeated in names:
            indexes[key] = path[names.index(repeated) + 1][1] - 1
    return _longest(UBL_TERMS if syntax == "ubl" else CII_TERMS, names), indexes


def _shift(term: str | None, offset: int) -> str | None:
    """Allowance term -> charge term (BT-92 -> BT-99, BG-20 -> BG-21, BT-136 -> BT-141)."""
    if term is None:
        return None
    kind, number = term.split("-")
    if kind == "BG":
        return f"BG-{int(number) + 1}"
    return f"BT-{int(number) + offset}"


def _draft_path(term: str, indexes: dict[str, int]) -> str:
    """Fills the list indexes of a term's draft path (``lines[].unit`` -> ``lines[2].unit``).

    >>> _draft_path("BT-136", {"lines": 1, "lines[].allowances": 0})
    'lines[1].allowances[0].amount'
    >>> _draft_path("BT-122", {})
    'supporting_documents[*].id'
    """
    out: list[str] = []
    seen: list[str] = []
    for part in FIELDS[term].split("."):
        if part.endswith("[]"):
            name = part[:-2]
            index = indexes.get(".".join([*seen, name]))
            out.append(f"{name}[{'*' if index is None else index}]")
        elif "[" in part:  # a fixed index: lines[0] of an address
            out.append(part)
        else:
            out.append(part)
        seen.append(part)
    return ".".join(out)


def english(rule_id: str, official: str) -> str:
    """The rule's message in English: the official text, or a translation keyed by rule id."""
    if rule_id in ENGLISH:
        return f"[{rule_id}] {ENGLISH[rule_id]}"
    return official


def locate(
    rule_id: str,
    location: str,
    message: str,
    *,
    syntax: Syntax,
    tree: etree._ElementTree | None = None,
) -> Located:
    """Maps one finding on a rendered draft back to the draft field and the business term.

    Args:
        rule_id: The official rule id (``BR-DE-6``).
        location: The XPath the rule reported.
        message: The official message.
        syntax: ``ubl`` or ``cii``.
        tree: The rendered document, to tell allowances from charges; without it an
            allowance/charge index counts both.

    >>> located = locate("BR-DE-6", "/*:Invoice[namespace-uri()='u'][1]/*:AccountingSupplierParty"
    ...     "[namespace-uri()='c'][1]/*:Party[namespace-uri()='c'][1]", "[BR-DE-6] Das Element ... (BT-42) ...",
    ...     syntax="ubl")
    >>> located.field, located.business_term
    ('seller.contact.phone', 'BT-42')
    """
    path = steps(location)
    element_term, indexes = _element_term(syntax, path, tree) if path else (None, {})
    mentioned = _TERM.search(message)
    term = RULE_TERMS.get(rule_id) or (mentioned.group(1) if mentioned else None) or element_term
    field = _draft_path(term, indexes) if term in FIELDS else None
    return Located(field=field, business_term=term, message=english(rule_id, message))
