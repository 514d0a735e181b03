"""The document's elements by name, gathered in one pass, for the rules' ``//name`` steps.

libxml2 evaluates ``//cac:TaxCategory[...]`` by walking the whole document, once
per expression and context node: hundreds of walks per invoice, each as long as
the invoice (a 1,000-line invoice has ~15,000 elements). A path that *starts*
with ``//name`` selects every element of that name in document order, which is
what one ``iter`` over the tree collects for all names at once. So such a step is
spelled as an XPath variable (``$egw_cac_TaxCategory``) bound to that list; the
steps and predicates that follow keep their meaning, as long as no predicate of
that first step is positional (``[1]``, ``[last()]``, a number): for those the
expression keeps its ``//`` (see :func:`bind_descendants`).

Two refinements: a filtered list (``$egw_cac_TaxCategory[...VAT...]``) is the same
wherever it stands, so it is evaluated once per document and shared
(:func:`share_filters`); and a list longer than :data:`LONGEST_LIST` is never
passed, because lxml adds list nodes to a libxml2 node-set with a duplicate
check each (quadratic): the expression then walks the tree for that name.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from lxml import etree

from validators.native.xpath_text import PATH_ONLY, split_union, top_level

# //prefix:Name where it starts a path: not after a step, a predicate or a call (a//b).
_FROM_ROOT = re.compile(r"(?<![\w)\].*/])//([a-z]+):([A-Za-z]+)(?![\w:(-])")
# Shared filtered lists, by variable name (the hash of their text): process-wide, as
# the same text means the same list in every program.
_SHARED: dict[str, Query] = {}
_SHARED_LOCK = threading.Lock()
_BOOLEAN_CALL = re.compile(r"^\s*(not|boolean|exists|contains|starts-with|true|false)\(")


def _never_positional(predicate: str) -> bool:
    """True when the predicate is a boolean or a node-set, never a number or position test."""
    if "position()" in predicate or "last()" in predicate:
        return False
    top = top_level(predicate)
    if _BOOLEAN_CALL.match(predicate) or PATH_ONLY.match(top.replace("[]", "")):
        return True
    return bool(re.search(r"[=<>]|\s(and|or)\s", top))


def _predicates(text: str, start: int) -> tuple[list[str], bool]:
    """The predicates that follow ``start`` (``[...][...]``), and whether they are well formed."""
    found: list[str] = []
    position = start
    while position < len(text) and text[position] == "[":
        depth, end = 0, position
        while end < len(text):
            depth += {"[": 1, "]": -1}.get(text[end], 0)
            end += 1
            if depth == 0:
                break
        if depth:
            return found, False
        found.append(text[position + 1 : end - 1])
        position = end
    return found, True


def _outside_strings(expression: str) -> list[tuple[int, int]]:
    """The spans of the expression that are not inside a string literal."""
    spans, start, quote = [], 0, ""
    for position, char in enumerate(expression):
        if quote:
            if char == quote:
                quote, start = "", position + 1
        elif char in "'\"":
            spans.append((start, position))
            quote = char
    if not quote:
        spans.append((start, len(expression)))
    return spans


def bind_descendants(expression: str, namespaces: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """The XPath 1.0 expression with each leading ``//name`` step spelled as a variable.

    Returns the expression and, per variable, the Clark name of its elements.

    >>> bind_descendants("not(//cac:Item[cbc:Name = 'x']) and a//cac:Item", {"cac": "urn:c"})
    ("not($egw_cac_Item[cbc:Name = 'x']) and a//cac:Item", {'egw_cac_Item': '{urn:c}Item'})
    >>> bind_descendants("//cac:Item[1]", {"cac": "urn:c"})
    ('//cac:Item[1]', {})
    """
    variables: dict[str, str] = {}
    out, copied = [], 0
    for span_start, span_end in _outside_strings(expression):
        for found in _FROM_ROOT.finditer(expression, span_start, span_end):
            prefix, local = found.groups()
            if prefix not in namespaces:
                continue
            following, well_formed = _predicates(expression, found.end())
            if not well_formed or not all(_never_positional(p) for p in following):
                continue
            name = f"egw_{prefix}_{local}"
            variables[name] = f"{{{namespaces[prefix]}}}{local}"
            out.append(expression[copied : found.start()])
            out.append(f"${name}")
            copied = found.end()
    out.append(expression[copied:])
    return "".join(out), variables


def share_filters(
    expression: str,
    variables: Mapping[str, str],
    namespaces: Mapping[str, str],
    compile_xpath: Callable[[str], etree.XPath],
) -> tuple[str, tuple[str, ...]]:
    """The expression with each filtered list (``$egw_cac_X[...]``) read from a shared variable.

    A descendant list with predicates means the same node-set wherever it stands
    (its predicates see only the list's own nodes), so it is evaluated once per
    document and shared by every test and context node that filters the same
    way: ``$egw_cac_TaxCategory[cac:TaxScheme[...]='VAT']`` is read by dozens of
    tests. Returns the expression and the names of the shared variables it reads.
    """
    out, copied, shared = [], 0, []
    for span_start, span_end in _outside_strings(expression):
        for found in re.finditer(r"\$(egw_[a-z]+_[A-Za-z]+)(?![\w-])", expression):
            if not span_start <= found.start() < span_end or found.start() < copied:
                continue
            if found.group(1) not in variables:
                continue
            following, well_formed = _predicates(expression, found.end())
            if not following or not well_formed or any("$egw_nodes" in p for p in following):
                continue
            end = found.end() + sum(len(p) + 2 for p in following)
            text = expression[found.start() : end]
            # The same text in the same namespaces is the same list: one name for both.
            key = repr((text, sorted(namespaces.items())))
            name = "egw_shared_" + hashlib.sha256(key.encode()).hexdigest()[:16]
            used = {
                v: tag
                for v, tag in variables.items()
                if re.search(rf"\${v}(?![\w-])", text) is not None
            }
            with _SHARED_LOCK:
                if name not in _SHARED:
                    _SHARED[name] = Query(compile_xpath(text), used, (), compile_xpath)
            shared.append(name)
            out.append(expression[copied : found.start()])
            out.append(f"${name}")
            copied = end
    out.append(expression[copied:])
    return "".join(out), tuple(dict.fromkeys(shared))


# lxml hands a list to libxml2 one node at a time, and libxml2 checks each against
# those already in the node-set: quadratic (1,000 nodes: 0.3 ms per call, 5,000:
# 18 ms). A list longer than LONGEST_LIST is not passed: the expression reads
# ``/descendant::name`` instead (a walk of the tree, see ``Query.__call__``), and
# ``$egw_nodes`` is passed in slices of SLICE nodes.
LONGEST_LIST = 1200
SLICE = 250


def slices(nodes: list[etree._Element]) -> list[list[etree._Element]]:
    """The nodes in document order, cut in lists short enough to pass to libxml2."""
    return [nodes[start : start + SLICE] for start in range(0, len(nodes), SLICE)]


def _replace_variable(expression: str, name: str, replacement: str) -> str:
    """The expression with ``$name`` (outside string literals) replaced by ``replacement``."""
    out, copied = [], 0
    for span_start, span_end in _outside_strings(expression):
        pattern = re.compile(rf"\${re.escape(name)}(?![\w-])")
        for found in pattern.finditer(expression, span_start, span_end):
            out.append(expression[copied : found.start()])
            out.append(replacement)
            copied = found.end()
    out.append(expression[copied:])
    return "".join(out)


class Query:
    """A compiled XPath 1.0 expression and the descendant lists it reads as variables.

    ``variables`` are the ``//name`` lists of the index (name -> Clark name);
    ``shared`` the filtered lists the index evaluates on first use. Where one of
    the lists is longer than :data:`LONGEST_LIST`, a variant of the expression
    reads it as ``/descendant::name`` (the same nodes: the leading step's
    predicates are not positional) and inlines the shared filters built on it;
    variants are compiled on first need, one per set of long lists.
    """

    def __init__(
        self,
        xpath: etree.XPath,
        variables: Mapping[str, str],
        shared: tuple[str, ...] = (),
        compile_xpath: Callable[[str], etree.XPath] | None = None,
    ) -> None:
        self.xpath = xpath
        self.compile_xpath = compile_xpath
        self.shared = shared
        self.variants: dict[frozenset[str], tuple[etree.XPath, tuple[str, ...]]] = {}
        self.base = dict(variables)
        self.base_names = frozenset(variables)
        self.variables = (*variables, *shared)
        # When every alternative of a union starts with a variable, the variables it starts with.
        alternatives = split_union(xpath.path)
        leading = [re.match(r"\$(egw_[a-z]+_[A-Za-z]+)(?![\w-])", a) for a in alternatives]
        self.leading: tuple[str, ...] | None = (
            tuple(m.group(1) for m in leading if m is not None)
            if all(leading) and alternatives
            else None
        )
        # A union of bare variables (``$a | $b``): the index merges them, no XPath call.
        bare = self.leading is not None and all(
            m is not None and m.end() == len(a) for m, a in zip(leading, alternatives, strict=True)
        )
        self.bare: tuple[str, ...] | None = self.leading if bare else None

    def selects_nothing(self, index: ElementIndex) -> bool:
        """True when the path starts, in every alternative, from names the document lacks."""
        return self.leading is not None and not any(index[v] for v in self.leading)

    def __call__(
        self, node: Any, index: ElementIndex, *, nodes: list[etree._Element] | None = None
    ) -> Any:
        """Evaluates the expression at ``node`` (an element or the tree); ``nodes`` is ``$egw_nodes``.

        ``nodes`` must be at most :data:`LONGEST_LIST` long (see :func:`slices`).
        """
        if not self.variables and nodes is None:
            return self.xpath(node)
        # A shared list is a filter of base lists: when no base list is long, none is.
        long = index.long & self.base_names if index.long else index.long
        if not long:  # the common case, kept short: this runs ~100 times per invoice
            bound: dict[str, Any] = {v: index[v] for v in self.variables}
            if nodes is not None:
                bound["egw_nodes"] = nodes
            return self.xpath(node, **bound)
        bound = {} if nodes is None else {"egw_nodes": nodes}
        # Filters of a long list are computed once (walking); those still long are inlined.
        long |= {v for v in self.shared if len(index[v]) > LONGEST_LIST}
        variant = self.variants.get(long)
        if variant is None:
            variant = self.variants[long] = self._variant(long)
        xpath, variables = variant
        bound.update((v, index[v]) for v in variables)
        return xpath(node, **bound)

    def _variant(self, long: frozenset[str]) -> tuple[etree.XPath, tuple[str, ...]]:
        """The expression reading the long lists by walking, and the variables it still reads."""
        assert self.compile_xpath is not None, "a query with variables compiles its variants"
        text = self.xpath.path
        kept_shared = []
        for name in self.shared:
            if name in long:
                text = _replace_variable(text, name, _SHARED[name].xpath.path)
            else:
                kept_shared.append(name)
        for name in long:
            prefix, _, local = name.removeprefix("egw_").partition("_")
            text = _replace_variable(text, name, f"/descendant::{prefix}:{local}")
        kept = tuple(v for v in self.base if v not in long and f"${v}" in text)
        return self.compile_xpath(text), (*kept, *kept_shared)


class ElementIndex(dict[str, list[etree._Element]]):
    """Per variable name, every element of its name in the document, in document order.

    A union of variables (``$a | $b``) is kept under the names joined by ``|``:
    the elements of any of those names, in document order. A shared filtered
    list (:func:`share_filters`) is evaluated on first use.
    """

    tree: etree._ElementTree
    #: The names of the lists (not shared filters) longer than LONGEST_LIST.
    long: frozenset[str] = frozenset()

    def __missing__(self, name: str) -> list[etree._Element]:
        query = _SHARED[name]
        value = query(self.tree, self)
        assert isinstance(value, list)
        self[name] = value
        return value

    @classmethod
    def build(
        cls,
        tree: etree._ElementTree,
        variables: Mapping[str, str],
        unions: Iterable[tuple[str, ...]] = (),
    ) -> ElementIndex:
        """Collects the elements of every name (and union) in one pass over the tree."""
        by_tag: dict[str, list[etree._Element]] = {tag: [] for tag in set(variables.values())}
        found = cls({name: by_tag[tag] for name, tag in variables.items()})
        found.tree = tree
        also: dict[str, list[list[etree._Element]]] = {}
        for union in unions:
            merged: list[etree._Element] = []
            found["|".join(union)] = merged
            for name in union:
                also.setdefault(variables[name], []).append(merged)
        if by_tag:
            for element in tree.getroot().iter(*by_tag):
                tag = str(element.tag)
                by_tag[tag].append(element)
                for merged in also.get(tag, ()):
                    merged.append(element)
            found.long = frozenset(
                name for name, tag in variables.items() if len(by_tag[tag]) > LONGEST_LIST
            )
        return found
