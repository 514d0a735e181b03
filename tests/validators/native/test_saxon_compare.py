"""The native rules' general comparisons of an untyped value with a number, judged by Saxon."""

from __future__ import annotations

import itertools

import pytest
from elementpath import XPathContext
from lxml import etree
from saxonche import PySaxonApiError, PySaxonProcessor

from validators.native.saxon_compare import SaxonXPath2Parser

TEXTS = [
    "NaN",
    "INF",
    "-INF",
    "+INF",
    "1E400",
    "-1e-400",
    "-0",
    "-0.00",
    "-0e0",
    "0",
    " 7 ",
    "12.5",
    "1e1",
    "0000000000012",
    "9999999999",
    "-0000000000",
    "12345678901",
    "-.5",
    "0.30000000000000001",
    "x",
]
NUMBERS = ["0", "0.0", "1.5", "12", "-1", "1e1", "0.3", "xs:double('NaN')", "xs:double('-0')"]
OPERATORS = ["=", "!=", "<", "<=", ">", ">="]


def _saxon(processor, text: str, expressions: list[str]) -> list[bool | None]:
    xpath = processor.new_xpath_processor()
    xpath.set_context(xdm_item=processor.parse_xml(xml_text=f"<r><v>{text}</v></r>"))
    answers: list[bool | None] = []
    for expression in expressions:
        try:
            answers.append(xpath.evaluate_single(expression).boolean_value)
        except PySaxonApiError:
            answers.append(None)  # a dynamic error (FORG0001: not a double)
    return answers


def _native(text: str, expressions: list[str]) -> list[bool | None]:
    root = etree.fromstring(f"<r><v>{text}</v></r>")
    parser = SaxonXPath2Parser()
    answers: list[bool | None] = []
    for expression in expressions:
        try:
            answers.append(bool(parser.parse(expression).evaluate(XPathContext(root))))
        except Exception:  # noqa: BLE001 - elementpath's error for what Saxon refuses
            answers.append(None)
    return answers


@pytest.fixture(scope="module")
def processor():
    with PySaxonProcessor(license=False) as found:
        yield found


@pytest.mark.parametrize("text", TEXTS)
def test_untyped_compared_with_a_number_as_saxon_compares(processor, text):
    expressions = [
        f"(/r/v) {op} {number}" if flipped else f"{number} {op} (/r/v)"
        for op, number, flipped in itertools.product(OPERATORS, NUMBERS, [True, False])
    ]
    saxon = _saxon(processor, text, expressions)
    native = _native(text, expressions)
    differing = [(e, s, n) for e, s, n in zip(expressions, saxon, native, strict=True) if s != n]
    assert differing == []


def test_the_cases_that_made_the_native_rules_disagree():
    # Found by the differential fuzzing: BR-27 on a price "NaN", on "-0.00".
    assert _native("NaN", ["(/r/v) >= 0", "(/r/v) = 0"]) == [True, False]
    assert _native("-0.00", ["(/r/v) >= 0", "(/r/v) < 0"]) == [False, True]
    assert _native("-0", ["(/r/v) = 0"]) == [True]
