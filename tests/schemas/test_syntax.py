"""One syntax dispatch: schemas.syntax picks a binding by name or by the document (issue 16.3)."""

from __future__ import annotations

import pytest

from schemas import cii, syntax, ubl
from schemas.errors import GatewayError, ParseError
from schemas.xml_input import parse_xml
from tests.factories import full_invoice


@pytest.mark.parametrize(
    ("name", "module", "type_code", "expected"),
    [
        ("ubl", ubl, "380", "ubl-invoice"),
        ("ubl", ubl, "381", "ubl-creditnote"),
        ("cii", cii, "381", "cii"),
    ],
)
def test_detect_and_get_agree_on_every_rendered_document(name, module, type_code, expected):
    binding = syntax.get(name)
    assert binding is module
    tree = parse_xml(binding.render(full_invoice(type_code=type_code)))
    assert syntax.detect(tree) is module
    assert syntax.document_syntax(tree) == expected
    assert syntax.name_of(binding) == name
    parsed = syntax.parse_tree(tree)
    assert parsed.syntax == expected
    assert parsed.invoice == full_invoice(type_code=type_code)


def test_every_binding_offers_the_same_verbs():
    for name in syntax.names():
        binding = syntax.get(name)
        for verb in (
            "detect",
            "parse_tree",
            "parse_document",
            "parse",
            "render",
            "render_with_report",
        ):
            assert callable(getattr(binding, verb)), (name, verb)


def test_an_unknown_syntax_names_the_known_ones():
    with pytest.raises(GatewayError) as caught:
        syntax.get("edifact")
    assert caught.value.problems[0].field == "syntax"
    assert "cii, ubl" in caught.value.problems[0].message


def test_an_unknown_document_is_a_parse_error_naming_its_root():
    tree = parse_xml(b"<Order xmlns='urn:example'/>")
    assert syntax.detect(tree) is None and syntax.document_syntax(tree) is None
    with pytest.raises(ParseError) as caught:
        syntax.parse_tree(tree)
    assert "{urn:example}Order" in caught.value.problems[0].value
