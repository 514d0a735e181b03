"""What the syntax parsers return: an invoice plus what could not be mapped, and the reader they share.

The reader evaluates XPaths relative to an element and remembers every element it
consumed, so that whatever remains unconsumed can be reported by path, never
silently dropped. Every value is read as XPath ``string()`` reads it
(:func:`string_value`): the one way both bindings read text. A group's simple
terms are read through a (field, path) table (:data:`Fields`) that the binding
also writes with.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from lxml import etree
from pydantic import ValidationError

from schemas.errors import ParseError, Problem
from schemas.model import Invoice


@dataclass(frozen=True)
class Unmapped:
    """An element of the document that the EN 16931 model has no place for."""

    path: str
    reason: str


DocumentSyntax = Literal["ubl-invoice", "ubl-creditnote", "cii"]
"""Which document a syntax binding read: a UBL Invoice, a UBL CreditNote or a CII invoice."""


@dataclass(frozen=True)
class ParsedDocument:
    """A parsed invoice and what could not be mapped into it."""

    invoice: Invoice
    unmapped: tuple[Unmapped, ...]
    syntax: DocumentSyntax


def string_value(element: etree._Element) -> str:
    """The value of an element as XPath ``string()`` reads it: all descendant text, in order.

    Comments and processing instructions do not count, but the text around them
    does, so ``<cbc:ID>A<!---->-1</cbc:ID>`` is ``"A-1"``, exactly what the official
    Schematron rules (and the signature's canonical form) see. Every value the
    bindings read goes through here; ``element.text`` alone would stop at the
    first comment.

    >>> string_value(etree.fromstring("<ID>A<!-- x -->-<?pi y?>1</ID>"))
    'A-1'
    """
    # lxml yields str for every text node in Python 3 (bytes only in its Python 2 days).
    return "".join(cast(Iterator[str], element.itertext()))


Fields = tuple[tuple[str, str], ...]
"""The simple terms of a group in one syntax: (model field, element path) pairs in schema order.

A binding writes such a table once and uses it both to write (``Writer.fields``)
and to read (:meth:`Reader.fields`) the group, as struct tags do in gobl.ubl.
"""


class Reader:
    """Reads values by relative XPath and remembers which elements were consumed."""

    def __init__(self, root: etree._Element, namespaces: dict[str, str]) -> None:
        self.root = root
        self.namespaces = namespaces
        self.consumed: set[etree._Element] = set()
        self.left: dict[etree._Element, str] = {}

    def all(self, node: etree._Element | None, path: str) -> list[etree._Element]:
        """Every element at ``path`` below ``node``, marked consumed with the steps leading to it."""
        if node is None:
            return []
        result = node.xpath(path, namespaces=self.namespaces)
        found = (
            [e for e in result if isinstance(e, etree._Element)] if isinstance(result, list) else []
        )
        for element in found:
            # The steps of a longer path (cac:Country of cac:Country/cbc:IdentificationCode)
            # are read with it.
            step: etree._Element | None = element
            while step is not None and step is not node and step not in self.consumed:
                self.consumed.add(step)
                step = step.getparent()
        return found

    def one(self, node: etree._Element | None, path: str) -> etree._Element | None:
        """The first element at ``path`` below ``node``, or None."""
        found = self.all(node, path)
        return found[0] if found else None

    def value(self, element: etree._Element | None) -> str | None:
        """The stripped :func:`string_value` of ``element``, or None when absent or blank.

        The element's descendants are consumed with it: their text is part of the value.
        """
        if element is None:
            return None
        self.consumed.update(element.iter())
        return string_value(element).strip() or None

    def text(self, node: etree._Element | None, path: str) -> str | None:
        """The stripped value at ``path``, or None when absent or blank."""
        return self.value(self.one(node, path))

    def identifier(
        self, node: etree._Element | None, path: str, scheme_attribute: str = "schemeID"
    ) -> dict[str, Any] | None:
        """An identifier with its scheme attribute, or None."""
        element = self.one(node, path)
        value = self.value(element)
        if element is None or value is None:
            return None
        return {"value": value, "scheme": element.get(scheme_attribute)}

    def fields(self, node: etree._Element | None, table: Fields) -> dict[str, str | None]:
        """The value of every (field, path) pair of ``table`` below ``node``."""
        return {field: self.text(node, path) for field, path in table}

    def texts(self, node: etree._Element | None, paths: tuple[str, ...]) -> list[str]:
        """The values present at ``paths`` below ``node``, in order (address lines)."""
        return [value for value in (self.text(node, path) for path in paths) if value]

    def group(
        self, parent: etree._Element | None, name: str, table: Fields
    ) -> dict[str, Any] | None:
        """The terms of ``table`` in the group element ``name``, or None when it holds none."""
        node = self.one(parent, name)
        if node is None:
            return None
        return drop_empty(self.fields(node, table)) or None

    def each(self, parent: etree._Element | None, path: str, table: Fields) -> list[dict[str, Any]]:
        """The terms of ``table`` in every element at ``path`` (repeated groups such as BG-32)."""
        return [self.fields(node, table) for node in self.all(parent, path)]

    def measure(
        self, element: etree._Element | None, unit_attribute: str = "unitCode"
    ) -> tuple[str | None, str | None]:
        """A quantity and its unit code (BT-129/130, BT-149/150), or (None, None)."""
        value = self.value(element)
        if element is None or value is None:
            return None, None
        return value, element.get(unit_attribute)

    def classifications(self, parent: etree._Element | None, path: str) -> list[dict[str, Any]]:
        """BT-158 with scheme and version (``listID``, ``listVersionID`` in UBL and CII alike)."""
        return [
            drop_empty(
                {
                    "value": self.value(code),
                    "scheme": code.get(LIST_ID),
                    "version": code.get(LIST_VERSION),
                }
            )
            for code in self.all(parent, path)
        ]

    def supporting_documents(
        self,
        parent: etree._Element | None,
        path: str,
        *,
        code: str,
        table: Fields,
        binary: str,
        others: Mapping[str, Callable[[etree._Element], tuple[str, Any]]],
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """BG-24 among the referenced documents at ``path``, and the terms other codes carry.

        A document whose type code (at ``code``) is a key of ``others`` is not a
        supporting document: its reader returns the (model field, value) it holds
        (BT-17 tender, BT-18 invoiced object, a CreditNote's BT-11).
        """
        documents: list[dict[str, Any]] = []
        terms: dict[str, Any] = {}
        for reference in self.all(parent, path):
            read = others.get(self.text(reference, code) or "")
            if read is not None:
                field, value = read(reference)
                terms[field] = value
                continue
            document: dict[str, Any] = self.fields(reference, table)
            element = self.one(reference, binary)
            if element is not None:
                location = self.root.getroottree().getpath(element)
                document["attachment"] = parse_attachment(element, location)
            documents.append(drop_empty(document))
        return documents, terms

    def document(
        self,
        data: dict[str, Any],
        *,
        syntax: DocumentSyntax,
        binding: str,
        reason: Callable[[etree._Element], str | None] = lambda _: None,
    ) -> ParsedDocument:
        """The invoice read into ``data`` as a model value, with what no mapping consumed.

        Args:
            data: The business terms read, by model field.
            syntax: Which document was read.
            binding: The binding's name for messages (``UBL``, ``CII``).
            reason: Says why an unmapped element is outside the binding, when it knows.

        Raises:
            ParseError: The terms do not fit the model; the problems name each field.
        """
        try:
            invoice = Invoice.model_validate(drop_empty(data))
        except ValidationError as exc:
            raise ParseError(
                f"the {binding} document does not fit the EN 16931 model",
                problems=model_problems(exc),
            ) from exc

        def why(element: etree._Element) -> str:
            local = etree.QName(element).localname
            return (
                reason(element)
                or signature_note(element)
                or f"{local} is not part of the EN 16931 {binding} binding"
            )

        return ParsedDocument(invoice=invoice, unmapped=self.unmapped(why), syntax=syntax)

    def leave(self, element: etree._Element, reason: str) -> None:
        """Reports ``element`` as unmapped with ``reason`` although a mapping looked at it.

        For data the model has no room for, such as a second identifier where the
        business term holds one: it is kept out of the invoice, and said so.
        """
        self.consumed.difference_update(element.iter())
        self.left[element] = reason

    def first_kept(
        self, elements: list[etree._Element], term: str
    ) -> tuple[etree._Element | None, list[etree._Element]]:
        """The first of ``elements`` with a value, the others left unmapped (``term`` holds one)."""
        with_value = [e for e in elements if string_value(e).strip()]
        if not with_value:
            return None, []
        kept, others = with_value[0], with_value[1:]
        path = self.root.getroottree().getpath(kept)
        for other in others:
            self.leave(other, f"{term} holds one value; the document's {path} is kept as {term}")
        return kept, others

    def unmapped(self, reason: Callable[[etree._Element], str]) -> tuple[Unmapped, ...]:
        """The outermost elements no mapping consumed, with a reason for each."""
        tree = self.root.getroottree()
        found: list[Unmapped] = []
        for element in self.root.iter():
            if not isinstance(element.tag, str) or element is self.root or element in self.consumed:
                continue
            parent = element.getparent()
            # Report the outermost unconsumed element only (its subtree goes with it).
            if parent is not None and parent is not self.root and parent not in self.consumed:
                continue
            why = self.left.get(element) or reason(element)
            found.append(Unmapped(path=tree.getpath(element), reason=why))
        return tuple(found)


# BT-125-1 and BT-125-2 are these attributes of the binary object in UBL and CII alike.
MIME_CODE = "mimeCode"
FILENAME = "filename"
# BT-158-1 and BT-158-2 likewise, on the classification code.
LIST_ID = "listID"
LIST_VERSION = "listVersionID"


def parse_attachment(binary: etree._Element, location: str) -> dict[str, Any]:
    """BT-125 with its MIME code and filename from a base64 binary object.

    Raises:
        ParseError: The content is not base64 (``location`` says where).
    """
    try:
        content = base64.b64decode("".join(string_value(binary).split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ParseError(
            "an attached document (BT-125) is not valid base64",
            problems=[Problem(field="BT-125", message=str(exc), value=location)],
        ) from exc
    return {
        "content": content,
        "mime_code": binary.get(MIME_CODE),
        "filename": binary.get(FILENAME),
    }


DSIG = "http://www.w3.org/2000/09/xmldsig#"


def signature_note(element: etree._Element) -> str | None:
    """Why a signature's content is not invoice content, when ``element`` is or holds one.

    An enveloped signature covers the document without itself: what sits in its
    ``ds:Object`` (or anywhere else in it) is signed only as far as a reference
    says, and the invoice model reads nothing from it.
    """
    if element.tag == f"{{{DSIG}}}Signature" or any(
        True for _ in element.iter(f"{{{DSIG}}}Signature")
    ):
        return "an XML signature: not invoice content, the EN 16931 model reads no value from it"
    return None


def by_kind(
    items: list[tuple[bool, dict[str, Any]]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Splits (is_charge, item) pairs into the allowances and the charges, keeping their order."""
    return [i for charge, i in items if not charge], [i for charge, i in items if charge]


def drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    """Leaves out keys whose value is None or an empty list/dict (absent business terms)."""
    return {k: v for k, v in data.items() if v is not None and v != [] and v != {}}


def model_problems(error: ValidationError) -> list[Problem]:
    """The model's validation errors as problems naming each field."""
    return [
        Problem(
            field=".".join(str(p) for p in item["loc"]),
            message=item["msg"],
            rule="EN16931-model",
            value=str(item.get("input"))[:200],
        )
        for item in error.errors()
    ]
