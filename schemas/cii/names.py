"""UN/CEFACT CII D16B namespaces, the names several business groups share, and the codes of the binding."""

from __future__ import annotations

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"

NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
NAMESPACES = NSMAP

# Names several groups use.
ID = "ram:ID"
GLOBAL_ID = "ram:GlobalID"
NAME = "ram:Name"
DESCRIPTION = "ram:Description"
TYPE_CODE = "ram:TypeCode"
CATEGORY_CODE = "ram:CategoryCode"
RATE = "ram:RateApplicablePercent"
BASIS_AMOUNT = "ram:BasisAmount"
ISSUER_ID = "ram:IssuerAssignedID"
REFERENCE_TYPE = "ram:ReferenceTypeCode"
LINE_ID = "ram:LineID"
BUYER_ORDER = "ram:BuyerOrderReferencedDocument"
ADDITIONAL_DOCUMENT = "ram:AdditionalReferencedDocument"
ACCOUNTING = "ram:ReceivableSpecifiedTradeAccountingAccount/" + ID
NOTE = "ram:IncludedNote"
NOTE_CONTENT = "ram:Content"
POSTAL_ADDRESS = "ram:PostalTradeAddress"
TRADE_TAX = "ram:ApplicableTradeTax"
PERIOD = "ram:BillingSpecifiedPeriod"
CHARGE_AMOUNT = "ram:ChargeAmount"
ACTUAL_AMOUNT = "ram:ActualAmount"
SCHEME_ID = "schemeID"

DATE_FORMAT = "102"  # CCYYMMDD
DATE_TIME_STRING = "udt:DateTimeString"
QUALIFIED_DATE_TIME_STRING = "qdt:DateTimeString"
DATE_STRING = "udt:DateString"
INDICATOR = "ram:ChargeIndicator/udt:Indicator"

# ram:AdditionalReferencedDocument/ram:TypeCode values of the binding.
SUPPORTING_DOCUMENT_CODE = "916"  # BG-24
TENDER_CODE = "50"  # BT-17
INVOICED_OBJECT_CODE = "130"  # BT-18 (header) and BT-128 (line)

# ram:SpecifiedTaxRegistration/ram:ID/@schemeID: VAT identifier and local tax number.
VAT = "VAT"
VAT_SCHEME = "VA"
TAX_NUMBER_SCHEME = "FC"

# BT-11 lives in ram:SpecifiedProcuringProject, which requires a name.
PROJECT_NAME = "Project reference"

# BT-8: the semantic model uses UNTDID 2005 (3 invoice date, 35 delivery date,
# 432 paid to date); CII's DueDateTypeCode uses UNTDID 2475 (5, 29, 72).
TAX_POINT_CODES_TO_CII = {"3": "5", "35": "29", "432": "72"}
TAX_POINT_CODES_FROM_CII = {v: k for k, v in TAX_POINT_CODES_TO_CII.items()}
