"""Accept what EN 16931 accepts, and never lose a term silently (issue 9.4)."""

from __future__ import annotations

from decimal import Decimal

import pytest

import validators
from schemas import cii, ubl
from schemas.model import Invoice
from tests.factories import full_invoice, full_invoice_data


def _without_payment_means() -> Invoice:
    data = full_invoice_data()
    data["payment"] = {"remittance_information": "REF-4711", "terms": "30 days net"}
    return Invoice.model_validate(data)


def test_ubl_render_reports_remittance_information_it_cannot_carry():
    invoice = _without_payment_means()
    rendered = ubl.render_with_report(invoice)
    assert rendered.document == ubl.render(invoice)  # the plain render is unchanged
    assert [(d.field, d.business_term) for d in rendered.dropped] == [
        ("payment.remittance_information", "BT-83")
    ]
    assert "BT-81" in rendered.dropped[0].reason
    assert "REF-4711" not in str(rendered.dropped)  # the value itself is not repeated
    assert ubl.parse(rendered.document).payment.remittance_information is None


def test_cii_carries_remittance_information_without_payment_means():
    invoice = _without_payment_means()
    rendered = cii.render_with_report(invoice)
    assert rendered.dropped == ()
    assert cii.parse(rendered.document).payment.remittance_information == "REF-4711"
    # ... and the cross-syntax render from that CII document says what UBL loses.
    assert [
        d.business_term for d in ubl.render_with_report(cii.parse(rendered.document)).dropped
    ] == ["BT-83"]


@pytest.mark.parametrize("module", [ubl, cii])
def test_a_full_invoice_loses_nothing(module):
    assert module.render_with_report(full_invoice()).dropped == ()


def test_empty_attachment_keeps_mime_code_and_filename_through_ubl(artifacts_dir):
    source = cii.render(full_invoice()).replace(b">aGVsbG8gd29ybGQ=<", b"><")
    invoice = cii.parse(source)
    attachment = invoice.supporting_documents[0].attachment
    assert attachment is not None and attachment.content == b""
    rendered = ubl.render_with_report(invoice)
    assert rendered.dropped == ()
    again = ubl.parse(rendered.document).supporting_documents[0].attachment
    assert again is not None
    assert (again.mime_code, again.filename, again.content) == ("text/csv", "timesheet.csv", b"")
    assert b'mimeCode="text/csv"' in rendered.document
    assert validators.validate(rendered.document, profile="en16931").valid


@pytest.mark.parametrize("percentage", ["-10", "150"])
def test_allowance_percentage_is_not_bounded(percentage):
    data = full_invoice_data()
    data["allowances"][0]["percentage"] = percentage
    invoice = Invoice.model_validate(data)
    assert invoice.allowances[0].percentage == Decimal(percentage)
    xml = cii.render(invoice)
    assert f"<ram:CalculationPercent>{percentage}</ram:CalculationPercent>".encode() in xml
    assert cii.parse(xml) == invoice
    assert ubl.parse(ubl.render(invoice)) == invoice


def _cii_with_buyer_ids(ids: bytes) -> bytes:
    source = cii.render(full_invoice())
    start = source.index(b"<ram:BuyerTradeParty>") + len(b"<ram:BuyerTradeParty>")
    end = source.index(b"<ram:Name>", start)
    return source[:start] + ids + source[end:]


def test_cii_buyer_with_both_id_and_global_id_keeps_one_and_reports_the_other(artifacts_dir):
    xml = _cii_with_buyer_ids(
        b"<ram:ID>B-LOCAL-1</ram:ID><ram:GlobalID schemeID='0088'>7300010000001</ram:GlobalID>"
    )
    assert validators.validate(xml, profile="en16931").valid  # what the official rules accept
    parsed = cii.parse_document(xml)
    assert [(i.value, i.scheme) for i in parsed.invoice.buyer.identifiers] == [
        ("7300010000001", "0088")
    ]
    assert len(parsed.unmapped) == 1
    assert parsed.unmapped[0].path.endswith("BuyerTradeParty/ram:ID")
    assert "BT-46" in parsed.unmapped[0].reason


def test_cii_seller_keeps_both_id_and_global_id_as_bt_29():
    source = cii.render(full_invoice())
    xml = source.replace(
        b"<ram:SellerTradeParty>", b"<ram:SellerTradeParty><ram:ID>S-LOCAL-1</ram:ID>", 1
    )
    parsed = cii.parse_document(xml)
    assert parsed.unmapped == ()
    assert {i.value for i in parsed.invoice.seller.identifiers} == {"S-LOCAL-1", "4000001000005"}


def test_ubl_buyer_with_two_identifiers_keeps_the_first_and_reports_the_second():
    source = ubl.render(full_invoice())
    marker = b'<cac:PartyIdentification>\n        <cbc:ID schemeID="0088">7300010000001</cbc:ID>\n      </cac:PartyIdentification>'
    assert marker in source
    xml = source.replace(
        marker,
        marker + b"<cac:PartyIdentification><cbc:ID>B-2</cbc:ID></cac:PartyIdentification>",
        1,
    )
    parsed = ubl.parse_document(xml)
    assert [i.value for i in parsed.invoice.buyer.identifiers] == ["7300010000001"]
    assert len(parsed.unmapped) == 1 and "BT-46" in parsed.unmapped[0].reason
