"""What the syntax parsers return: an invoice plus what could not be mapped, and the reader they share.

The reader evaluates XPaths relative to an element and remembers every element it
consumed, so that whatever remains unconsumed can be reported by path, never
silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree
from pydantic import ValidationError

from schemas.errors import Problem
from schemas.model import Invoice


@dataclass(frozen=True)
class Unmapped:
    """An element of the document that the EN 16931 model has no place for."""

    path: str
    reason: str


@dataclass(frozen=True)
class ParsedDocument:
    """A parsed invoice and what could not be mapped into it."""

    invoice: Invoice
    unmapped: tuple[Unmapped, ...]
    syntax: str


class Reader:
    """Reads values by relative XPath and remembers which elements were consumed."""

    def __init__(self, root: etree._Element, namespaces: dict[str, str]) -> None:
        self.root = root
        self.namespaces = namespaces
        self.consumed: set[etree._Element] = set()

    def all(self, node: etree._Element | None, path: str) -> list[etree._Element]:
        """Every element at ``path`` below ``node`` (marked consumed)."""
        if node is None:
            return []
        result = node.xpath(path, namespaces=self.namespaces)
        found = (
            [e for e in result if isinstance(e, etree._Element)] if isinstance(result, list) else []
        )
        self.consumed.update(found)
        return found

    def one(self, node: etree._Element | None, path: str) -> etree._Element | None:
        """The first element at ``path`` below ``node``, or None."""
        found = self.all(node, path)
        return found[0] if found else None

    def text(self, node: etree._Element | None, path: str) -> str | None:
        """The stripped text at ``path``, or None when absent or blank."""
        element = self.one(node, path)
        if element is None:
            return None
        value = (element.text or "").strip()
        return value or None

    def identifier(
        self, node: etree._Element | None, path: str, scheme_attribute: str = "schemeID"
    ) -> dict[str, Any] | None:
        """An identifier with its scheme attribute, or None."""
        element = self.one(node, path)
        if element is None or not (element.text or "").strip():
            return None
        return {"value": (element.text or "").strip(), "scheme": element.get(scheme_attribute)}

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
            found.append(Unmapped(path=tree.getpath(element), reason=reason(element)))
        return tuple(found)


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
