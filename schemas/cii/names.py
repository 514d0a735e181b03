"""UN/CEFACT Cross Industry Invoice D16B namespaces and the codes the EN 16931 CII binding uses."""

from __future__ import annotations

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"

NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}

DATE_FORMAT = "102"  # CCYYMMDD

# ram:AdditionalReferencedDocument/ram:TypeCode values of the binding.
SUPPORTING_DOCUMENT_CODE = "916"  # BG-24
TENDER_CODE = "50"  # BT-17
INVOICED_OBJECT_CODE = "130"  # BT-18 (header) and BT-128 (line)

# ram:SpecifiedTaxRegistration/ram:ID/@schemeID: VAT identifier and local tax number.
VAT_SCHEME = "VA"
TAX_NUMBER_SCHEME = "FC"

# BT-11 lives in ram:SpecifiedProcuringProject, which requires a name.
PROJECT_NAME = "Project reference"

# BT-8: the semantic model uses UNTDID 2005 (3 invoice date, 35 delivery date,
# 432 paid to date); CII's DueDateTypeCode uses UNTDID 2475 (5, 29, 72).
TAX_POINT_CODES_TO_CII = {"3": "5", "35": "29", "432": "72"}
TAX_POINT_CODES_FROM_CII = {v: k for k, v in TAX_POINT_CODES_TO_CII.items()}
