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

Where the time goes, and what keeps it low (each one proven by the same
differential test): one pass over the document collects its element and
attribute names and, per name the rules start a ``//name`` path from, its
elements (:mod:`validators.native.index`: XPath variables instead of a tree walk
per expression); a rule's tests run as one conjunction for all
its context nodes at once; ``not(path)`` tests are skipped when a name of the
path is absent; code-list tests run in Python
(:mod:`validators.native.codelist`), and so do the arithmetic rules in the plain
case (:mod:`validators.native.arithmetic`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from lxml import etree

from validators.native.codelist import CodeTest, code_test
from validators.native.index import (
    ElementIndex,
    Query,
    bind_descendants,
    share_filters,
    slices,
)
from validators.native.official import Assertion, OfficialRuleSet, Rule
from validators.native.xpath2 import XPath2Document, XPath2Test, compile_xpath2
from validators.native.xpath_text import PATH_ONLY, top_level


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


def _exists_as_boolean(expression: str) -> str:
    """``exists(path)`` as ``boolean(path)``: the same for a node-set, and no Python callback.

    lxml calls a Python extension function with the node-set turned into a list of
    element proxies; ``boolean()`` answers inside libxml2. Arguments that are not
    plain location paths keep the ``exists`` extension (``exists('')`` is true).
    """
    out, position = [], 0
    for found in re.finditer(r"(?<![\w-])exists\(", expression):
        if found.start() < position:
            continue
        start, depth = found.end(), 1
        end = start
        while end < len(expression) and depth:
            depth += {"(": 1, ")": -1}.get(expression[end], 0)
            end += 1
        argument = expression[start : end - 1]
        top = top_level(argument).replace("[]", "")
        # "*" only as a name test (after "/" or ":" or first), never as multiplication
        if depth == 0 and PATH_ONLY.match(top) and not re.search(r"[^/:\s|]\*", top):
            out.append(expression[position : found.start()])
            out.append(f"boolean({_exists_as_boolean(argument)})")
            position = end
    out.append(expression[position:])
    return "".join(out)


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
    expression = _CHARGE_INDICATOR.sub(
        lambda m: (
            "cbc:ChargeIndicator[normalize-space()='true' or normalize-space()='1']"
            if m.group(1) == "true"
            else "cbc:ChargeIndicator[normalize-space()='false' or normalize-space()='0']"
        ),
        expression,
    )
    return _exists_as_boolean(expression)


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
    test: Query


@dataclass(frozen=True)
class XPath2Assertion:
    """An assertion whose test needs XPath 2.0 (see :mod:`validators.native.xpath2`)."""

    assertion: Assertion
    test: XPath2Test


@dataclass(frozen=True)
class CompiledRule:
    """A rule whose context runs in lxml, with those of its assertions that do too.

    ``all_pass`` holds the conjunction of the tests in chunks, each in two forms:
    for one node, and for every context node of the rule at once (``$egw_nodes``).
    One call per chunk answers the common case (nothing fails); only a failing
    chunk is evaluated node by node, assertion by assertion. ``absent`` holds the
    tests of the form ``not(path)`` with the elements the path names: such a test
    holds whenever one of those is nowhere in the document, which one pass over
    the tree tells for all of them (most of the UBL-CR rules: "should not
    include ...").
    """

    rule: Rule
    context: Query
    assertions: tuple[CompiledAssertion, ...]
    all_pass: tuple[tuple[Query, Query, tuple[CompiledAssertion, ...]], ...] = ()
    absent: tuple[tuple[frozenset[str], CompiledAssertion], ...] = ()
    xpath2: tuple[XPath2Assertion, ...] = ()
    # Code-list tests answered in Python; the XPath test where Python abstains (None).
    listed: tuple[tuple[CodeTest, CompiledAssertion], ...] = ()

    @cached_property
    def name_suffix(self) -> str | None:
        """For a context ``//*[ends-with(name(), 'X') ...]``, the X every match's name ends in."""
        found = _NAME_ENDS_WITH.match(self.rule.context)
        return found.group(1) if found is not None else None

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

    @cached_property
    def variables(self) -> dict[str, str]:
        """Every ``//name`` variable of the program's queries, with its Clark name."""
        found: dict[str, str] = {}
        for _pattern, rules in self.patterns:
            for rule in rules:
                queries = [rule.context]
                queries += [q for single, every, _ in rule.all_pass for q in (single, every)]
                queries += [c.test for c in rule.assertions]
                for query in queries:
                    found.update(query.base)
        return found

    @cached_property
    def unions(self) -> tuple[tuple[str, ...], ...]:
        """The contexts that are unions of bare variables (merged by the index)."""
        found = {
            rule.context.bare
            for _pattern, rules in self.patterns
            for rule in rules
            if rule.context.bare is not None and len(rule.context.bare) > 1
        }
        return tuple(sorted(found))


_CHUNK = 48
_NAME = r"[a-z]+:[A-Za-z]+"
# not(PATH) where PATH is only element steps (a leading union allowed) and maybe a final @attribute.
_NOT_PATH = re.compile(
    rf"^\s*not\(\s*(?:/?/)?(?:\((?:{_NAME}\|?)+\)/)?((?:{_NAME}/)*{_NAME})(?:/@([A-Za-z]+))?\s*\)\s*$"
)
# not(//@name): no attribute of that name (in no namespace) anywhere.
_NO_ATTRIBUTE = re.compile(r"^\s*not\(\s*//@([A-Za-z]+)\s*\)\s*$")
# A context of every element whose name ends in a suffix (and more conditions).
_NAME_ENDS_WITH = re.compile(r"^//\*\[ends-with\(name\(\),\s*'(\w+)'\)[\s\]]")


def present_names(tree: etree._ElementTree) -> frozenset[str]:
    """The Clark names of the document's elements, and ``@name`` for its attributes."""
    names: set[str] = set()
    for element in tree.iter(etree.Element):
        names.add(str(element.tag))
        keys = element.keys()
        if keys:
            names.update(f"@{key!s}" for key in keys)
    return frozenset(names)


def _required_elements(test: str, namespaces: dict[str, str]) -> frozenset[str] | None:
    """For ``not(path)`` tests, the Clark names of the elements every match passes through.

    The steps after a leading union, each of which must exist for the path to
    select, and its final attribute (as ``@name``, of any element); for
    ``not(//@name)``, the attribute.
    """
    attribute = _NO_ATTRIBUTE.match(test)
    if attribute is not None:
        return frozenset({f"@{attribute.group(1)}"})
    found = _NOT_PATH.match(test)
    if found is None:
        return None
    names = [f"@{found.group(2)}"] if found.group(2) else []
    for step in found.group(1).split("/"):
        prefix, local = step.split(":")
        if prefix not in namespaces:
            return None
        names.append(f"{{{namespaces[prefix]}}}{local}")
    return frozenset(names)


def _query(spelled: str, namespaces: dict[str, str], *, share: bool = False) -> Query:
    """An XPath 1.0 expression compiled, its leading ``//name`` steps read from the index.

    With ``share``, its filtered lists are evaluated once per document
    (:func:`validators.native.index.share_filters`); contexts do not share, as
    each runs once and its leading variables tell when it selects nothing.
    """

    def compile_xpath(text: str) -> etree.XPath:
        return etree.XPath(text, namespaces=namespaces, extensions=FUNCTIONS, smart_strings=False)

    bound, variables = bind_descendants(spelled, namespaces)
    shared: tuple[str, ...] = ()
    if share:
        bound, shared = share_filters(bound, variables, namespaces, compile_xpath)
    return Query(compile_xpath(bound), variables, shared, compile_xpath)


def _compile(
    expression: str, namespaces: dict[str, str], *, as_boolean: bool = False
) -> Query | None:
    spelled = to_xpath1(expression)
    if spelled is None:
        return None
    if as_boolean:  # a test means its effective boolean value (NaN and "" are false)
        spelled = f"boolean({spelled})"
    try:
        return _query(spelled, namespaces, share=as_boolean)
    except etree.XPathSyntaxError:
        return None


def _compile_context(pattern: str, namespaces: dict[str, str]) -> Query | None:
    """The query selecting a rule's context nodes.

    ``//*[ends-with(name(), 'X') ...]`` is spelled over ``$egw_nodes``: the run
    passes the elements whose name ends in X (see :func:`_context_nodes`).
    """
    select = match_to_select(pattern)
    spelled = to_xpath1(select)
    if (
        spelled is not None
        and _NAME_ENDS_WITH.match(pattern)
        and spelled.startswith("//*[")
        and len(top_level(spelled).split("|")) == 1
    ):
        try:
            return _query("$egw_nodes" + spelled[len("//*") :], namespaces)
        except etree.XPathSyntaxError:
            return None
    return _compile(select, namespaces)


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
            context = None if blocked else _compile_context(rule.context, official.namespaces)
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
                test2 = compile_xpath2(
                    assertion.test, official.namespaces, rule_id=assertion.rule_id
                )
                if test2 is None:
                    not_compiled.add(assertion.rule_id)
                else:
                    xpath2.append(XPath2Assertion(assertion, test2))
            absent = []
            general = []
            listed = []
            for compiled in assertions:
                elements = _required_elements(compiled.assertion.test, official.namespaces)
                python = code_test(compiled.assertion.test)
                if elements is not None:
                    absent.append((elements, compiled))
                elif python is not None:
                    listed.append((python, compiled))
                else:
                    general.append(compiled)
            compiled_rules.append(
                CompiledRule(
                    rule,
                    context,
                    tuple(assertions),
                    _conjunctions(general, official.namespaces),
                    tuple(absent),
                    tuple(xpath2),
                    tuple(listed),
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
) -> tuple[tuple[Query, Query, tuple[CompiledAssertion, ...]], ...]:
    """The tests in chunks: each as one conjunction at a node, and over all nodes at once.

    Over all nodes, the conjunction is a predicate of ``$egw_nodes``: each node is
    then the context node, as when the conjunction runs at it (no official test
    reads ``position()`` or ``last()``, which would differ).
    """
    chunks = []
    for start in range(0, len(assertions), _CHUNK):
        chunk = tuple(assertions[start : start + _CHUNK])
        expression = " and ".join(f"boolean({to_xpath1(c.assertion.test)})" for c in chunk)
        positional = "position()" in expression or "last()" in expression
        # A positional test has no form over all nodes: "false()" sends it node by node.
        every = "false()" if positional else f"not($egw_nodes[not({expression})])"
        chunks.append(
            (
                _query(expression, namespaces, share=True),
                _query(every, namespaces, share=True),
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


def _names_ending_in(suffix: str, present: frozenset[str]) -> list[str]:
    """The element names of the document whose local name ends in ``suffix``.

    ``ends-with(name(), 'X')`` for a suffix without a colon looks at the local name.
    """
    return [
        name
        for name in present
        if not name.startswith("@") and name.rpartition("}")[2].endswith(suffix)
    ]


def _context_nodes(
    rule: CompiledRule, tree: etree._ElementTree, index: ElementIndex, tags: list[str] | None
) -> list[Any]:
    """Every node the rule's context matches, in document order.

    ``tags``: for a context on a name suffix, the document's element names with it.
    """
    bare = rule.context.bare
    if bare is not None:  # $a | $b: the index has them merged already
        return index["|".join(bare)] if len(bare) > 1 else index[bare[0]]
    if tags is not None and rule.context.xpath.path.startswith("$egw_nodes["):
        # //*[ends-with(name(), 'X') ...]: only elements whose local name ends in X can match.
        candidates = list(tree.getroot().iter(*tags)) if tags else []
        if not candidates:
            return []
        selected = [n for part in slices(candidates) for n in rule.context(tree, index, nodes=part)]
    else:
        selected = rule.context(tree, index)
    assert isinstance(selected, list)
    return selected


def run(
    program: Program, tree: etree._ElementTree, namespaces: dict[str, str]
) -> list[tuple[Assertion, etree._Element]]:
    """Every failed assertion of the program over a document, with its context element.

    Raises:
        NativeEvaluationError: An XPath 2.0 test raised a dynamic error (as Saxon would).
    """
    failed: list[tuple[Assertion, etree._Element]] = []
    present = present_names(tree)
    document = XPath2Document(tree, namespaces)
    index = ElementIndex.build(tree, program.variables, program.unions)
    by_suffix: dict[str, list[str]] = {}
    for _pattern, rules in program.patterns:
        taken: set[etree._Element] = set()
        for rule in rules:
            if rule.context.selects_nothing(index):
                continue
            tags = None
            suffix = rule.name_suffix
            if suffix is not None:
                tags = by_suffix.get(suffix)
                if tags is None:
                    tags = by_suffix[suffix] = _names_ending_in(suffix, present)
                if not tags:  # no element name ends in it: the context matches nothing
                    continue
            selected = _context_nodes(rule, tree, index, tags)
            nodes = []
            for node in selected:
                if isinstance(node, etree._Element) and node not in taken:
                    taken.add(node)
                    nodes.append(node)
            if not nodes:
                continue
            # The chunks some node fails, found with one call per chunk for all nodes.
            failing = [
                (single, chunk)
                for single, every, chunk in rule.all_pass
                if not all(every(tree, index, nodes=part) for part in slices(nodes))
            ]
            absent = [
                compiled
                for elements, compiled in rule.absent
                if elements.issubset(present)  # otherwise the path selects nothing
            ]
            for node in nodes:
                for compiled in absent:
                    if not compiled.test(node, index):
                        failed.append((compiled.assertion, node))
                for single, chunk in failing:
                    if single(node, index):
                        continue
                    for compiled in chunk:
                        if not compiled.test(node, index):
                            failed.append((compiled.assertion, node))
                for python, compiled in rule.listed:
                    holds = python(node)
                    if holds is None:
                        holds = bool(compiled.test(node, index))
                    if not holds:
                        failed.append((compiled.assertion, node))
                for xpath2 in rule.xpath2:
                    if not xpath2.test(document, node):
                        failed.append((xpath2.assertion, node))
    return failed
