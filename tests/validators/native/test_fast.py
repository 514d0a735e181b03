"""The Python shortcuts answer exactly as the XPath 2.0 engine, or not at all."""

from __future__ import annotations

import pytest
from lxml import etree

from validators.native.fast import shortcut
from validators.native.xpath2 import NativeEvaluationError, XPath2Document, XPath2Test

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
TESTS = [
    "(cbc:Percent) > 0",
    "(cbc:Percent) >= 0",
    "(xs:decimal(cbc:Percent) = 0)",
    "(cac:Price/cac:AllowanceCharge/cbc:BaseAmount) >= 0 or not(exists(cac:Price/cac:AllowanceCharge/cbc:BaseAmount))",
]
VALUES = [
    [],
    ["0"],
    ["-0.00"],
    ["12.5"],
    [" 7 "],
    ["-3"],
    ["0", "1"],
    ["-1", "-2"],
    ["1E2"],
    ["abc"],
    [""],
    ["+4."],
]


def _document(values: list[str]) -> etree._ElementTree:
    cbc, cac = NS["cbc"], NS["cac"]
    root = etree.Element(f"{{{cac}}}Line", nsmap=NS)
    for value in values:
        etree.SubElement(root, f"{{{cbc}}}Percent").text = value
        price = etree.SubElement(root, f"{{{cac}}}Price")
        charge = etree.SubElement(price, f"{{{cac}}}AllowanceCharge")
        etree.SubElement(charge, f"{{{cbc}}}BaseAmount").text = value
    return etree.ElementTree(root)


@pytest.mark.parametrize("expression", TESTS)
@pytest.mark.parametrize("values", VALUES, ids=repr)
def test_a_shortcut_agrees_with_the_xpath2_engine_or_abstains(expression, values):
    fast = shortcut(expression, NS)
    assert fast is not None
    tree = _document(values)
    decided = fast(tree.getroot())
    slow = XPath2Test(expression, NS)
    slow._shortcut = None  # the XPath 2.0 engine alone
    try:
        expected = slow(XPath2Document(tree, NS), tree.getroot())
    except NativeEvaluationError:
        assert decided is None  # Saxon's error: only the engine may say so
        return
    assert decided in (None, expected)
    if all(v.strip() and v.strip()[0] in "+-0123456789" and "E" not in v for v in values):
        assert decided is not None  # plain values are answered by the shortcut


def test_forms_it_does_not_know_have_no_shortcut():
    assert shortcut("(cbc:Percent) > 5", NS) is None  # a double near 5 may round
    assert shortcut("sum(cbc:Percent) > 0", NS) is None
