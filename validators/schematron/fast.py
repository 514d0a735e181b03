"""Rewrites that make a compiled Schematron rule set faster without changing what it reports.

Two rewrites, both exact by construction and both checked by the differential
test (``tests/validators/test_fast_differential.py``), which compares the fast and
the original form of every rule set on every corpus document:

* **Targeted contexts.** The ISO skeleton walks the whole tree once per pattern
  and asks every node which rule matches. A pattern whose rule contexts are
  plain path patterns instead applies its templates to the union of those
  contexts as select expressions (``cac:InvoiceLine`` becomes ``//cac:InvoiceLine``).
  The templates, their match patterns and priorities stay, so the first
  matching rule of a pattern still wins.
* **Hashed code lists.** ``contains(' A B C ', concat(' ', X, ' '))`` scans the
  whole list for every value; a value without a space is looked up in a map of
  the list's space-delimited tokens instead (see :func:`hash_code_lists`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_NAME_START = re.compile(r"[\w*@]")
# Steps that can select nodes the skeleton's walk (``@*|*``) never visits.
_NON_ELEMENT_STEP = re.compile(r"\b(text|node|comment|processing-instruction|document-node)\s*\(")
_NOT_A_PATH = re.compile(r"\b(current|key|id|doc|root|element-with-id)\s*\(|\bunion\b")


def _scan(text: str) -> Iterator[tuple[int, str, int]]:
    """Yields (index, character, bracket depth) outside string literals."""
    depth = 0
    quote = ""
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
            continue
        if char in "'\"":
            quote = char
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        yield index, char, depth


def split_top_level(text: str, separator: str) -> list[str]:
    """Splits an XPath expression at ``separator`` characters outside brackets and strings.

    >>> split_top_level("a[b|c] | d", "|")
    ['a[b|c] ', ' d']
    """
    parts: list[str] = []
    start = 0
    for index, char, depth in _scan(text):
        if char == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _without_predicates(text: str) -> str:
    """The steps of a path pattern with every ``[…]`` predicate left out."""
    kept: list[str] = []
    predicate_depth = 0
    for _, char, _depth in _scan(text):
        if char == "[":
            predicate_depth += 1
        elif char == "]":
            predicate_depth -= 1
        elif predicate_depth == 0:
            kept.append(char)
    return "".join(kept)


def context_select(context: str) -> str | None:
    """The select expression, from the document node, of the nodes a rule context matches.

    None when the context is not a plain path pattern over elements and attributes
    (the pattern then keeps the full tree walk).

    >>> context_select("cac:InvoiceLine | /ubl:Invoice/cbc:Note[1]")
    '//cac:InvoiceLine | /ubl:Invoice/cbc:Note[1]'
    >>> context_select("//*[not(*)]")
    '//*[not(*)]'
    >>> context_select("text()") is None
    True
    """
    selects: list[str] = []
    for alternative in (a.strip() for a in split_top_level(context, "|")):
        steps = _without_predicates(alternative)
        if not alternative or _NOT_A_PATH.search(alternative) or _NON_ELEMENT_STEP.search(steps):
            return None
        if alternative.startswith("/"):
            selects.append(alternative)  # "/", "/a/b" and "//a" select what they match
        elif _NAME_START.match(alternative):
            selects.append("//" + alternative)
        else:
            return None
    return " | ".join(selects)


_CONTAINS = re.compile(r"\bcontains\s*(\()\s*'([^']*)'\s*,\s*concat\s*(\()\s*' '\s*,")


def _call_end(text: str, open_paren: int) -> int:
    """The index just after the parenthesis that closes the one at ``open_paren``."""
    for index, char, depth in _scan(text[open_paren:]):
        if char == ")" and depth == 0:
            return open_paren + index + 1
    return len(text)


def hash_code_lists(expression: str, maps: dict[str, str]) -> str:
    """Replaces code-list scans ``contains('…', concat(' ', X, ' '))`` by a map lookup.

    ``' ' + v + ' '`` occurs in a list ``s`` exactly when ``v`` has no space, is not
    empty, and is one of the pieces of ``s.split(' ')`` other than the first and the
    last; for any other ``v`` the original ``contains`` still runs. ``X`` is
    evaluated once, through the same ``concat``, so typing errors stay the same.
    ``maps`` collects the needed global variables (name -> XPath map constructor).

    >>> maps = {}
    >>> hash_code_lists("contains(' A B ', concat(' ', @c, ' '))", maps)
    "(let $egw_v := concat('', @c) return if ($egw_v = '' or contains($egw_v, ' ')) then contains(' A B ', concat(' ', $egw_v, ' ')) else exists($egw_codes_1($egw_v)))"
    >>> maps
    {'egw_codes_1': "map{'A':true(),'B':true()}"}
    """
    output: list[str] = []
    position = 0
    while match := _CONTAINS.search(expression, position):
        contains_end = _call_end(expression, match.start(1))
        concat_end = _call_end(expression, match.start(3))
        arguments = split_top_level(expression[match.start(3) + 1 : concat_end - 1], ",")
        closes_contains = expression[concat_end:contains_end].strip() == ")"
        if len(arguments) != 3 or arguments[2].strip() != "' '" or not closes_contains:
            output.append(expression[position : match.end()])
            position = match.end()
            continue
        listed = match.group(2)
        value = hash_code_lists(arguments[1].strip(), maps)
        tokens = sorted({piece for piece in listed.split(" ")[1:-1] if piece})
        constructor = "map{" + ",".join(f"'{t}':true()" for t in tokens) + "}"
        name = next((n for n, c in maps.items() if c == constructor), f"egw_codes_{len(maps) + 1}")
        maps[name] = constructor
        output.append(expression[position : match.start()])
        output.append(
            f"(let $egw_v := concat('', {value}) return if ($egw_v = '' or contains($egw_v, ' '))"
            f" then contains('{listed}', concat(' ', $egw_v, ' ')) else exists(${name}($egw_v)))"
        )
        position = contains_end
    output.append(expression[position:])
    return "".join(output)
