"""The XPath 2.0 engine of the native rules (elementpath), where it could differ from Saxon."""

from __future__ import annotations

import locale

import pytest
from lxml import etree

from validators.native.xpath2 import CODEPOINT_COLLATION, XPath2Document, XPath2Test

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


def test_xpath2_tests_compare_by_codepoint_whatever_the_locale():
    previous = locale.setlocale(locale.LC_COLLATE, None)
    try:
        # Saxon sets C.UTF-8; elementpath used to read LC_COLLATE when a parser was made,
        # and then contains() raised locale.Error instead of answering.
        locale.setlocale(locale.LC_COLLATE, "C.UTF-8")
        test = XPath2Test("contains(cbc:Note, 'b')", {"cbc": CBC})
    finally:
        locale.setlocale(locale.LC_COLLATE, previous)
    assert test._token.parser.default_collation == CODEPOINT_COLLATION
    root = etree.fromstring(f"<r xmlns:cbc='{CBC}'><cbc:Note>abc</cbc:Note></r>")
    tree = etree.ElementTree(root)
    assert test(XPath2Document(tree, {"cbc": CBC}), root) is True


def test_year_zero_is_a_date_as_in_saxon():
    # Saxon 12 casts by XSD 1.1 rules (year 0000 is 1 BCE); elementpath's default is
    # XSD 1.0, under which Peppol's F001 fired natively on a date Saxon accepts.
    test = XPath2Test("string(cbc:IssueDate) castable as xs:date", {"cbc": CBC})
    for text, castable in [("0000-01-01", True), ("-0001-12-31", True), ("2024-02-30", False)]:
        root = etree.fromstring(f"<r xmlns:cbc='{CBC}'><cbc:IssueDate>{text}</cbc:IssueDate></r>")
        document = XPath2Document(etree.ElementTree(root), {"cbc": CBC})
        assert test(document, root) is castable, text


@pytest.mark.slow  # builds the Peppol program (seconds), as tests/validators/native/test_peppol.py
def test_peppol_date_format_rule_accepts_year_zero_as_saxon_does():
    from tests.conftest import ARTIFACTS_DIR, require_dir

    require_dir(ARTIFACTS_DIR / "peppol-bis-3", "the Peppol BIS 3 rule sets")
    from validators import native

    program = native.native_rules("peppol-bis-3").program  # type: ignore[union-attr]
    dates = {"0000-01-01": [], "2024-1-01": ["PEPPOL-EN16931-F001"]}
    for text, expected in dates.items():
        root = etree.fromstring(
            "<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2' "
            f"xmlns:cbc='{CBC}'><cbc:IssueDate>{text}</cbc:IssueDate></Invoice>"
        )
        fired = [a.rule_id for a, _ in program.run(etree.ElementTree(root))]
        assert [r for r in fired if r == "PEPPOL-EN16931-F001"] == expected, text
