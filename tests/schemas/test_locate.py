"""schemas.locate: official locations back to draft fields, for both syntaxes."""

from __future__ import annotations

from lxml import etree

from schemas.locate import FIELDS, locate, steps

UBL = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


def _ubl_path(*parts: tuple[str, str, int]) -> str:
    return "".join(f"/*:{name}[namespace-uri()='{ns}'][{index}]" for name, ns, index in parts)


def test_line_and_attribute_locations_give_the_line_index():
    location = _ubl_path(("Invoice", UBL, 1), ("InvoiceLine", CAC, 3), ("InvoicedQuantity", CBC, 1))
    located = locate("BR-CL-23", location + "/@unitCode", "Unit code MUST be ...", syntax="ubl")
    assert (located.field, located.business_term) == ("lines[2].unit", "BT-130")


def test_document_allowances_and_charges_are_told_apart_with_the_document():
    document = etree.ElementTree(
        etree.fromstring(
            f'<Invoice xmlns="{UBL}" xmlns:cac="{CAC}" xmlns:cbc="{CBC}">'
            "<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator></cac:AllowanceCharge>"
            "<cac:AllowanceCharge><cbc:ChargeIndicator>true</cbc:ChargeIndicator></cac:AllowanceCharge>"
            "<cac:AllowanceCharge><cbc:ChargeIndicator>true</cbc:ChargeIndicator></cac:AllowanceCharge>"
            "</Invoice>"
        )
    )
    third = _ubl_path(("Invoice", UBL, 1), ("AllowanceCharge", CAC, 3), ("Amount", CBC, 1))
    located = locate("BR-33", third, "", syntax="ubl", tree=document)
    assert (located.field, located.business_term) == ("charges[1].amount", "BT-99")
    first = _ubl_path(
        ("Invoice", UBL, 1), ("AllowanceCharge", CAC, 1), ("AllowanceChargeReasonCode", CBC, 1)
    )
    located = locate("BR-CL-19", first, "", syntax="ubl", tree=document)
    assert (located.field, located.business_term) == ("allowances[0].reason_code", "BT-98")


def test_german_messages_get_english_text_and_keep_the_rule_id():
    located = locate(
        "BR-DE-15",
        "/*:Invoice[1]",
        '[BR-DE-15] Das Element "Buyer reference" (BT-10) muss übermittelt werden.',
        syntax="ubl",
    )
    assert located.message.startswith("[BR-DE-15] The element")
    assert located.field == "buyer_reference"


def test_cii_locations():
    location = (
        "/*:CrossIndustryInvoice[1]/*:SupplyChainTradeTransaction[1]/*:ApplicableHeaderTradeAgreement[1]"
        "/*:SellerTradeParty[1]/*:DefinedTradeContact[1]/*:TelephoneUniversalCommunication[1]/*:CompleteNumber[1]"
    )
    located = locate("X", location, "", syntax="cii")
    assert (located.field, located.business_term) == ("seller.contact.phone", "BT-42")


def test_every_mapped_term_has_a_draft_field_of_the_contract():
    from schemas.model import InvoiceDraft

    top = set(InvoiceDraft.model_fields) | {"tax_currency"}
    for term, path in FIELDS.items():
        assert path.split(".")[0].split("[")[0] in top, (term, path)


def test_steps_read_both_location_styles():
    assert steps("/Invoice/cac:InvoiceLine[2]/cbc:ID") == [
        ("Invoice", 1),
        ("InvoiceLine", 2),
        ("ID", 1),
    ]
