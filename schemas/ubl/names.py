"""UBL 2.1 namespaces, the names several business groups share, and the codes of the binding (OASIS UBL 2.1)."""

from __future__ import annotations

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
EXT = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"

NAMESPACES = {"cac": CAC, "cbc": CBC, "ext": EXT}

# Names several groups use.
ID = "cbc:ID"
NAME = "cbc:Name"
AMOUNT = "cbc:Amount"
BASE_AMOUNT = "cbc:BaseAmount"
CHARGE_INDICATOR = "cbc:ChargeIndicator"
ALLOWANCE_CHARGE = "cac:AllowanceCharge"
PERIOD = "cac:InvoicePeriod"
START_DATE = "cbc:StartDate"
END_DATE = "cbc:EndDate"
DOCUMENT_TYPE_CODE = "cbc:DocumentTypeCode"
TAX_SCHEME_ID = "cac:TaxScheme/cbc:ID"
PERCENT = "cbc:Percent"
LINE_EXTENSION_AMOUNT = "cbc:LineExtensionAmount"
ACCOUNTING_COST = "cbc:AccountingCost"
NOTE = "cbc:Note"
ISSUE_DATE = "cbc:IssueDate"
DESCRIPTION_CODE = "cbc:DescriptionCode"

# BT-18 invoiced object and BT-128 line object are document references with this
# UNTDID 1001 code; BT-11 project reference of a CreditNote (which has no
# ProjectReference element) is one with code 50.
INVOICED_OBJECT_CODE = "130"
PROJECT_REFERENCE_CODE = "50"

# BT-90 (bank assigned creditor identifier) is a seller or payee party identifier
# with this scheme.
CREDITOR_ID_SCHEME = "SEPA"

# BT-14 without BT-13: UBL requires an order reference ID, which EN 16931 fills with "NA".
NOT_APPLICABLE = "NA"

VAT = "VAT"
