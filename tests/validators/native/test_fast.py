"""The Python shortcuts answer exactly as Saxon (the official engine), or not at all.

Saxon, not the Python XPath 2.0 engine, is the judge: the two differ on a
negative zero written as a decimal ("-0.00"), which Saxon orders below 0.
"""

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
    ["-0"],
    ["-0e0"],
    [" -.0 "],
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
    expected = _saxon(expression, tree)
    if expected is None:
        assert decided is None  # Saxon's error: only the engines may say so
        return
    assert decided in (None, expected)
    slow = XPath2Test(expression, NS)
    slow._shortcut = None  # the XPath 2.0 engine alone
    try:
        engine = slow(XPath2Document(tree, NS), tree.getroot())
    except NativeEvaluationError:
        engine = None
    if decided is None and "-0" not in "".join(values).replace(" ", ""):
        assert engine == expected  # what the shortcut leaves to the engine, it answers as Saxon
    if all(v.strip() and v.strip()[0] in "+-0123456789" and "E" not in v for v in values):
        assert decided is not None  # plain values are answered by the shortcut


def _saxon(expression: str, tree: etree._ElementTree) -> bool | None:
    """Saxon's verdict on the expression with the root as context (None: a dynamic error)."""
    from validators.stages.schematron import _lock
    from validators.stages.schematron import _saxon as processor

    with _lock:
        xpath = processor().new_xpath_processor()
        for prefix, uri in NS.items():
            xpath.declare_namespace(prefix, uri)
        document = processor().parse_xml(xml_text=etree.tostring(tree, encoding="unicode"))
        xpath.set_context(xdm_item=document)
        try:
            result = xpath.effective_boolean_value(f"/*/({expression})")
        except Exception:  # noqa: BLE001 - Saxon raises its own API error type
            result = None
        del xpath, document
    return None if result is None else bool(result)


def test_forms_it_does_not_know_have_no_shortcut():
    assert shortcut("(cbc:Percent) > 5", NS) is None  # a double near 5 may round
    assert shortcut("sum(cbc:Percent) > 0", NS) is None
