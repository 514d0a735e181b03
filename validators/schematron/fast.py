"""Rewrites that make a compiled Schematron rule set faster without changing what it reports.

Two rewrites, both exact by construction and both checked by the differential
test (``tests/validators/test_fast_differential.py``), which compares the fast and
the original form of every rule set on every corpus document:

* **Targeted contexts.** The ISO skeleton walks the whole tree once per pattern
  and asks every node which rule matches. A pattern whose rule contexts are
  plain path patterns instead applies its templates to the nodes their steps
  name (``cac:X[p]/cbc:Y`` becomes ``//cac:X/cbc:Y``): a superset of the matches.
  The templates, their match patterns and priorities stay, so the first
  matching rule of a pattern still wins and a node no rule matches is left
  alone. Predicates stay out of the select because an error in a pattern means
  "no match" while the same error in an expression stops the transformation
  (Peppol's ``cac:AccountingSupplierParty[$isGreekSender]`` on a document with
  two supplier countries).
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
    return _filter_predicates(text, keep_safe=False)


def _filter_predicates(text: str, *, keep_safe: bool = True) -> str:
    """The steps of a path pattern with the predicates that might raise an error left out."""
    kept: list[str] = []
    predicate_start = -1
    predicate_depth = 0
    for index, char, _depth in _scan(text):
        if char == "[":
            predicate_depth += 1
            if predicate_depth == 1:
                predicate_start = index
        elif char == "]":
            predicate_depth -= 1
            if (
                predicate_depth == 0
                and keep_safe
                and _cannot_fail(text[predicate_start + 1 : index])
            ):
                kept.append(text[predicate_start : index + 1])
        elif predicate_depth == 0:
            kept.append(char)
    return "".join(kept)


_STRING = re.compile(r"'[^']*'|\"[^\"]*\"")
_NAME_TEST = re.compile(r"(ends-with|starts-with|contains)\(\s*(local-)?name\(\)\s*,\s*''\s*\)")
_SAFE_TOKEN = re.compile(
    r"\s+|''|!=|=|\(|\)|\[|\]|\||//?|@|\*|\.\.?|::|(?:not|exists|empty)\s*\(|(?:local-)?name\(\)"
    r"|(?:[A-Za-z_][\w.\-]*:)?[A-Za-z_][\w.\-]*(?!\s*\()"
)


# Operators that can fail (value comparisons, arithmetic, casts) or that are not
# steps; spelled as names, so the token pattern alone would let them through.
_OPERATOR_WORDS = frozenset(
    "eq ne lt le gt ge is div idiv mod to cast castable treat instance as of"
    " union intersect except return satisfies some every for let if then else".split()
)
# "*" is a name test only right after a step separator or an opening bracket.
_MULTIPLY = re.compile(r"[^/\[(@:\s]\s*\*|[^/\[(@:]\s+\*")


def _cannot_fail(predicate: str) -> bool:
    """Whether a predicate can never raise a dynamic error (so it may filter a select).

    Only steps, ``and``/``or``, ``not``/``exists``/``empty``, ``name()`` tests and
    ``=``/``!=`` against strings or nodes qualify: no numbers, variables, casts,
    value comparisons, arithmetic or functions that take one item
    (``normalize-space(cbc:ID)`` fails on two IDs).

    >>> _cannot_fail("ends-with(name(), 'Amount') and not(ancestor::cac:Price/cac:X)")
    True
    >>> _cannot_fail("@schemeID = '0088'"), _cannot_fail("normalize-space(cbc:ID) = 'S'")
    (True, False)
    >>> _cannot_fail("cbc:ChargeIndicator = false()"), _cannot_fail("$flag"), _cannot_fail("1")
    (False, False, False)
    >>> _cannot_fail("cbc:A eq 'x'"), _cannot_fail("cbc:A * cbc:B"), _cannot_fail("not(*) and cac:B/*")
    (False, False, True)
    """
    text = _NAME_TEST.sub("name()", _STRING.sub("''", predicate))
    if _MULTIPLY.search(text):
        return False
    position = 0
    while position < len(text):
        match = _SAFE_TOKEN.match(text, position)
        if match is None or not match.group(0) or match.group(0) in _OPERATOR_WORDS:
            return False
        position = match.end()
    return True


def context_select(context: str) -> str | None:
    """A select expression, from the document node, of every node a rule context can match.

    The steps of the pattern without their predicates. None when the context is not
    a plain path pattern over elements and attributes (the pattern then keeps the
    full tree walk).

    >>> context_select("cac:InvoiceLine | /ubl:Invoice/cbc:Note[1]")
    '//cac:InvoiceLine | /ubl:Invoice/cbc:Note'
    >>> context_select("//*[not(*)]")
    '//*[not(*)]'
    >>> context_select("cac:TaxCategory[normalize-space(cbc:ID) = 'S']/cbc:Percent")
    '//cac:TaxCategory/cbc:Percent'
    >>> context_select("(/a/b | /c/b)[$flag]")
    '/a/b | /c/b'
    >>> context_select("text()") is None
    True
    """
    selects: list[str] = []
    for alternative in (a.strip() for a in split_top_level(context, "|")):
        if alternative.startswith("("):
            # A parenthesised union with predicates only: the union's own steps.
            end = _call_end(alternative, 0)
            inner = context_select(alternative[1 : end - 1])
            if inner is None or _without_predicates(alternative[end:]).strip():
                return None
            selects.append(inner)
            continue
        steps = _filter_predicates(alternative)
        if not alternative or _NOT_A_PATH.search(alternative) or _NON_ELEMENT_STEP.search(steps):
            return None
        steps = steps.strip()
        if steps.startswith("/"):
            selects.append(steps)  # "/", "/a/b" and "//a" select what they match
        elif _NAME_START.match(steps):
            selects.append("//" + steps)
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


#: The key over every attribute in no namespace, by local name (see :func:`index_attribute_scans`).
ATTRIBUTE_KEY = "egw_attributes"
_ATTRIBUTE_SCAN = re.compile(r"(?<=[(,])(\s*)//@([A-Za-z_][\w.\-]*)(?=\s*[),])")


def index_attribute_scans(expression: str) -> str:
    """Replaces whole-document attribute scans ``//@name`` by a lookup in an attribute key.

    ``//@schemeName`` visits every node of the document; the key
    ``egw_attributes`` (every no-namespace attribute by local name) is built in one
    pass and returns the same nodes in document order. Only a scan that is a whole
    function argument is replaced (``not(//@x)``, ``count(//@x)``): no further step
    or predicate follows it.

    >>> index_attribute_scans("not(//@schemeName) and count(//@name, 1) and not(//@x[1])")
    "not(key('egw_attributes', 'schemeName')) and count(key('egw_attributes', 'name'), 1) and not(//@x[1])"
    """
    in_string = _string_positions(expression)
    return _ATTRIBUTE_SCAN.sub(
        lambda m: (
            m.group(0)
            if m.start() in in_string
            else f"{m.group(1)}key('{ATTRIBUTE_KEY}', '{m.group(2)}')"
        ),
        expression,
    )


def _string_positions(text: str) -> set[int]:
    outside = {index for index, _, _ in _scan(text)}
    return set(range(len(text))) - outside
