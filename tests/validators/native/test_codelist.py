"""The Python code-list tests answer as the rule's own XPath test does, or abstain."""

from __future__ import annotations

import pytest
from lxml import etree

from validators import native
from validators.native.codelist import code_test

VALUES = [
    "EUR",
    " EUR",
    "EUR\n",
    "E UR",
    "",
    " ",
    "\u00a0EUR",
    "eur",
    "C62",
    "S",
    "AE",
    "  S  ",
    "0088",
]


def _listed_tests():
    rules = native.native_rules("en16931")
    return [
        (compiled.assertion.rule_id, compiled.assertion.test)
        for _, rs in rules.program.patterns
        for rule in rs
        for _, compiled in rule.listed
    ]


def test_the_code_list_rules_run_in_python():
    assert len(_listed_tests()) >= 15


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_code_test_equals_its_xpath(value):
    for rule_id, test in _listed_tests():
        python = code_test(test)
        assert python is not None
        xpath = etree.XPath(f"boolean({test})")
        for attribute in ("currencyID", "schemeID", "listID", "unitCode", "mimeCode"):
            node = etree.fromstring("<code/>")
            node.text = value
            node.set(attribute, value)
            assert python(node) == xpath(node), (rule_id, value)
        missing = etree.fromstring("<code/>")
        assert python(missing) == xpath(missing), rule_id


def test_a_code_with_markup_inside_is_left_to_xpath():
    for _, test in _listed_tests():
        if "normalize-space(.)" in test:
            assert code_test(test)(etree.fromstring("<code>E<!-- x -->UR</code>")) is None
