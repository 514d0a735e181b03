"""The exact Decimal forms answer as Saxon does, only where their pinned test text is the official one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from bench.synthetic import invoice_with_lines
from schemas import ubl
from tests.validators.native.differential import (
    disagreeing_rules,
    native_findings,
    official_findings,
    restrict,
)
from validators import native
from validators.native.arithmetic import CAC, CBC, RULE_IDS, exact_form
from validators.native.xpath2 import NativeEvaluationError, XPath2Document

NS = {"cac": CAC, "cbc": CBC}


@pytest.fixture(scope="module")
def rules():
    return native.native_rules("en16931")


def _xpath2_assertions(rules):
    return [c for _, rs in rules.program.patterns for r in rs for c in r.xpath2]


def test_every_xpath2_rule_runs_its_exact_form_or_a_plain_shortcut(rules):
    xpath2 = _xpath2_assertions(rules)
    assert len(xpath2) == 56
    assert all(c.test._shortcut is not None or c.test._exact is not None for c in xpath2)
    pinned = {
        c.assertion.rule_id
        for c in xpath2
        if exact_form(c.assertion.rule_id, c.test.expression, NS)
    }
    # Every pin matches the artifact's text: none is dead code.
    assert pinned == RULE_IDS


def test_a_form_is_not_used_when_the_official_text_changes(rules):
    for c in _xpath2_assertions(rules):
        if c.assertion.rule_id in RULE_IDS:
            assert exact_form(c.assertion.rule_id, c.test.expression + " or true()", NS) is None
            assert exact_form(c.assertion.rule_id, "  " + c.test.expression + "\n", NS) is not None
            assert (
                exact_form(c.assertion.rule_id, c.test.expression, {**NS, "cbc": "urn:x"}) is None
            )


def _invoice(lines: int = 3) -> etree._Element:
    return etree.fromstring(ubl.render(invoice_with_lines(lines)))


def _set(root: etree._Element, path: str, value: str) -> None:
    """Sets the text of the elements at ``path``; ``offset:N`` adds N to their value."""
    found = root.xpath(path, namespaces=NS)
    assert found, path
    for element in found:
        if value.startswith("offset:"):
            element.text = str(Decimal(element.text) + Decimal(value.removeprefix("offset:")))
        else:
            element.text = value


EDGES = [
    # BR-CO-10/13/15/16: line and document totals
    ("cac:LegalMonetaryTotal/cbc:LineExtensionAmount", "+0.5"),
    ("cac:LegalMonetaryTotal/cbc:LineExtensionAmount", " 1e2 "),
    ("cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", "-0.00"),
    ("cac:LegalMonetaryTotal/cbc:PayableAmount", "12345678901234567890.5"),
    ("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "0.12345678901"),
    ("cac:InvoiceLine[1]/cbc:LineExtensionAmount", "\n 7.005\t"),
    ("cac:InvoiceLine[2]/cbc:LineExtensionAmount", "abc"),
    # BR-S-08/09, BR-CO-14/17: the VAT breakdown (the TaxableAmount +-1 goes through a double)
    ("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "-2.5"),
    ("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "100.10"),
    # exactly one unit off: xs:decimal(xs:double(x) - 1) is the binary value, not x - 1
    ("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "offset:1"),
    ("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "offset:-1"),
    ("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "offset:0.99"),
    ("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", "5."),
    ("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent", ".5"),
    ("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent", "19.0000000001"),
    ("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID", " S "),
    ("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cac:TaxScheme/cbc:ID", "vat"),
    ("cac:InvoiceLine[1]/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", "19.00"),
    ("cac:InvoiceLine[1]/cac:Item/cac:ClassifiedTaxCategory/cbc:ID", "Z"),
    ("cac:TaxTotal/cbc:TaxAmount", "NaN"),
    ("cbc:DocumentCurrencyCode", " EUR"),
]


@pytest.mark.parametrize(("path", "value"), EDGES, ids=[f"{p}={v!r}" for p, v in EDGES])
def test_native_equals_official_on_the_edges_of_the_decimal_forms(rules, path, value):
    root = _invoice()
    _set(root, path, value)
    data = etree.tostring(root)
    try:
        official = restrict(official_findings(data), rules.rule_ids)
    except Exception:  # noqa: BLE001 - a dynamic error: Saxon judges nothing
        official = None
    try:
        ours = native_findings(data, rules.program, rules.official.namespaces)
    except NativeEvaluationError:
        ours = None
    if ours is None:  # refused natively: the gateway hands it to Saxon
        return
    assert official is not None, "native judged a document Saxon refuses"
    assert official == ours, sorted(disagreeing_rules(official, ours))


def test_a_form_abstains_outside_the_plain_case_and_answers_inside_it(rules):
    by_id = {c.assertion.rule_id: c for c in _xpath2_assertions(rules)}
    root = _invoice()
    totals = root.find(f"{{{CAC}}}LegalMonetaryTotal")
    form = exact_form("BR-CO-10", by_id["BR-CO-10"].test.expression, NS)
    assert form is not None
    assert form(totals, {}) is True
    line_total = totals.find(f"{{{CBC}}}LineExtensionAmount")
    line_total.text = "1E2"
    assert form(totals, {}) is None  # the XPath 2.0 engine decides (Saxon raises)
    line_total.text = "0.01"
    assert form(totals, {}) is False
    with pytest.raises(NativeEvaluationError):
        line_total.text = "x"
        by_id["BR-CO-10"].test(XPath2Document(etree.ElementTree(root), NS), totals)
