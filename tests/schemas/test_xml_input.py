"""Hostile XML is refused with a clear reason, before anything else reads it."""

from __future__ import annotations

import pytest

import validators
from schemas.errors import XmlInputError
from schemas.xml_input import parse_xml

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&xxe;</Invoice>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol9;</lolz>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice SYSTEM "http://attacker.example/evil.dtd">
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>"""


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (XXE, "dtd-forbidden"),
        (BILLION_LAUGHS, "dtd-forbidden"),
        (EXTERNAL_DTD, "dtd-forbidden"),
        (
            XXE.decode()
            .replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
            .encode("utf-16"),
            "dtd-forbidden",
        ),
        (b"<Invoice><unclosed></Invoice>", "not-well-formed"),
        (b"   ", "empty"),
    ],
    ids=["xxe", "billion-laughs", "external-dtd", "utf16-xxe", "not-well-formed", "empty"],
)
def test_hostile_or_broken_xml_is_refused_with_its_reason(document, reason):
    with pytest.raises(XmlInputError) as caught:
        parse_xml(document)
    assert caught.value.reason == reason
    assert caught.value.problems[0].rule == f"xml.{reason}"
    # validate() refuses it the same way; nothing downstream ever sees it.
    with pytest.raises(XmlInputError):
        validators.validate(document)


def test_a_50_mb_document_is_refused_before_parsing():
    big = b"<Invoice>" + b"<x>1</x>" * (50 * 1024 * 1024 // 8) + b"</Invoice>"
    assert len(big) > 50 * 1024 * 1024
    with pytest.raises(XmlInputError) as caught:
        parse_xml(big)
    assert caught.value.reason == "too-large"
    assert "limit" in caught.value.message


def test_xxe_content_never_reaches_the_tree():
    with pytest.raises(XmlInputError) as caught:
        parse_xml(XXE)
    assert "root:" not in str(caught.value)


def test_plain_documents_parse():
    tree = parse_xml('<a xmlns="urn:x"><b>ä</b></a>'.encode())
    assert tree.getroot().tag == "{urn:x}a"


def _element_with(attributes: int) -> bytes:
    names = " ".join(f'a{i}=""' for i in range(attributes))
    return f'<Invoice xmlns="urn:x"><Note {names}/></Invoice>'.encode()


def test_an_element_with_too_many_attributes_is_refused_with_its_reason():
    from schemas.xml_input import MAX_ATTRIBUTES_PER_ELEMENT

    assert parse_xml(_element_with(MAX_ATTRIBUTES_PER_ELEMENT)).getroot() is not None
    with pytest.raises(XmlInputError) as caught:
        parse_xml(_element_with(MAX_ATTRIBUTES_PER_ELEMENT + 1))
    assert caught.value.reason == "too-many-attributes"
    assert (
        "Note" in caught.value.message and str(MAX_ATTRIBUTES_PER_ELEMENT) in caught.value.message
    )


def test_too_many_attributes_in_all_is_refused_on_both_paths():
    from schemas.xml_input import MAX_ATTRIBUTES

    note = b'<n a="" b="" c="" d="" e="" f="" g="" h="" i="" j=""/>'
    document = b"<r>" + note * (MAX_ATTRIBUTES // 10 + 1) + b"</r>"
    for data in (document, document.decode().encode("utf-16")):  # byte scan, then element scan
        with pytest.raises(XmlInputError) as caught:
            parse_xml(data)
        assert caught.value.reason == "too-many-attributes"


def test_an_attribute_bomb_is_stopped_at_its_first_element():
    from tests.validators.bombs import attribute_bomb

    document = attribute_bomb()
    assert len(document) > 20_000_000
    with pytest.raises(XmlInputError) as caught:
        parse_xml(document)
    assert caught.value.reason == "too-many-attributes"
    assert "100,000 attributes" in caught.value.message


def test_too_many_namespace_declarations_are_refused():
    from schemas.xml_input import MAX_NAMESPACE_DECLARATIONS

    children = "".join(f'<x{i}:e xmlns:x{i}="urn:{i}"/>' for i in range(MAX_NAMESPACE_DECLARATIONS))
    with pytest.raises(XmlInputError) as caught:
        parse_xml(f'<r xmlns="urn:r">{children}</r>'.encode())
    assert caught.value.reason == "too-many-namespaces"


@pytest.mark.parametrize("where", ["element", "attribute"])
def test_very_long_names_are_refused_before_the_rule_engine_sees_them(where):
    name = "n" * 1200  # Saxon's parser refuses names over 1,000 characters
    document = f"<r><{name}/></r>" if where == "element" else f'<r><e {name}="1"/></r>'
    with pytest.raises(XmlInputError) as caught:
        parse_xml(document.encode())
    assert caught.value.reason == "name-too-long"


@pytest.mark.parametrize("utf16", [False, True], ids=["byte-scan-path", "element-scan-path"])
def test_an_attribute_name_is_measured_without_its_namespace_on_both_paths(utf16):
    from schemas.xml_input import MAX_NAME_LENGTH

    def document(local: str) -> bytes:
        text = f'<r xmlns:p="urn:a-long-namespace-name"><e p:{local}="1" q="2"/></r>'
        return text.encode("utf-16") if utf16 else text.encode()

    at_limit = "n" * MAX_NAME_LENGTH
    element = parse_xml(document(at_limit)).getroot()[0]
    assert element.get(f"{{urn:a-long-namespace-name}}{at_limit}") == "1"
    with pytest.raises(XmlInputError) as caught:
        parse_xml(document(at_limit + "n"))
    assert caught.value.reason == "name-too-long"


def test_what_saxon_refuses_is_the_documents_fault_not_a_stage_error(monkeypatch):
    # Should a document pass our limits and still be refused by Saxon's parser,
    # validation raises XmlInputError (a 4xx), never an "error" stage (a 503).
    from schemas import xml_input
    from tests.validators.bombs import findings_bomb

    monkeypatch.setattr(xml_input, "MAX_ATTRIBUTES_PER_ELEMENT", 1000)
    document = findings_bomb(notes=1, attributes=300)
    with pytest.raises(XmlInputError) as caught:
        validators.validate(document, profile="en16931")
    assert caught.value.reason == "refused-by-rule-engine"
    assert "200" in caught.value.message
