"""One reading of the document: every value is read as XPath ``string()`` reads it (issue 9.1).

A comment or processing instruction inside a value is invisible to the official
rules and to the signature's canonical form; the parsers must not cut the value
at it. Content the model does not read is reported as unmapped.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from schemas import cii, ubl
from schemas.parsed import string_value
from tests.factories import full_invoice


def _ubl() -> bytes:
    return ubl.render(full_invoice())


def _cii() -> bytes:
    return cii.render(full_invoice())


@pytest.mark.parametrize(
    ("inside", "expected"),
    [
        ("A<!---->-1", "A-1"),
        ("A<?egw split?>-1", "A-1"),
        ("<!-- lead -->A<!--x-->-<?p?>1<!-- trail -->", "A-1"),
        ("<![CDATA[A]]><!---->&#45;1", "A-1"),
    ],
)
def test_string_value_is_all_text_without_comments_and_instructions(inside, expected):
    assert string_value(etree.fromstring(f"<ID>{inside}</ID>")) == expected


def test_ubl_number_and_amount_due_are_read_whole():
    xml = (
        _ubl()
        .replace(b"<cbc:ID>INV-FULL-1</cbc:ID>", b"<cbc:ID>INV<!---->-FULL-1</cbc:ID>", 1)
        .replace(
            b'<cbc:PayableAmount currencyID="EUR">',
            b'<cbc:PayableAmount currencyID="EUR">1<!---->',
            1,
        )
    )
    original = ubl.parse(_ubl())
    parsed = ubl.parse_document(xml)
    assert parsed.invoice.number == "INV-FULL-1"
    assert parsed.invoice.totals.amount_due == Decimal("1" + str(original.totals.amount_due))
    assert parsed.unmapped == ()


def test_cii_number_and_amount_due_are_read_whole():
    xml = (
        _cii()
        .replace(b"<ram:ID>INV-FULL-1</ram:ID>", b"<ram:ID>INV<?pi x?>-FULL-1</ram:ID>", 1)
        .replace(b"<ram:DuePayableAmount>", b"<ram:DuePayableAmount>1<!---->", 1)
    )
    original = cii.parse(_cii())
    parsed = cii.parse_document(xml)
    assert parsed.invoice.number == "INV-FULL-1"
    assert parsed.invoice.totals.amount_due == Decimal("1" + str(original.totals.amount_due))
    assert parsed.unmapped == ()


def test_comments_in_identifiers_codes_dates_and_attachments_change_nothing():
    source = _ubl()
    xml = (
        source.replace(b"<cbc:IssueDate>2026-11-01", b"<cbc:IssueDate>2026-<!---->11-01", 1)
        .replace(b"<cbc:DocumentCurrencyCode>EUR", b"<cbc:DocumentCurrencyCode>E<!---->UR", 1)
        .replace(b'schemeID="0088">4000001', b'schemeID="0088">4000<!---->001', 1)
    )
    root = etree.fromstring(xml)
    # A comment in the middle of base64 content, and one in a quantity.
    binary = root.xpath("//*[local-name()='EmbeddedDocumentBinaryObject']")[0]
    text = binary.text
    binary.text = text[:4]
    comment = etree.Comment("split")
    comment.tail = text[4:]
    binary.insert(0, comment)
    quantity = root.xpath("//*[local-name()='InvoicedQuantity']")[0]
    quantity.text, tail = quantity.text[:1], quantity.text[1:]
    instruction = etree.ProcessingInstruction("egw", "x")
    instruction.tail = tail
    quantity.insert(0, instruction)
    assert ubl.parse(etree.tostring(root)) == ubl.parse(source)


def test_an_element_inside_a_value_belongs_to_the_value_not_to_the_unmapped_list():
    # Not schema-valid, but string() reads it so: the value and the report must agree.
    xml = _ubl().replace(
        b"<cbc:ID>INV-FULL-1</cbc:ID>", b"<cbc:ID>INV-<x xmlns='urn:x'>FULL</x>-1</cbc:ID>", 1
    )
    parsed = ubl.parse_document(xml)
    assert parsed.invoice.number == "INV-FULL-1"
    assert parsed.unmapped == ()


def test_a_signature_object_is_reported_and_never_read_as_invoice_content():
    root = etree.fromstring(_ubl())
    ds = "http://www.w3.org/2000/09/xmldsig#"
    ext = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
    extensions = etree.Element(f"{{{ext}}}UBLExtensions")
    content = etree.SubElement(
        etree.SubElement(extensions, f"{{{ext}}}UBLExtension"), f"{{{ext}}}ExtensionContent"
    )
    signature_object = etree.SubElement(
        etree.SubElement(content, f"{{{ds}}}Signature"), f"{{{ds}}}Object"
    )
    # A forged number and amount where no signature covers them.
    forged = etree.fromstring(
        _ubl().replace(b"INV-FULL-1", b"FORGED-9"),
    )
    signature_object.append(forged)
    root.insert(0, extensions)
    parsed = ubl.parse_document(etree.tostring(root))
    assert parsed.invoice == ubl.parse(_ubl())
    assert len(parsed.unmapped) == 1
    assert parsed.unmapped[0].path.endswith("UBLExtensions")
    assert "signature" in parsed.unmapped[0].reason.lower()


def test_a_signature_outside_the_extensions_is_reported_as_not_invoice_content():
    ds = "http://www.w3.org/2000/09/xmldsig#"
    root = etree.fromstring(_cii())
    signature = etree.SubElement(root, f"{{{ds}}}Signature")
    etree.SubElement(signature, f"{{{ds}}}Object").text = "INV-FORGED"
    parsed = cii.parse_document(etree.tostring(root))
    assert parsed.invoice == cii.parse(_cii())
    assert len(parsed.unmapped) == 1
    assert parsed.unmapped[0].path.endswith("Signature")
    assert "signature" in parsed.unmapped[0].reason.lower()
