"""What an official XPath 2.0 expression is, read from its text: variables, forms, pattern steps.

The native Peppol engine (:mod:`validators.native.peppol`) decides once per
expression how it runs; these pure functions answer the questions it asks: which
variables it reads, whether XPath 1.0 (lxml) gives it the same meaning, whether
XPath 2.0 may raise where XPath 1.0 reads a first node, whether it can read an
invoice line, and how a match pattern splits into steps and predicates.
"""

from __future__ import annotations

import re

from validators.native.engine import match_to_select
from validators.native.xpath_text import at_top_level, depth_zero, split_union

VARIABLE = re.compile(r"\$([A-Za-z_][\w.\-]*)")
_BOUND = re.compile(r"(?:\bsome|\bevery|\bfor|,)\s*\$([A-Za-z_][\w.\-]*)\s+in\s")


def free_variables(expression: str) -> frozenset[str]:
    """The variables an expression reads from outside (not those its quantifiers bind).

    >>> sorted(free_variables("some $code in $ISO4217 satisfies @currencyID = $code"))
    ['ISO4217']
    """
    bare = STRING.sub("''", expression)
    return frozenset(VARIABLE.findall(bare)) - frozenset(_BOUND.findall(bare))


STRING = re.compile(r"'[^']*'|\"[^\"]*\"")
# What only XPath 2.0 evaluates as the official rules mean it (besides what to_xpath1 refuses).
_XPATH2 = re.compile(
    r"xs:|\bsum\(|\bround\(|\babs\(|\bsome\s+\$|\bevery\s+\$|\bif\s*\(|\bfor\s+\$|\bcastable\b"
    r"|\binstance\s+of\b|\s(eq|ne|lt|gt|le|ge|idiv|to)\s|current\(\)|\bnumber\(|\bmatches\("
    r"|\btokenize\(|\breplace\(|\bstring-join\(|\bstring-to-codepoints\(|\bu:"
    r"|/\s*(substring|normalize-space|upper-case|string|tokenize)\("
)
# A value compared with a number: XPath 1.0 converts with number() (no exponent, and
# -0.00 = 0), XPath 2.0 casts to xs:double; only counts and lengths compare alike.
_NUMBER_COMPARED = re.compile(r"(=|<|>)\s*[-+]?[.\d(]|\d\s*(!?=|<|>)")
_COUNTED = re.compile(r"\b(count|string-length)\(")


def _without_counts(expression: str) -> str:
    """The expression with each ``count(...)``/``string-length(...)`` call replaced by ``N``."""
    while True:
        found = _COUNTED.search(expression)
        if found is None:
            return expression
        depth, end = 0, found.end() - 1
        for end in range(found.end() - 1, len(expression)):
            if expression[end] == "(":
                depth += 1
            elif expression[end] == ")":
                depth -= 1
                if depth == 0:
                    break
        expression = expression[: found.start()] + "N" + expression[end + 1 :]


def means_the_same_in_xpath1(expression: str) -> bool:
    """Whether lxml may evaluate an official XPath 2.0 expression (its variables bound).

    >>> means_the_same_in_xpath1("count(cbc:Note) <= 1 or ($a and $b)")
    True
    >>> means_the_same_in_xpath1("number(cbc:Percent) = 25"), means_the_same_in_xpath1("cbc:X = 59")
    (False, False)
    """
    bare = STRING.sub("''", expression)
    if _XPATH2.search(bare):
        return False
    counted = re.sub(
        r"N\s*(!?=|<=|>=|<|>)\s*\d+|\d+\s*(!?=|<=|>=|<|>)\s*N", "B", _without_counts(bare)
    )
    return not _NUMBER_COMPARED.search(counted) and "<" not in counted and ">" not in counted


def pattern_select(context: str) -> str:
    """The expression selecting every node a rule's match pattern matches."""
    alternatives = split_union(context)
    selects = []
    for alternative in alternatives:
        if alternative.startswith("(") and all(
            a.startswith("/") for a in split_union(alternative[1 : closing_bracket(alternative)])
        ):
            selects.append(alternative)  # (/a | /b)[predicate]: rooted already
        else:
            selects.append(match_to_select(alternative))
    return " | ".join(selects)


def closing_bracket(text: str) -> int:
    """The index of the bracket closing the one ``text`` starts with (its length if none)."""
    depth = 0
    for index, char in enumerate(text):
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
            if depth == 0:
                return index
    return len(text)


# A function call whose argument may be several nodes: XPath 1.0 reads the first, XPath 2.0
# raises (XPTY0004), and in a match pattern that error means "no match" (see _Run.select).
_FUNCTION_CALL = re.compile(r"\b([a-z][\w\-]*)\(")
_ONE_ITEM_ANYWAY = frozenset({"count", "exists", "not", "boolean", "true", "false"})
_PATH_STEP = re.compile(r"[A-Za-z_][\w\-]*:[A-Za-z_][\w\-]*(?!\()|\btext\(\)|\.\.|\*")


