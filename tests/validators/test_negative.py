"""Broken documents get the rule id the official rule sets define for the break."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

import validators
from tests.conftest import CORPUS_DIR

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}


def _load(name: str) -> etree._ElementTree:
    path = CORPUS_DIR / "ubl" / "valid" / name
    if not path.is_file():
        pytest.skip(f"corpus file {name} not found")
    return etree.ElementTree(etree.fromstring(path.read_bytes()))


def _fatal_rules(tree: etree._ElementTree) -> set[str]:
    report = validators.validate(etree.tostring(tree), profile="en16931")
    assert not report.valid
    return {f.rule_id for f in report.fatal}


def test_missing_invoice_number_fires_br_02():
    tree = _load("ce-ubl-tc434-example1.xml")
    number = tree.find("cbc:ID", NS)
    number.getparent().remove(number)
    assert "BR-02" in _fatal_rules(tree)


def test_wrong_sum_of_line_net_amounts_fires_br_co_10():
    tree = _load("ce-ubl-tc434-example1.xml")
    total = tree.find("cac:LegalMonetaryTotal/cbc:LineExtensionAmount", NS)
    total.text = str(Decimal(total.text) + Decimal("1.00"))
    assert "BR-CO-10" in _fatal_rules(tree)


def test_unknown_currency_fires_br_cl_04():
    tree = _load("ce-ubl-tc434-example1.xml")
    tree.find("cbc:DocumentCurrencyCode", NS).text = "EUX"
    assert "BR-CL-04" in _fatal_rules(tree)


def test_credit_note_with_unknown_type_code_fires_br_cl_01():
    tree = _load("ce-ubl-tc434-creditnote1.xml")
    tree.find("cbc:CreditNoteTypeCode", NS).text = "380"
    assert "BR-CL-01" in _fatal_rules(tree)


def test_negative_amount_due_on_credit_note_is_inconsistent_with_totals():
    # A credit note states its amounts as positive values; flipping the payable
    # amount's sign breaks the BR-CO-16 equation.
    tree = _load("ce-ubl-tc434-creditnote1.xml")
    payable = tree.find("cac:LegalMonetaryTotal/cbc:PayableAmount", NS)
    payable.text = str(-Decimal(payable.text))
    assert "BR-CO-16" in _fatal_rules(tree)


def test_unknown_root_element_is_an_error_stage_not_a_pass():
    report = validators.validate(b"<Order xmlns='urn:example'/>")
    assert not report.valid
    assert report.results[0].outcome == "error"
    assert "urn:example" in report.not_run[0]["reason"]
