"""Peppol BIS Billing 3.0 (UBL) rules, evaluated natively: the official ``.sch`` without Saxon.

The Peppol rule set differs from CEN's in what its expressions lean on: global
variables (``$profile``, ``$supplierCountry``, the code lists), variables per
rule (the line amounts of PEPPOL-EN16931-R120) and its own XSLT functions
(``u:gln`` ..., ported in :mod:`validators.native.functions`). Each expression
runs in one of three ways, decided once when the rules are compiled:

* in lxml (XPath 1.0), when it means the same there (no arithmetic, no number
  compared with a node, no XPath 2.0 construct); global variables are passed as
  XPath variables when their value is a string, a boolean or elements;
* as an exact Python shortcut for the code-list tests
  (``some $code in $ISO4217 satisfies @currencyID = $code``), in the plain case;
* otherwise in the XPath 2.0 engine (elementpath) with the variables bound.

Whether this equals Saxon running the compiled ``.sch`` is not assumed: the
differential test (tests/validators/native/test_peppol_differential.py) proves
it rule by rule, and what it cannot prove is listed in
:mod:`validators.native.coverage` (``OFFICIAL_ONLY``) and left to Saxon.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from elementpath import ElementPathError, XPathContext
from elementpath.datatypes import UntypedAtomic
from lxml import etree

from validators.native.coverage import OFFICIAL_ONLY
from validators.native.engine import FUNCTIONS as XPATH1_FUNCTIONS
from validators.native.engine import to_xpath1
from validators.native.expression import (
    READS_SELF,
    STRING,
    VARIABLE,
    Step,
    closing_bracket,
    conjuncts,
    free_variables,
    is_absolute_path,
    may_raise_in_xpath2,
    means_the_same_in_xpath1,
    pattern_select,
    pattern_steps,
    reads_no_line,
    reads_variables_only,
)
from validators.native.fast import shortcut
from validators.native.functions import XPathDynamicError, register
from validators.native.line_arithmetic import line_shortcut
from validators.native.official import Assertion
from validators.native.saxon_compare import SaxonXPath2Parser
from validators.native.sch import SchRule, SchRuleSet
from validators.native.xpath2 import NativeEvaluationError
from validators.native.xpath_text import split_union

_XML_SPACE = re.compile(r"[ \t\r\n]+")
# some $code in $LIST satisfies EXPR = $code, EXPR one of the plain forms below.
_CODE_LIST = re.compile(
    r"^\s*some\s+\$(\w+)\s+in\s+\$(\w+)\s+satisfies\s+(@[A-Za-z]+|normalize-space\(text\(\)\))"
    r"\s*=\s*\$(\w+)\s*$"
)
_CONSTANT_LIST = re.compile(r"^\s*tokenize\('[^']*',\s*'\\s'\)\s*$")


# ``//name`` at the start of a path (not after a step): every such element, in document order.
_FROM_ROOT = re.compile(r"(?<![\w)\].*])//([a-z\-]+:[A-Za-z]+)(?![\w(:])")

_EVALUATING = threading.Lock()
CODEPOINT_COLLATION = "http://www.w3.org/2005/xpath-functions/collation/codepoint"

_LINES = frozenset({"InvoiceLine", "CreditNoteLine"})


class _XPath2:
    """One expression for the XPath 2.0 engine, parsed once, with the variables it reads."""

    def __init__(
        self, expression: str, rules: SchRuleSet, known: Iterable[str], *, as_test: bool = False
    ) -> None:
        self.variables = free_variables(expression)
        self.descendants: dict[str, str] = {}
        bare = STRING.sub("''", expression)
        self.reads_self = bool(READS_SELF.search(bare))
        # Set by the program once the variables it reads are known to be alike.
        self.prunable = False

        def bind(found: re.Match[str]) -> str:
            prefix, local = found.group(1).split(":")
            name = f"egw-{prefix}-{local}"
            self.descendants[name] = f"{{{rules.namespaces[prefix]}}}{local}"
            return f"${name}"

        rewritten = _FROM_ROOT.sub(bind, expression)
        # Its //name are bound per document (see _Run.pruned): only the rest is read here.
        self.reads_no_line = reads_no_line(rewritten)
        parser = SaxonXPath2Parser(
            namespaces=rules.namespaces,
            variable_types=dict.fromkeys([*known, *self.descendants], "item()*"),
            # XPath's default, as Saxon's: elementpath would otherwise take the process's
            # LC_COLLATE (once anything called setlocale) and compare by locale.
            default_collation=CODEPOINT_COLLATION,
            # Saxon 12 casts by XSD 1.1 rules: year 0000 is a date ("0000-01-01"
            # castable as xs:date), which XSD 1.0, elementpath's default, refuses.
            xsd_version="1.1",
        )
        register(parser, "u")
        # A test means its effective boolean value (errors included, as XPath 2.0 defines it).
        self.token = parser.parse(f"boolean({rewritten})" if as_test else rewritten)


@dataclass
class _Expression:
    """An expression in the form it runs: lxml, a Python shortcut, or XPath 2.0."""

    source: str
    xpath1: etree.XPath | None
    xpath2: _XPath2 | None
    variables: frozenset[str]
    shortcut: Callable[[etree._Element, _Run], bool | None] | None = None
    # An absolute path (``//a/b[c]``) or a comparison of global variables: the same
    # value whatever the context node.
    absolute: bool = False


@dataclass(frozen=True)
class _Step:
    """One step of a match pattern: axis, element (Clark name; None for ``*``), predicates."""

    descendant: bool
    tag: str | None
    predicates: tuple[_Expression, ...]


@dataclass(frozen=True)
class _Pattern:
    """A match pattern evaluated step by step, each predicate per node.

    Each alternative is a union of step paths with predicates over the union
    (``(/a | /b)[p]``); a plain path is a union of one.
    """

    alternatives: tuple[tuple[tuple[tuple[_Step, ...], ...], tuple[_Expression, ...]], ...]

    @property
    def indexed(self) -> bool:
        """Whether every path starts from the root or from named elements (not ``//*``)."""
        return all(
            not steps[0].descendant or steps[0].tag is not None
            for branches, _ in self.alternatives
            for steps in branches
        )


@dataclass
class _CompiledRule:
    rule: SchRule
    context: _Expression | _Pattern
    tests: list[tuple[Assertion, _Expression]] = field(default_factory=list)


class PeppolProgram:
    """The compiled native form of a Schematron rule set with variables and functions."""

    def __init__(self, rules: SchRuleSet, *, only: Iterable[str] | None = None) -> None:
        self.rules = rules
        wanted = set(only) if only is not None else None
        self.globals = {v.name: v.value for v in rules.variables}
        self.constant_lists: dict[str, frozenset[str]] = {}
        known = set(self.globals) | {let.name for r in rules.rules for let in r.lets}
        self.global_expressions = {
            name: _XPath2(value, rules, known) for name, value in self.globals.items()
        }
        self.not_compiled: set[str] = set()
        self.patterns: dict[int, list[_CompiledRule]] = {}
        blocked: set[int] = set()
        for rule in rules.rules:
            ids = {a.rule_id for a in rule.assertions}
            if rule.pattern in blocked:
                self.not_compiled |= ids
                continue
            context = self._context(rule.context, known)
            if context is None:
                # Its nodes are unknown, so no later rule of this pattern can run either.
                blocked.add(rule.pattern)
                self.not_compiled |= ids
                continue
            compiled = _CompiledRule(rule, context)
            local = {let.name for let in rule.lets}
            for assertion in rule.assertions:
                if wanted is not None and assertion.rule_id not in wanted:
                    continue
                test = self._expression(assertion.test, known, local=local, as_test=True)
                if test is None:
                    self.not_compiled.add(assertion.rule_id)
                    continue
                if test.xpath1 is None and test.shortcut is None:
                    test.shortcut = _plain_case(rule, assertion.test, rules.namespaces)
                compiled.tests.append((assertion, test))
            self.patterns.setdefault(rule.pattern, []).append(compiled)
        self.lets = {
            id(c.rule): {let.name: _XPath2(let.value, rules, known) for let in c.rule.lets}
            for rs in self.patterns.values()
            for c in rs
        }
        self._mark_prunable()
        # Rules after the last wanted assertion of a pattern change nothing: drop them.
        for number, compiled_rules in list(self.patterns.items()):
            while compiled_rules and not compiled_rules[-1].tests:
                compiled_rules.pop()
            if not compiled_rules:
                del self.patterns[number]

    def _mark_prunable(self) -> None:
        """Marks the XPath 2.0 expressions that may run over the document without its lines."""
        prunable: set[str] = set()
        changed = True
        while changed:
            changed = False
            for name, expression in self.global_expressions.items():
                if name not in prunable and expression.reads_no_line:
                    if expression.variables <= prunable:
                        prunable.add(name)
                        changed = True
        for name, expression in self.global_expressions.items():
            expression.prunable = name in prunable
        self.prunable_globals = frozenset(prunable)
        for compiled_rules in self.patterns.values():
            for compiled in compiled_rules:
                alike = set(prunable)
                for name, let in self.lets[id(compiled.rule)].items():
                    let.prunable = let.reads_no_line and let.variables <= alike
                    if let.prunable:
                        alike.add(name)
                for compiled_expression in _expressions_of(compiled):
                    xpath2 = compiled_expression.xpath2
                    if xpath2 is not None:
                        xpath2.prunable = xpath2.reads_no_line and xpath2.variables <= alike

    @property
    def rule_ids(self) -> set[str]:
        """The ids of the assertions that run natively."""
        return {a.rule_id for rs in self.patterns.values() for c in rs for a, _ in c.tests}

    def _context(self, context: str, known: set[str]) -> _Expression | _Pattern | None:
        """A rule context: step by step from the elements it names, else one lxml select.

        Each ``//name`` of an lxml select walks the whole document; a pattern whose
        paths start from a named element starts from the document's index of them.
        """
        select = pattern_select(context)
        whole = None
        if not may_raise_in_xpath2(select):
            whole = self._expression(select, known, local=set())
            if whole is not None and whole.xpath1 is None:
                whole = None
        pattern = self._pattern(context, known)
        if pattern is not None and (whole is None or pattern.indexed):
            return pattern
        return whole

    def _pattern(self, context: str, known: set[str]) -> _Pattern | None:
        alternatives = []
        for alternative in split_union(context):
            branches, trailing = [alternative], ""
            if alternative.startswith("("):
                closing = closing_bracket(alternative)
                branches = split_union(alternative[1:closing])
                trailing = alternative[closing + 1 :].strip()
            parsed = [pattern_steps(branch) for branch in branches]
            outer = pattern_steps("x" + trailing) if trailing else [(False, "x", [])]
            if outer is None or len(outer) != 1:
                return None
            compiled_branches = []
            for steps in parsed:
                if steps is None:
                    return None
                compiled = tuple(self._step(step, known) for step in steps)
                if any(c is None for c in compiled):
                    return None
                compiled_branches.append(tuple(c for c in compiled if c is not None))
            predicates = [self._predicate(c, known) for p in outer[0][2] for c in conjuncts(p)]
            if any(p is None for p in predicates):
                return None
            alternatives.append(
                (tuple(compiled_branches), tuple(p for p in predicates if p is not None))
            )
        return _Pattern(tuple(alternatives))

    def _step(self, step: Step, known: set[str]) -> _Step | None:
        descendant, name, predicates = step
        tag: str | None = None
        if name != "*":
            prefix, _, local = name.rpartition(":")
            if prefix and prefix not in self.rules.namespaces:
                return None
            tag = f"{{{self.rules.namespaces[prefix]}}}{local}" if prefix else local
        compiled = [self._predicate(c, known) for p in predicates for c in conjuncts(p)]
        if any(c is None for c in compiled):
            return None
        # lxml first: a false conjunct spares the XPath 2.0 engine the node.
        ordered = sorted((c for c in compiled if c is not None), key=lambda c: c.xpath1 is None)
        return _Step(descendant, tag, tuple(ordered))

    def _predicate(self, predicate: str, known: set[str]) -> _Expression | None:
        """A pattern predicate (or one of its ``and`` conjuncts) as a boolean test.

        In a match pattern an error and a false conjunct both mean "no match", so the
        conjuncts of ``a and b`` may be tested in any order, each on its own.
        """
        compiled = self._expression(
            predicate,
            known,
            local=set(),
            as_test=True,
            allow_xpath1=not may_raise_in_xpath2(predicate),
        )
        if compiled is not None:
            compiled.absolute = is_absolute_path(predicate) or reads_variables_only(predicate)
        return compiled

    def _expression(
        self,
        expression: str,
        known: set[str],
        *,
        local: set[str],
        as_test: bool = False,
        allow_xpath1: bool = True,
    ) -> _Expression | None:
        variables = free_variables(expression)
        if not variables <= known:
            return None
        try:
            xpath2 = _XPath2(expression, self.rules, known, as_test=as_test)
        except (ElementPathError, KeyError):
            xpath2 = None
        xpath1 = None
        if allow_xpath1 and not variables & local and means_the_same_in_xpath1(expression):
            spelled = to_xpath1(expression.replace("$", "\x00"))
            if spelled is not None:
                spelled = _read_lazily(spelled.replace("\x00", "$"))
                try:
                    xpath1 = etree.XPath(
                        f"boolean({spelled})" if as_test else spelled,
                        namespaces={**self.rules.namespaces, "egw-variable": _VARIABLES},
                        extensions=_XPATH1_EXTENSIONS,
                        smart_strings=False,
                    )
                except etree.XPathSyntaxError:
                    xpath1 = None
        if xpath1 is None and xpath2 is None:
            return None
        compiled = _Expression(expression, xpath1, xpath2, variables)
        if as_test:
            compiled.shortcut = self._code_list(expression)
        return compiled

    def _code_list(self, expression: str) -> Callable[[etree._Element, _Run], bool | None] | None:
        found = _CODE_LIST.match(expression)
        if found is None or found.group(1) != found.group(4):
            return None
        name, selected = found.group(2), found.group(3)
        if not _CONSTANT_LIST.match(self.globals.get(name, "")):
            return None

        def test(node: etree._Element, run: _Run) -> bool | None:
            codes = run.constant(name)
            if selected.startswith("@"):
                value = node.get(selected[1:])
                return value is not None and value in codes
            if len(node):  # comments or elements inside: text() may be several nodes
                return None
            return _XML_SPACE.sub(" ", node.text or "").strip(" ") in codes

        return test

    def run(self, tree: etree._ElementTree) -> list[tuple[Assertion, etree._Element]]:
        """Every failed assertion over a document, with its context element.

        Raises:
            NativeEvaluationError: A dynamic error Saxon raises too: only it can judge.
        """
        return _Run(self, tree).failed()


_constants: dict[tuple[int, str], frozenset[str]] = {}


_VARIABLES = "urn:egw:native:peppol:variable"
_CURRENT = threading.local()  # the _Run evaluating in this thread


class _NoXPath1Form(Exception):
    """A variable whose value XPath 1.0 cannot hold (a sequence of strings): use XPath 2.0."""


def _variable(_context: Any, name: Any) -> Any:
    run: _Run = _CURRENT.run
    value = run.xpath1_value(str(name))
    if value is None:
        raise _NoXPath1Form(str(name))
    return value


_XPATH1_EXTENSIONS: dict[Any, Any] = dict(XPATH1_FUNCTIONS)
_XPATH1_EXTENSIONS[(_VARIABLES, "value")] = _variable


def _read_lazily(spelled: str) -> str:
    """Each ``$name`` as a call that evaluates the variable only when lxml reaches it.

    Saxon evaluates a global variable when an expression first needs it, and ``or``
    and ``and`` stop at their first operand when it decides (so does libxml2): a
    variable that would raise (two supplier countries) raises only where it is read.

    >>> _read_lazily("count(cbc:Note) <= 1 or ($a and $b = '$c')")
    "count(cbc:Note) <= 1 or (egw-variable:value('a') and egw-variable:value('b') = '$c')"
    """
    parts = re.split(r"('[^']*'|\"[^\"]*\")", spelled)
    return "".join(
        part if index % 2 else VARIABLE.sub(lambda m: f"egw-variable:value('{m[1]}')", part)
        for index, part in enumerate(parts)
    )


def _expressions_of(compiled: _CompiledRule) -> list[_Expression]:
    found = [test for _, test in compiled.tests]
    if isinstance(compiled.context, _Expression):
        found.append(compiled.context)
    else:
        for branches, predicates in compiled.context.alternatives:
            found.extend(predicates)
            found.extend(p for steps in branches for step in steps for p in step.predicates)
    return found


def _plain_case(
    rule: SchRule, test: str, namespaces: dict[str, str]
) -> Callable[[etree._Element, _Run], bool | None] | None:
    """An exact Python shortcut for an XPath 2.0 test in its plain case, if it has a known form."""
    found = line_shortcut(rule, test, namespaces) or shortcut(test, namespaces)
    if found is None:
        return None
    plain = found
    return lambda node, _run: plain(node)


class _Run:
    """One evaluation of a program over one document."""

    def __init__(self, program: PeppolProgram, tree: etree._ElementTree) -> None:
        self.program = program
        self.tree = tree
        self._contexts: dict[bool, Any] = {}
        self._values: dict[tuple[bool, str], Any] = {}
        self._xpath1_values: dict[str, Any] = {}
        self._absolute: dict[int, bool] = {}
        # The XPath 2.0 engine builds its own node tree of the whole document first
        # (a fifth of a millisecond per invoice line): what reads no line runs over a
        # copy of the document without its lines instead (see reads_no_line).
        self._prune = any(
            isinstance(c.tag, str) and etree.QName(c).localname in _LINES for c in tree.getroot()
        )
        self._copy: tuple[etree._ElementTree, dict[Any, Any], dict[Any, Any]] | None = None
        self._outside: dict[str, bool] = {}
        self._index: dict[str, list[etree._Element]] | None = None

    # -- XPath 2.0 ------------------------------------------------------------------------

    def pruned_copy(self) -> tuple[etree._ElementTree, dict[Any, Any], dict[Any, Any]]:
        """The document without its lines, and the maps from its elements and back."""
        if self._copy is None:
            root = self.tree.getroot()
            namespaces: Any = root.nsmap  # the default namespace's prefix is None
            attributes: dict[Any, Any] = dict(root.attrib)
            clone_root = etree.Element(root.tag, attrib=attributes, nsmap=namespaces)
            clone_root.text = root.text
            forth: dict[Any, Any] = {root: clone_root}
            for child in root:
                if isinstance(child.tag, str) and etree.QName(child).localname in _LINES:
                    continue
                clone = copy.deepcopy(child)
                clone_root.append(clone)
                forth.update(zip(child.iter(), clone.iter(), strict=True))
            back = {v: k for k, v in forth.items()}
            self._copy = (etree.ElementTree(clone_root), forth, back)
        return self._copy

    def pruned(self, expression: _XPath2, node: etree._Element | None) -> bool:
        """Whether an evaluation may run over the copy without lines (it reads none)."""
        if not (self._prune and expression.prunable):
            return False
        if not all(self.outside_lines(tag) for tag in expression.descendants.values()):
            return False
        if node is None:
            return True
        if node not in self.pruned_copy()[1]:
            return False
        return not (expression.reads_self and node.getparent() is None)

    def named(self, tag: str) -> list[etree._Element]:
        """Every element of a name in document order, from one pass over the document."""
        if self._index is None:
            index: dict[str, list[etree._Element]] = {}
            for element in self.tree.getroot().iter():
                if isinstance(element.tag, str):
                    index.setdefault(element.tag, []).append(element)
            self._index = index
        return self._index.get(tag, [])

    def outside_lines(self, tag: str) -> bool:
        """Whether no element of this name is inside a line (so the copy has every one)."""
        if tag not in self._outside:
            copied = sum(1 for _ in self.pruned_copy()[0].getroot().iter(tag))
            self._outside[tag] = copied == sum(1 for _ in self.tree.getroot().iter(tag))
        return self._outside[tag]

    def context(self, pruned: bool) -> Any:
        if pruned not in self._contexts:
            tree = self.pruned_copy()[0] if pruned else self.tree
            self._contexts[pruned] = XPathContext(tree, namespaces=self.program.rules.namespaces)
        return self._contexts[pruned]

    def evaluate(
        self,
        expression: _XPath2,
        node: etree._Element | None,
        lets: dict[str, Any] | None = None,
        pruned: bool | None = None,
    ) -> Any:
        if pruned is None:
            pruned = self.pruned(expression, node)
        context = self.context(pruned)
        tree = self.pruned_copy()[0] if pruned else self.tree
        if pruned and node is not None:
            node = self.pruned_copy()[1][node]
        for name in expression.variables:
            if lets is not None and name in lets:
                context.variables[name] = lets[name]
            else:
                context.variables[name] = self.value(name, pruned)
        elements = context.root.elements
        for name, tag in expression.descendants.items():
            if name not in context.variables:
                context.variables[name] = [elements[e] for e in tree.getroot().iter(tag)]
        context.item = elements[node] if node is not None else context.root
        # elementpath restores its axis after a step but not when the step raised: one
        # masked error (a match pattern's) would leave "self" for every later evaluation.
        context.axis, context.size, context.position = None, 1, 1
        try:
            with _EVALUATING:
                return expression.token.evaluate(context)
        except (
            ElementPathError,
            XPathDynamicError,
            ArithmeticError,
            ValueError,
            TypeError,
        ) as error:
            code = getattr(error, "code", None) or type(error).__name__
            raise NativeEvaluationError(f"XPath 2.0 dynamic error {code}") from None

    def value(self, name: str, pruned: bool | None = None) -> Any:
        """A global variable's value, evaluated on first use with the document node as context.

        ``pruned`` asks for its value over the copy without lines (when it reads none),
        ``None`` for whichever is cheaper.

        Raises:
            NativeEvaluationError: Its evaluation raised a dynamic error (each time it is asked).
        """
        expression = self.program.global_expressions[name]
        kind = self.pruned(expression, None) if pruned is None else pruned
        key = (kind and expression.prunable, name)
        if key not in self._values:
            try:
                self._values[key] = self.evaluate(expression, None, pruned=key[0])
            except NativeEvaluationError as error:
                self._values[key] = error
        found = self._values[key]
        if isinstance(found, NativeEvaluationError):
            raise found
        return found

    def constant(self, name: str) -> frozenset[str]:
        key = (id(self.program), name)
        found = _constants.get(key)
        if found is None:
            found = _constants[key] = frozenset(str(v) for v in self.value(name))
        return found

    # -- lxml -----------------------------------------------------------------------------

    def xpath1_value(self, name: str) -> Any:
        """A global variable as lxml takes it, or None when XPath 1.0 has no equivalent.

        Raises:
            NativeEvaluationError: Its evaluation raised a dynamic error.
        """
        if name not in self._xpath1_values:
            expression = self.program.global_expressions[name]
            pruned = self.pruned(expression, None)
            back = self.pruned_copy()[2] if pruned else None
            self._xpath1_values[name] = _as_xpath1(self.value(name, pruned), back)
        return self._xpath1_values[name]

    def xpath1(self, expression: etree.XPath, node: Any) -> Any:
        """An lxml evaluation whose variables are read (lazily) from this run."""
        previous = getattr(_CURRENT, "run", None)
        _CURRENT.run = self
        try:
            return expression(node)
        finally:
            _CURRENT.run = previous

    # -- the rules ------------------------------------------------------------------------

    def matched(self, pattern: _Pattern) -> list[etree._Element]:
        """The nodes a match pattern matches; a predicate that raises for a node excludes it."""
        found: dict[etree._Element, None] = {}
        for branches, predicates in pattern.alternatives:
            for steps in branches:
                for node in self.walk(steps):
                    if all(self.holds_masked(p, node) for p in predicates):
                        found[node] = None
        return list(found)

    def walk(self, steps: tuple[_Step, ...]) -> list[etree._Element]:
        nodes: list[etree._Element] | None = None
        for step in steps:
            candidates: Iterable[Any]
            if nodes is None:
                root = self.tree.getroot()
                if step.descendant:
                    candidates = self.named(step.tag) if step.tag else root.iter()
                else:
                    candidates = [root] if step.tag in (None, root.tag) else []
            elif step.descendant:
                candidates = dict.fromkeys(
                    d
                    for n in nodes
                    for d in (n.iterdescendants(step.tag) if step.tag else n.iterdescendants())
                )
            else:
                candidates = [
                    c
                    for n in nodes
                    for c in (n.iterchildren(step.tag) if step.tag else n.iterchildren())
                ]
            nodes = [
                c
                for c in candidates
                if isinstance(c.tag, str) and all(self.holds_masked(p, c) for p in step.predicates)
            ]
        return nodes or []

    def holds_masked(self, expression: _Expression, node: etree._Element) -> bool:
        """A predicate of a match pattern: a dynamic error means no match (XSLT 3.0)."""
        if expression.absolute and id(expression) in self._absolute:
            return self._absolute[id(expression)]
        try:
            if expression.absolute and expression.xpath1 is None and expression.xpath2 is not None:
                # Its value ignores the context node: asked once, from the document node.
                held = bool(self.evaluate(expression.xpath2, None))
            else:
                held = self.holds(expression, node, _NO_LETS)
        except NativeEvaluationError:
            held = False
        if expression.absolute:
            self._absolute[id(expression)] = held
        return held

    def select(self, expression: _Expression | _Pattern) -> list[etree._Element]:
        """The context nodes of a rule.

        A dynamic error in a match pattern is no error in XSLT 3.0: the pattern does
        not match (Saxon warns "An error occurred matching pattern"). The rules'
        contexts read global variables only in predicates joined by ``and`` (or ``or``
        of the same variable), so a variable that raises matches no node at all.
        """
        if isinstance(expression, _Pattern):
            return self.matched(expression)
        if expression.xpath1 is not None:
            try:
                selected = self.xpath1(expression.xpath1, self.tree)
                assert isinstance(selected, list)
                return [n for n in selected if isinstance(n, etree._Element)]
            except NativeEvaluationError:
                return []
            except _NoXPath1Form:
                pass
        try:
            for name in expression.variables:
                self.value(name)
        except NativeEvaluationError:
            return []
        assert expression.xpath2 is not None
        pruned = self.pruned(expression.xpath2, None)
        result = self.evaluate(expression.xpath2, None, pruned=pruned)
        items = result if isinstance(result, list) else [result]
        found: list[etree._Element] = [
            n.elem for n in items if isinstance(getattr(n, "elem", None), etree._Element)
        ]
        return [self.pruned_copy()[2][n] for n in found] if pruned else found

    def holds(self, expression: _Expression, node: etree._Element, lets: _Lets) -> bool:
        if expression.shortcut is not None:
            decided = expression.shortcut(node, self)
            if decided is not None:
                return decided
        if expression.xpath1 is not None:
            try:
                return bool(self.xpath1(expression.xpath1, node))
            except _NoXPath1Form:
                pass
        assert expression.xpath2 is not None
        pruned = self.pruned(expression.xpath2, node)
        local = (
            lets(pruned)
            if lets.definitions and expression.variables & lets.definitions.keys()
            else None
        )
        return bool(self.evaluate(expression.xpath2, node, local, pruned))

    def failed(self) -> list[tuple[Assertion, etree._Element]]:
        failed: list[tuple[Assertion, etree._Element]] = []
        for rules in self.program.patterns.values():
            taken: set[etree._Element] = set()
            for compiled in rules:
                definitions = self.program.lets[id(compiled.rule)]
                for node in self.select(compiled.context):
                    if node in taken:
                        continue
                    taken.add(node)
                    lets = _Lets(self, definitions, node)
                    for assertion, test in compiled.tests:
                        if not self.holds(test, node, lets):
                            failed.append((assertion, node))
        return failed


class _NoLets:
    definitions: dict[str, _XPath2] = {}


_NO_LETS: Any = _NoLets()


class _Lets:
    """A rule's variables for one context node, evaluated (in order) on first use."""

    def __init__(self, run: _Run, definitions: dict[str, _XPath2], node: etree._Element) -> None:
        self.run, self.definitions, self.node = run, definitions, node
        self.values: dict[bool, dict[str, Any]] = {}

    def __call__(self, pruned: bool) -> dict[str, Any]:
        """The values over the whole document, or (``pruned``) those that read no line."""
        if pruned not in self.values:
            values: dict[str, Any] = {}
            for name, expression in self.definitions.items():
                if not pruned or expression.prunable:
                    values[name] = self.run.evaluate(expression, self.node, values, pruned)
            self.values[pruned] = values
        return self.values[pruned]


def _as_xpath1(value: Any, back: dict[Any, Any] | None = None) -> Any:
    """A variable's XPath 2.0 value as lxml takes it, or None when XPath 1.0 has no equal.

    ``back`` maps the elements of the copy without lines to the document's own.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str | UntypedAtomic):
        return str(value)
    if isinstance(value, list):
        if all(isinstance(getattr(v, "elem", None), etree._Element) for v in value):
            return [back[v.elem] if back is not None else v.elem for v in value]
        if len(value) == 1 and isinstance(value[0], str | UntypedAtomic):
            return str(value[0])
    return None


class PeppolRules:
    """The native program of a Schematron rule set (Peppol BIS 3 UBL), and what it leaves out."""

    def __init__(self, official: SchRuleSet) -> None:
        self.official = official
        every = {a.rule_id for rule in official.rules for a in rule.assertions}
        candidate = PeppolProgram(official)
        official_only = OFFICIAL_ONLY.get(official.artifact.name, {})
        self.rule_ids: frozenset[str] = frozenset(candidate.rule_ids - set(official_only))
        self.left_out: frozenset[str] = frozenset(every - self.rule_ids)
        self.program = PeppolProgram(official, only=self.rule_ids)

    @property
    def complete(self) -> bool:
        """Every rule of the rule set runs natively: a native report can stand for it."""
        return not self.left_out