def may_raise_in_xpath2(expression: str) -> bool:
    """Whether XPath 2.0 may raise where XPath 1.0 reads the first node (a function of a path).

    >>> may_raise_in_xpath2("upper-case(cbc:Code) = 'X'"), may_raise_in_xpath2("not(cbc:A) and @x = $y")
    (True, False)
    >>> may_raise_in_xpath2("contains(' a ', concat(' ', cbc:P, ' '))")
    True
    """
    bare = STRING.sub("''", expression)
    for call in _FUNCTION_CALL.finditer(bare):
        if call.group(1) in _ONE_ITEM_ANYWAY:
            continue
        opening = call.end() - 1
        arguments = bare[opening : opening + closing_bracket(bare[opening:]) + 1]
        if _PATH_STEP.search(arguments):
            return True
    return False


_NAME_TEST = re.compile(r"\*|[A-Za-z_][\w\-]*:[A-Za-z_][\w\-]*|[A-Za-z_][\w\-]*")

Step = tuple[bool, str, list[str]]  # descendant axis?, name test, predicates


def pattern_steps(alternative: str) -> list[Step] | None:
    """A match pattern of element steps with predicates, or None for any other form.

    >>> pattern_steps("a:B[x = 1]//c:D")
    [(True, 'a:B', ['x = 1']), (True, 'c:D', [])]
    """
    steps: list[Step] = []
    index = 0
    text = alternative.strip()
    while index < len(text):
        if text.startswith("//", index):
            descendant, index = True, index + 2
        elif text.startswith("/", index):
            descendant, index = False, index + 1
        elif not steps:
            descendant = True  # a relative pattern matches at any depth
        else:
            return None
        name = _NAME_TEST.match(text, index)
        if name is None or text.startswith("(", name.end()):
            return None
        index = name.end()
        predicates = []
        while index < len(text) and text[index] == "[":
            end = index + closing_bracket(text[index:])
            if end >= len(text):
                return None
            predicates.append(text[index + 1 : end].strip())
            index = end + 1
        if any(re.fullmatch(r"\d+|last\(\)", p) for p in predicates):
            return None  # positional: a pattern's position is among siblings, not in a select
        steps.append((descendant, name.group(), predicates))
    return steps or None


def conjuncts(predicate: str) -> list[str]:
    """The operands of a top-level ``and`` (the predicate itself when there is none).

    >>> conjuncts("a = 'x and y' and (b or c) and d[e and f]")
    ["a = 'x and y'", '(b or c)', 'd[e and f]']
    """
    if re.search(r"\sor\s", depth_zero(predicate)):
        return [predicate]
    parts, start, skip_until = [], 0, -1
    for index, _ in at_top_level(predicate):
        if index > skip_until and re.match(r"\sand\s", predicate[index:]):
            parts.append(predicate[start:index].strip())
            start, skip_until = index + 5, index + 4
    parts.append(predicate[start:].strip())
    return [p for p in parts if p]


def reads_variables_only(expression: str) -> bool:
    """Whether an expression compares global variables and literals only (no node of its own).

    >>> reads_variables_only("$a = 'DK' and $b = 'DK'"), reads_variables_only("$a = cbc:ID")
    (True, False)
    """
    bare = VARIABLE.sub("V", STRING.sub("''", expression))
    return bool(re.fullmatch(r"(?:\s|[()=!<>]|\d|''|\bV\b|\band\b|\bor\b)*", bare))


def is_absolute_path(expression: str) -> bool:
    """Whether an expression is one path from the root (its value ignores the context node).

    >>> is_absolute_path("//a:B/a:C[x = 'S']"), is_absolute_path("//a:B and x"), is_absolute_path("a:B")
    (True, False, False)
    """
    text = expression.strip()
    top = depth_zero(text)
    return (
        text.startswith("/")
        and bool(re.fullmatch(r"[/\w:\-*|\s]*", top))
        and not re.search(r"\s(and|or|div|mod|idiv|to|union|intersect|except)\s", top)
    )


# What may read a line, or more than the document without its lines shows (see _Run).
_REACHES_LINES = re.compile(
    r"InvoiceLine|CreditNoteLine|//|descendant|ancestor|preceding|following|\broot\(|\bid\("
)
_ROOT_WILDCARD = re.compile(r"(?<![\w)\].*])/\*(?=/)")
_WILDCARD = re.compile(r"(?:^|[/(\[,|]|::)\s*\*(?![\w:])")
# The string value or the children of the context node itself: at the root, lines included.
READS_SELF = re.compile(
    r"(?<![\w.$\-])\.(?![\w.])|\b(?:text|node|string|normalize-space|string-length|data)\(\s*\)"
    r"|\bposition\(|\blast\("
)


def reads_no_line(expression: str) -> bool:
    """Whether an expression sees the same with the document's lines removed (from outside them).

    It names no line, takes no descendant, ancestor or sibling axis and no wildcard
    step other than the root's (``/*/cbc:ID``).

    >>> reads_no_line("/*/cac:AccountingSupplierParty/cbc:ID"), reads_no_line("count(*)")
    (True, False)
    >>> reads_no_line("cac:InvoiceLine/cbc:ID"), reads_no_line("//cbc:ID")
    (False, False)
    """
    bare = STRING.sub("''", expression)
    if _REACHES_LINES.search(bare):
        return False
    return not _WILDCARD.search(_ROOT_WILDCARD.sub("", bare))
