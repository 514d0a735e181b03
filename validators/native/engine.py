"""Runs official Schematron rules natively: their own XPath, evaluated by lxml (libxml2) over the tree.

The official rules are written in XPath 2.0; libxml2 speaks XPath 1.0. A rule runs
here only when its expressions mean the same in both, which holds for the
structural rules (presence, counts, string and code checks) once three XPath 2
idioms are spelled in XPath 1.0 (see :func:`to_xpath1`) and four XPath 2
functions are provided (``exists``, ``upper-case``, ``lower-case``, ``ends-with``).
Arithmetic (``xs:decimal``, ``sum``, ``round``, ``abs``) is never evaluated here:
XPath 1.0 computes in binary floating point, the official rules in decimals.

Which rules are *claimed* is not decided here but by the differential test
(tests/validators/native): see :mod:`validators.native.coverage`.

Schematron semantics kept: in each pattern, an element is the context of the
first rule (highest priority) whose context matches it, and of no other rule of
that pattern; a failed assertion is reported at the context element with the
official location path (``/*:Invoice[namespace-uri()='...'][1]/...``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lxml import etree

from validators.native.official import Assertion, OfficialRuleSet, Rule
from validators.native.xpath2 import XPath2Document, XPath2Test, compile_xpath2


def _string(value: Any) -> str:
    """The XPath string value of a function argument (node-set: its first node)."""
    if isinstance(value, list):
        if not value:
            return ""
        value = value[0]
    if isinstance(value, etree._Element):
        return str(value.xpath("string()"))
    return str(value)


def _exists(_context: Any, value: Any) -> bool:
    return bool(value) if isinstance(value, list) else True


def _upper_case(_context: Any, value: Any) -> str:
    return _string(value).upper()


def _lower_case(_context: Any, value: Any) -> str:
    return _string(value).lower()


def _ends_with(_context: Any, value: Any, suffix: Any) -> bool:
    return _string(value).endswith(_string(suffix))


FUNCTIONS = {
    (None, "exists"): _exists,
    (None, "upper-case"): _upper_case,
    (None, "lower-case"): _lower_case,
    (None, "ends-with"): _ends_with,
}

# Expressions that only XPath 2.0 (decimal arithmetic, dates, quantified
# expressions) evaluates as the official rules mean them.
_XPATH2_ONLY = re.compile(
    r"xs:decimal|xs:date|\bsum\(|\bround\(|\babs\(|\bsome\s+\$|\bevery\s+\$|\bif\s*\(|\bfor\s+\$"
    r"|\bcastable\b|\binstance\s+of\b|\s(eq|ne|lt|gt|le|ge)\s|current\(\)|\$"
)
# XPath 2 path steps ending in a function, as the rules use them for the tax scheme.
_TAX_SCHEME_VAT = re.compile(r"cac:TaxScheme/normalize-space\(upper-case\(cbc:ID\)\)\s*=\s*'VAT'")
# The same as a parenthesised step: a predicate whose value is one boolean per tax
# scheme (Saxon raises FORG0006 for two of them, a document it does not judge).
_TAX_SCHEME_VAT_STEP = re.compile(
    r"cac:TaxScheme/\(normalize-space\(upper-case\(cbc:ID\)\)\s*=\s*'VAT'\)"
)
# upper-case(cbc:ID) as a step, compared with 'VAT' (existentially, over the schemes).
_TAX_SCHEME_UPPER = re.compile(r"cac:TaxScheme/upper-case\(cbc:ID\)\s*(!?=)\s*'VAT'")
# ends-with(name(), 'X') in XPath 1.0 terms (a Python callback per element is slow).
_ENDS_WITH_NAME = re.compile(r"ends-with\(name\(\),\s*'(\w+)'\)")
# upper-case() compared with 'VAT': no non-ASCII letter upper-cases to V, A or T, so
# ASCII translate() gives the same answer without a Python call per node.
_UPPER_VAT = re.compile(r"normalize-space\(upper-case\(cbc:ID\)\)\s*(!?=)\s*'VAT'")
_ASCII_UPPER = "translate(cbc:ID, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')"
# A general comparison of an untyped node with a boolean casts the node's value.
_CHARGE_INDICATOR = re.compile(r"cbc:ChargeIndicator\s*=\s*(true|false)\(\)")


def to_xpath1(expression: str) -> str | None:
    """The XPath 1.0 spelling of an official XPath 2.0 expression, or None when there is none.

    >>> to_xpath1("cac:AllowanceCharge[cbc:ChargeIndicator = false()]")
    "cac:AllowanceCharge[cbc:ChargeIndicator[normalize-space()='false' or normalize-space()='0']]"
    >>> to_xpath1("xs:decimal(cbc:Amount) > 0") is None
    True
    """
    if _XPATH2_ONLY.search(expression):
        return None
    expression = _ENDS_WITH_NAME.sub(
        lambda m: (
            f"substring(name(), string-length(name()) - {len(m.group(1)) - 1}) = '{m.group(1)}'"
        ),
        expression,
    )
    expression = _TAX_SCHEME_VAT_STEP.sub(
        "cac:TaxScheme[normalize-space(upper-case(cbc:ID))='VAT']", expression
    )
    expression = _TAX_SCHEME_VAT.sub(
        "cac:TaxScheme[normalize-space(upper-case(cbc:ID))='VAT']", expression
    )
    expression = _TAX_SCHEME_UPPER.sub(
        lambda m: f"cac:TaxScheme[{_ASCII_UPPER}{m.group(1)}'VAT']", expression
    )
    expression = _UPPER_VAT.sub(
        lambda m: f"normalize-space({_ASCII_UPPER}){m.group(1)}'VAT'", expression
    )
    return _CHARGE_INDICATOR.sub(
        lambda m: (
            "cbc:ChargeIndicator[normalize-space()='true' or normalize-space()='1']"
            if m.group(1) == "true"
            else "cbc:ChargeIndicator[normalize-space()='false' or normalize-space()='0']"
        ),
        expression,
    )


def match_to_select(pattern: str) -> str:
    """An XSLT match pattern as the expression selecting every node it matches.

    >>> match_to_select("cac:InvoiceLine | /ubl:Invoice/cbc:Note")
    '//cac:InvoiceLine | /ubl:Invoice/cbc:Note'
    """
    alternatives, depth, start = [], 0, 0
    for index, char in enumerate(pattern):
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == "|" and depth == 0:
            alternatives.append(pattern[start:index])
            start = index + 1
    alternatives.append(pattern[start:])
    selects = []
    for alternative in (a.strip() for a in alternatives):
        selects.append(alternative if alternative.startswith("/") else "//" + alternative)
    return " | ".join(selects)


@dataclass(frozen=True)
class CompiledAssertion:
    """An assertion whose test runs in lxml."""

    assertion: Assertion
    test: etree.XPath


@dataclass(frozen=True)
class XPath2Assertion:
    """An assertion whose test needs XPath 2.0 (see :mod:`validators.native.xpath2`)."""

    assertion: Assertion
    test: XPath2Test


@dataclass(frozen=True)
class CompiledRule:
    """A rule whose context runs in lxml, with those of its assertions that do too.

    ``all_pass`` holds the conjunction of the tests in chunks: one call per chunk
    answers the common case (nothing fails); only a failing chunk is evaluated
    assertion by assertion. ``absent`` holds the tests of the form ``not(path)``
    whose path ends in an element: they hold whenever no element of that name is
    in the document, which one pass over the tree tells for all of them (most
    of the UBL-CR rules: "should not include ...").
    """

    rule: Rule
    context: etree.XPath
    assertions: tuple[CompiledAssertion, ...]
    all_pass: tuple[tuple[etree.XPath, tuple[CompiledAssertion, ...]], ...] = ()
    absent: tuple[tuple[str, CompiledAssertion], ...] = ()
    xpath2: tuple[XPath2Assertion, ...] = ()

    @property
    def rule_ids(self) -> set[str]:
        """The ids of the assertions that run, in lxml or in XPath 2.0."""
        return {c.assertion.rule_id for c in self.assertions} | {
            c.assertion.rule_id for c in self.xpath2
        }


@dataclass(frozen=True)
class Program:
    """The compiled form of a rule set: per pattern, its rules in priority order.

    ``blocked`` lists the patterns cut short by a context that does not run in
    lxml: the rules after it cannot know which nodes it takes, so they do not run.
    """

    patterns: tuple[tuple[str, tuple[CompiledRule, ...]], ...]
    not_compiled: frozenset[str]


_CHUNK = 48
_NAME = r"[a-z]+:[A-Za-z]+"
# not(PATH) where PATH is only element steps (a leading union allowed) and maybe a final @attribute.
_NOT_PATH = re.compile(
    rf"^\s*not\(\s*(?:/?/)?(?:\((?:{_NAME}\|?)+\)/)?(?:{_NAME}/)*({_NAME})(?:/@[A-Za-z]+)?\s*\)\s*$"
)


def _required_element(test: str, namespaces: dict[str, str]) -> str | None:
    """For ``not(path)`` tests, the Clark name of the element the path ends in."""
    found = _NOT_PATH.match(test)
    if found is None:
        return None
    prefix, local = found.group(1).split(":")
    return f"{{{namespaces[prefix]}}}{local}" if prefix in namespaces else None


def _compile(
    expression: str, namespaces: dict[str, str], *, as_boolean: bool = False
) -> etree.XPath | None:
    spelled = to_xpath1(expression)
    if spelled is None:
        return None
    if as_boolean:  # a test means its effective boolean value (NaN and "" are false)
        spelled = f"boolean({spelled})"
    try:
        return etree.XPath(
            spelled, namespaces=namespaces, extensions=FUNCTIONS, smart_strings=False
        )
    except etree.XPathSyntaxError:
        return None


def compile_rules(
    official: OfficialRuleSet,
    *,
    only: Iterable[str] | None = None,
    xpath2_only: frozenset[str] = frozenset(),
) -> Program:
    """Compiles the rules (all, or those holding the assertions named in ``only``).

    A test runs in lxml when it has an XPath 1.0 spelling and is not in
    ``xpath2_only`` (rules whose XPath 1.0 spelling was shown to mean something
    else); otherwise in the XPath 2.0 engine.
    """
    wanted = set(only) if only is not None else None
    by_pattern: dict[str, list[Rule]] = {}
    for rule in official.rules:
        by_pattern.setdefault(rule.pattern, []).append(rule)
    patterns = []
    not_compiled: set[str] = set()
    for pattern, rules in by_pattern.items():
        compiled_rules: list[CompiledRule] = []
        blocked = False
        for rule in sorted(rules, key=lambda r: -r.priority):
            ids = {a.rule_id for a in rule.assertions}
            context = (
                None if blocked else _compile(match_to_select(rule.context), official.namespaces)
            )
            if context is None:
                # Its nodes are unknown, so no later rule of this pattern can run either.
                blocked = True
                not_compiled |= ids
                continue
            assertions = []
            xpath2 = []
            for assertion in rule.assertions:
                if wanted is not None and assertion.rule_id not in wanted:
                    continue
                test = None
                if assertion.rule_id not in xpath2_only:
                    test = _compile(assertion.test, official.namespaces, as_boolean=True)
                if test is not None:
                    assertions.append(CompiledAssertion(assertion, test))
                    continue
                test2 = compile_xpath2(assertion.test, official.namespaces)
                if test2 is None:
                    not_compiled.add(assertion.rule_id)
                else:
                    xpath2.append(XPath2Assertion(assertion, test2))
            absent = []
            general = []
            for compiled in assertions:
                element = _required_element(compiled.assertion.test, official.namespaces)
                if element is None:
                    general.append(compiled)
                else:
                    absent.append((element, compiled))
            compiled_rules.append(
                CompiledRule(
                    rule,
                    context,
                    tuple(assertions),
                    _conjunctions(general, official.namespaces),
                    tuple(absent),
                    tuple(xpath2),
                )
            )
        # Rules that come after the last wanted assertion change nothing: drop them.
        while compiled_rules and not compiled_rules[-1].rule_ids:
            compiled_rules.pop()
        if compiled_rules:
            patterns.append((pattern, tuple(compiled_rules)))
    return Program(tuple(patterns), frozenset(not_compiled))


def _conjunctions(
    assertions: list[CompiledAssertion], namespaces: dict[str, str]
) -> tuple[tuple[etree.XPath, tuple[CompiledAssertion, ...]], ...]:
    chunks = []
    for start in range(0, len(assertions), _CHUNK):
        chunk = tuple(assertions[start : start + _CHUNK])
        expression = " and ".join(f"boolean({to_xpath1(c.assertion.test)})" for c in chunk)
        chunks.append(
            (
                etree.XPath(expression, namespaces=namespaces, extensions=FUNCTIONS),
                chunk,
            )
        )
    return tuple(chunks)


def location(node: etree._Element) -> str:
    """The official SVRL location of an element (the skeleton's ``schematron-get-full-path``)."""
    steps = []
    current: etree._Element | None = node
    while current is not None:
        qname = etree.QName(current)
        same = 1
        sibling = current.getprevious()
        while sibling is not None:
            if sibling.tag == current.tag:
                same += 1
            sibling = sibling.getprevious()
        name = (
            f"*:{qname.localname}[namespace-uri()='{qname.namespace}']"
            if qname.namespace
            else qname.localname
        )
        steps.append(f"/{name}[{same}]")
        current = current.getparent()
    return "".join(reversed(steps))


def run(
    program: Program, tree: etree._ElementTree, namespaces: dict[str, str]
) -> list[tuple[Assertion, etree._Element]]:
    """Every failed assertion of the program over a document, with its context element.

    Raises:
        NativeEvaluationError: An XPath 2.0 test raised a dynamic error (as Saxon would).
    """
    failed: list[tuple[Assertion, etree._Element]] = []
    present = {element.tag for element in tree.iter()}
    document = XPath2Document(tree, namespaces)
    for _pattern, rules in program.patterns:
        taken: set[etree._Element] = set()
        for rule in rules:
            nodes = rule.context(tree)
            assert isinstance(nodes, list)
            for node in nodes:
                if not isinstance(node, etree._Element) or node in taken:
                    continue
                taken.add(node)
                for element, compiled in rule.absent:
                    if element in present and not compiled.test(node):
                        failed.append((compiled.assertion, node))
                for all_pass, chunk in rule.all_pass:
                    if all_pass(node):
                        continue
                    for compiled in chunk:
                        if not compiled.test(node):
                            failed.append((compiled.assertion, node))
                for xpath2 in rule.xpath2:
                    if not xpath2.test(document, node):
                        failed.append((xpath2.assertion, node))
    return failed
