"""The business document inside a Peppol Standard Business Document, as the sender's bytes.

An AS4 payload is a Standard Business Document: the SBDH, then the business
document as the second child of the root. The archive keeps the business
document byte-exact as it travelled: the slice of the decrypted payload between
the end of the SBDH and the closing tag of the root, when that slice is a
well-formed document of its own and means the same as the element the parser
saw (exclusive C14N of both agree). When it is not (the document uses a
namespace prefix that only the SBD root declares), no exact standalone bytes
exist, and the element is serialised with the declarations it needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from gateway.delivery.errors import GiveUp
from schemas.errors import GatewayError
from schemas.xml_input import parse_xml

SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"

# The header's end tag, or the header as an empty element (a guess that C14N then confirms).
_HEADER_END = re.compile(
    rb"</(?:[A-Za-z_][\w.\-]*:)?StandardBusinessDocumentHeader\s*>"
    rb"|<(?:[A-Za-z_][\w.\-]*:)?StandardBusinessDocumentHeader\b[^<>]*/>"
)
_ROOT_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?StandardBusinessDocument\s*>\s*$")


@dataclass(frozen=True)
class Unwrapped:
    """The SBDH instance identifier and the business document (exact: the sender's bytes)."""

    instance_id: str
    document: bytes
    exact: bool


def _c14n(element: etree._Element) -> bytes:
    return bytes(etree.tostring(element, method="c14n", exclusive=True, with_comments=False))


def _slice(payload: bytes) -> bytes | None:
    header = _HEADER_END.search(payload)
    end = _ROOT_END.search(payload)
    if header is None or end is None or end.start() <= header.end():
        return None
    return payload[header.end() : end.start()].strip()


def unwrap(payload: bytes) -> Unwrapped:
    """The business document of a Standard Business Document, byte-exact when it can be.

    >>> sbd = (b'<sh:StandardBusinessDocument xmlns:sh="' + SBDH_NS.encode() + b'">'
    ...        b'<sh:StandardBusinessDocumentHeader/>'
    ...        b"<Invoice xmlns='urn:x'><ID>&#65;</ID></Invoice></sh:StandardBusinessDocument>")
    >>> unwrap(sbd).document, unwrap(sbd).exact
    (b"<Invoice xmlns='urn:x'><ID>&#65;</ID></Invoice>", True)

    Raises:
        GiveUp: The payload carries no business document.
    """
    root = parse_xml(payload).getroot()
    instance = root.findtext(
        f"{{{SBDH_NS}}}StandardBusinessDocumentHeader/{{{SBDH_NS}}}DocumentIdentification"
        f"/{{{SBDH_NS}}}InstanceIdentifier",
        "",
    ).strip()
    element = next(
        (
            child
            for child in root
            if isinstance(child.tag, str) and etree.QName(child).namespace != SBDH_NS
        ),
        None,
    )
    if element is None:
        raise GiveUp("the standard business document carries no business document")
    exact = _slice(payload)
    if exact is not None:
        try:
            standalone = parse_xml(exact).getroot()
        except (GatewayError, etree.XMLSyntaxError):
            standalone = None
        if standalone is not None and _c14n(standalone) == _c14n(element):
            return Unwrapped(instance, exact, True)
    document = etree.tostring(element, xml_declaration=True, encoding="UTF-8")
    return Unwrapped(instance, bytes(document), False)
