"""What the UBL and CII bindings share to write a document: names given once, values written one way.

A binding module names each element once, as a prefixed path (``cac:Country/cbc:IdentificationCode``),
and uses that same constant to write the element (:class:`Writer`) and to read it
(:class:`schemas.parsed.Reader`). The writer skips every optional value that is absent,
writes numbers in plain notation and dates the way the syntax asks.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Protocol

from lxml import etree

from schemas.model import AllowanceCharge, Attachment, Classification, LineAllowanceCharge
from schemas.parsed import FILENAME, LIST_ID, LIST_VERSION, MIME_CODE, Fields


def plain_number(value: Decimal) -> str:
    """A decimal in plain notation, keeping its scale (``1E+1`` is never written).

    >>> plain_number(Decimal("1E+1")), plain_number(Decimal("-0.0")), plain_number(Decimal("2.50"))
    ('10', '0', '2.50')
    """
    text = format(value, "f")
    return "0" if text in ("-0", "-0.0") else text


class _AllowanceHolder(Protocol):
    @property
    def allowances(self) -> tuple[AllowanceCharge, ...] | tuple[LineAllowanceCharge, ...]: ...

    @property
    def charges(self) -> tuple[AllowanceCharge, ...] | tuple[LineAllowanceCharge, ...]: ...


def allowances_and_charges(
    holder: _AllowanceHolder,
) -> Iterator[tuple[bool, AllowanceCharge | LineAllowanceCharge]]:
    """(is_charge, item) for the allowances, then the charges, of an invoice or a line."""
    for item in holder.allowances:
        yield False, item
    for item in holder.charges:
        yield True, item


_STEPS: dict[frozenset[tuple[str, str]], dict[str, tuple[str, ...]]] = {}
_MOST_PATHS = 4096


class Writer:
    """Appends elements named by prefixed paths; subclasses say how the syntax writes dates and amounts."""

    def __init__(self, namespaces: dict[str, str]) -> None:
        self.namespaces = namespaces
        # The Clark names of each path's steps, kept per namespace map: every document
        # writes the same few hundred paths again.
        self._steps = _STEPS.setdefault(frozenset(namespaces.items()), {})

    def qname(self, name: str) -> str:
        """The Clark name (``{namespace}local``) of a prefixed name (``cbc:ID``)."""
        prefix, local = name.split(":", 1)
        return f"{{{self.namespaces[prefix]}}}{local}"

    def child(self, parent: etree._Element, path: str) -> etree._Element:
        """Appends the elements of ``path`` (one new element per step) and returns the last."""
        steps = self._steps.get(path)
        if steps is None:
            steps = tuple(self.qname(step) for step in path.split("/"))
            if len(self._steps) < _MOST_PATHS:  # paths are the code's constants; bounded anyway
                self._steps[path] = steps
        element = parent
        for step in steps:
            element = etree.SubElement(element, step)
        return element

    def text(self, value: object) -> str:
        """A value as the syntax writes it in text content."""
        if isinstance(value, Decimal):
            return plain_number(value)
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    def value(
        self, parent: etree._Element, path: str, value: object, **attributes: str | None
    ) -> etree._Element | None:
        """Appends ``path`` holding ``value`` with the given attributes; nothing when the value is absent."""
        if value is None or value == "":
            return None
        element = self.child(parent, path)
        element.text = self.text(value)
        for key, attribute in attributes.items():
            if attribute is not None:
                element.set(key, attribute)
        return element

    def fields(self, parent: etree._Element, source: object, table: Fields) -> None:
        """Appends the (model field, path) pairs of ``table`` whose value ``source`` holds."""
        for field, path in table:
            self.value(parent, path, getattr(source, field))

    def group(
        self, parent: etree._Element, name: str, source: object | None, table: Fields
    ) -> None:
        """The group element ``name`` with the terms of ``table``, when ``source`` holds any."""
        if source is not None and any(getattr(source, field) for field, _ in table):
            self.fields(self.child(parent, name), source, table)

    def classification(
        self, parent: etree._Element, path: str, classification: Classification
    ) -> None:
        """BT-158 with its scheme (``listID``) and version (``listVersionID``), as UBL and CII write it."""
        self.required(
            parent,
            path,
            classification.value,
            **{LIST_ID: classification.scheme, LIST_VERSION: classification.version},
        )

    def attachment(self, parent: etree._Element, path: str, attachment: Attachment) -> None:
        """BT-125 in base64 with its MIME code and filename (read back by ``parse_attachment``).

        Written even when the content is empty: BT-125-1 and BT-125-2 live on it.
        """
        self.required(
            parent,
            path,
            base64.b64encode(attachment.content).decode("ascii"),
            **{MIME_CODE: attachment.mime_code, FILENAME: attachment.filename},
        )

    def required(
        self, parent: etree._Element, path: str, value: object, **attributes: str | None
    ) -> etree._Element:
        """Appends ``path`` even when ``value`` is empty (an element the schema requires)."""
        element = self.child(parent, path)
        if value is not None:
            element.text = self.text(value)
        for key, attribute in attributes.items():
            if attribute is not None:
                element.set(key, attribute)
        return element
