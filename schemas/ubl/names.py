"""UBL 2.1 namespaces and the root names of Invoice and CreditNote (OASIS UBL 2.1)."""

from __future__ import annotations

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
EXT = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"


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
