"""Hardened reading of untrusted XML: the only way the gateway turns bytes into a tree.

E-invoices never need a DTD, so any document type declaration is refused outright:
that closes external entities (XXE), external DTD loading and entity-expansion
bombs ("billion laughs") in one rule. The parser also never touches the network,
never resolves entities and refuses documents over a size cap.
"""

from __future__ import annotations

from lxml import etree

from schemas.errors import XmlInputError

#: Default size cap for one document (bytes). A 5,000-line invoice is a few MiB.
DEFAULT_MAX_BYTES = 25 * 1024 * 1024

# Where a DOCTYPE may legally appear: before the root element, so scanning a
# prefix is enough for the fast path; the post-parse check catches the rest
# (for instance UTF-16 documents, whose bytes the ASCII scan cannot see).
_PROLOG_SCAN_BYTES = 64 * 1024


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not thread-safe.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        remove_comments=False,
        collect_ids=False,
    )


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._ElementTree:
    """Parses untrusted XML bytes into a tree, refusing anything unsafe.

    Args:
        data: The document, exactly as received.
        max_bytes: Size cap; a larger document is refused before parsing.

    Returns:
        The parsed document tree.

    Raises:
        XmlInputError: With ``reason`` ``empty``, ``too-large``, ``dtd-forbidden``,
            ``entity-forbidden`` or ``not-well-formed``, and a message saying what
            was found.

    >>> parse_xml(b"<a><b>1</b></a>").getroot().tag
    'a'
    >>> parse_xml(b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')
    Traceback (most recent call last):
    ...
    schemas.errors.XmlInputError: document type declarations (DTD) are not allowed in e-invoices: ...
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise XmlInputError("not-well-formed", "XML input must be bytes, not text")
    data = bytes(data)
    if not data.strip():
        raise XmlInputError("empty", "the document is empty")
    if len(data) > max_bytes:
        raise XmlInputError(
            "too-large",
            f"the document is {len(data):,} bytes; the limit is {max_bytes:,} bytes",
        )
    prolog = data[:_PROLOG_SCAN_BYTES]
    if b"<!DOCTYPE" in prolog:
        raise XmlInputError(
            "dtd-forbidden",
            "document type declarations (DTD) are not allowed in e-invoices: "
            "they enable external entities (XXE) and entity-expansion attacks",
        )
    if b"<!ENTITY" in data:
        raise XmlInputError("entity-forbidden", "entity declarations are not allowed in e-invoices")
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser=_parser()))
    except etree.XMLSyntaxError as exc:
        raise XmlInputError(
            "not-well-formed", f"the document is not well-formed XML: {exc}"
        ) from exc
    docinfo = tree.docinfo
    if (
        getattr(docinfo, "doctype", None)
        or docinfo.internalDTD is not None
        or docinfo.externalDTD is not None
    ):
        raise XmlInputError(
            "dtd-forbidden",
            "document type declarations (DTD) are not allowed in e-invoices: "
            "they enable external entities (XXE) and entity-expansion attacks",
        )
    for node in tree.iter(etree.Entity):
        raise XmlInputError(
            "entity-forbidden", f"entity reference &{node.name}; is not allowed in e-invoices"
        )
    return tree
