"""The syntax bindings behind one typed verb set: detect, parse, render.

Every syntax module (``schemas.ubl``, ``schemas.cii``) offers the same verbs,
described by :class:`Binding`; callers pick one by name (:func:`get`) or by the
document in hand (:func:`detect`) instead of switching on syntaxes themselves.
An inbound document is parsed once (:func:`schemas.xml_input.parse_xml`) and the
tree passed on.

>>> get("cii").render is not None
True
>>> names()
['cii', 'ubl']
"""

from __future__ import annotations

from typing import Literal, Protocol

from lxml import etree

from schemas import cii, ubl
from schemas.errors import GatewayError, ParseError, Problem
from schemas.model import Invoice
from schemas.parsed import DocumentSyntax, ParsedDocument
from schemas.profiles import Profile
from schemas.rendered import Rendered

Name = Literal["ubl", "cii"]


class Binding(Protocol):
    """What a syntax module does, both ways (a module satisfies it with module-level functions)."""

    def detect(self, tree: etree._ElementTree) -> DocumentSyntax | None:
        """The document syntax (``ubl-invoice``, ``ubl-creditnote``, ``cii``) of a tree it reads."""
        ...

    def parse_tree(self, tree: etree._ElementTree) -> ParsedDocument:
        """An already parsed document: the invoice and what could not be mapped."""
        ...

    def parse_document(self, xml: bytes) -> ParsedDocument:
        """Untrusted bytes: parsed with the hardened parser, then as :meth:`parse_tree`."""
        ...

    def parse(self, xml: bytes) -> Invoice:
        """Untrusted bytes: just the invoice."""
        ...

    def render(self, invoice: Invoice, *, profile: str | Profile | None = None) -> bytes:
        """The invoice as a document of this syntax."""
        ...

    def render_with_report(
        self, invoice: Invoice, *, profile: str | Profile | None = None
    ) -> Rendered:
        """As :meth:`render`, with the business terms the document could not carry."""
        ...


_BINDINGS: dict[str, Binding] = {"ubl": ubl, "cii": cii}


def names() -> list[str]:
    """The names of the syntaxes, sorted."""
    return sorted(_BINDINGS)


def get(name: str) -> Binding:
    """The syntax called ``name`` (``ubl`` or ``cii``).

    Raises:
        GatewayError: No syntax has that name; the problem lists the known ones.
    """
    try:
        return _BINDINGS[name]
    except KeyError:
        raise GatewayError(
            f"unknown syntax {name!r}",
            problems=[
                Problem(
                    field="syntax", message=f"expected one of: {', '.join(names())}", value=name
                )
            ],
        ) from None


def detect(tree: etree._ElementTree) -> Binding | None:
    """The syntax that reads this document (by its root element), or None."""
    for binding in _BINDINGS.values():
        if binding.detect(tree) is not None:
            return binding
    return None


def document_syntax(tree: etree._ElementTree) -> DocumentSyntax | None:
    """``ubl-invoice``, ``ubl-creditnote`` or ``cii`` for a document, or None when unknown."""
    for binding in _BINDINGS.values():
        found = binding.detect(tree)
        if found is not None:
            return found
    return None


def name_of(binding: Binding) -> Name:
    """The name of a binding (``ubl`` or ``cii``)."""
    return "cii" if binding is _BINDINGS["cii"] else "ubl"


def parse_tree(tree: etree._ElementTree) -> ParsedDocument:
    """Parses a document of any known syntax, once detected.

    Raises:
        ParseError: The root element belongs to no known syntax.
    """
    binding = detect(tree)
    if binding is None:
        root = tree.getroot().tag
        raise ParseError(
            f"not an e-invoice this gateway reads: the root element is {root}",
            problems=[
                Problem(
                    field="document",
                    message="expected a UBL Invoice or CreditNote, or a CII CrossIndustryInvoice",
                    value=str(root),
                )
            ],
        )
    return binding.parse_tree(tree)
