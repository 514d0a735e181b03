"""UBL 2.1 binding: determinism, CreditNote names, every business term both ways."""

from __future__ import annotations

import pytest
from lxml import etree

import validators
from schemas import ubl
from schemas.errors import ParseError, XmlInputError
from schemas.model import Invoice
from schemas.ubl.names import CBC, CREDIT_NOTE_NS, INVOICE_NS
from tests.factories import full_invoice, full_invoice_data


def test_render_is_deterministic():
    invoice = full_invoice()
    assert ubl.render(invoice) == ubl.render(full_invoice())


@pytest.mark.parametrize("type_code", ["380", "381", "396", "384"])
def test_full_invoice_is_valid_and_parses_back_equal(type_code):
    invoice = full_invoice(type_code=type_code)
    xml = ubl.render(invoice)
    report = validators.validate(xml, profile="en16931")
    assert report.valid, [(f.rule_id, f.message) for f in report.fatal]
    parsed = ubl.parse_document(xml)
    assert parsed.invoice == invoice
    assert parsed.unmapped == ()


def test_credit_note_uses_its_own_element_names():
    root = etree.fromstring(ubl.render(full_invoice(type_code="381")))
    assert root.tag == f"{{{CREDIT_NOTE_NS}}}CreditNote"
    assert root.find(f"{{{CBC}}}CreditNoteTypeCode").text == "381"
    assert root.find(f"{{{CBC}}}DueDate") is None  # BT-9 sits in PaymentMeans
    assert root.xpath("count(//*[local-name()='CreditNoteLine'])") == 2
    assert root.xpath("count(//*[local-name()='CreditedQuantity'])") == 2


def test_invoice_root_and_profile_identifiers():
    root = etree.fromstring(ubl.render(full_invoice(), profile="peppol-bis-3"))
    assert root.tag == f"{{{INVOICE_NS}}}Invoice"
    assert root.findtext(f"{{{CBC}}}CustomizationID").endswith("poacc:billing:3.0")
    assert root.findtext(f"{{{CBC}}}ProfileID") == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


def test_amounts_are_plain_decimals_with_currency():
    data = full_invoice_data()
    data["lines"][1]["quantity"] = "1E+0"
    xml = ubl.render(Invoice.model_validate(data))
    assert b"E+" not in xml
    root = etree.fromstring(xml)
    amounts = root.xpath("//cbc:PayableAmount", namespaces={"cbc": CBC})
    assert amounts[0].get("currencyID") == "EUR"


def test_missing_business_term_is_a_parse_error_naming_it():
    xml = ubl.render(full_invoice()).replace(b"<cbc:ID>INV-FULL-1</cbc:ID>", b"")
    with pytest.raises(ParseError) as caught:
        ubl.parse(xml)
    assert any(p.field == "number" for p in caught.value.problems)


def test_non_ubl_and_hostile_documents_are_refused():
    with pytest.raises(ParseError):
        ubl.parse(b"<Order xmlns='urn:x'/>")
    with pytest.raises(XmlInputError):
        ubl.parse(b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>')


def test_extension_content_is_reported_not_dropped():
    xml = ubl.render(full_invoice()).replace(
        b"<cbc:CustomizationID>",
        b'<ext:UBLExtensions xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2">'
        b"<ext:UBLExtension><ext:ExtensionContent><x xmlns='urn:x'/></ext:ExtensionContent></ext:UBLExtension>"
        b"</ext:UBLExtensions><cbc:CustomizationID>",
        1,
    )
    parsed = ubl.parse_document(xml)
    assert [u.path for u in parsed.unmapped] == ["/*/ext:UBLExtensions"] or parsed.unmapped[
        0
    ].path.endswith("UBLExtensions")
    assert "extension" in parsed.unmapped[0].reason.lower()
