"""The official rules that only XPath 2.0 evaluates as meant, run by an XPath 2.0 engine in Python.

libxml2 speaks XPath 1.0: binary floating point, no ``xs:decimal``, no dates, no
quantified expressions. The rules that need those (the BR-CO totals, the VAT
category amounts, BR-53, UBL-SR-12/13/18 ...) run here instead, through
``elementpath``, a pure-Python XPath 2.0 processor: ``xs:decimal`` is Python's
``Decimal`` (exact), ``round`` rounds half towards positive infinity as XPath
defines it, a general comparison of an untyped node with a number casts it to
``xs:double`` (so ``-0`` equals ``0``), ``every/some`` quantify, ``string()`` is
the concatenated text of mixed content. Whether this equals Saxon is not assumed:
the differential test (tests/validators/native) proves it, rule by rule.

A dynamic error (``xs:decimal('abc')``) makes Saxon abandon the whole rule set;
here it raises :class:`NativeEvaluationError`, and the caller hands the document
to the official engine, which then reports what Saxon reports.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from elementpath import ElementPathError, XPathContext
from lxml import etree

from validators.native.arithmetic import exact_form
from validators.native.fast import shortcut
from validators.native.saxon_compare import SaxonXPath2Parser

_EVALUATING = threading.Lock()


class NativeEvaluationError(Exception):
    """An XPath 2.0 dynamic error: the official engine has to judge this document."""


# ``//name`` and ``//(name|name)`` at the start of a path (not after a step: ``a//b``).
_FROM_ROOT = re.compile(
    r"(?<![\w)\].*])//(?:([a-z]+:[A-Za-z]+)|\(([a-z]+:[A-Za-z]+)\|([a-z]+:[A-Za-z]+)\))"
)


def _descendants(
    expression: str, namespaces: dict[str, str]
) -> tuple[str, dict[str, tuple[str, ...]]]:
    """The expression with each ``//name`` replaced by a variable bound to those elements.

    ``//cac:InvoiceLine`` is every ``cac:InvoiceLine`` element of the document, in
    document order: exactly what lxml's ``iter(tag)`` gives, in C, where the Python
    XPath engine walks the whole tree once per evaluation. Predicates that follow
    keep their meaning (those of the official rules are not positional).
    """
    variables: dict[str, tuple[str, ...]] = {}

    def bind(found: re.Match[str]) -> str:
        names = [n for n in found.groups() if n]
        tags = tuple(f"{{{namespaces[n.split(':')[0]]}}}{n.split(':')[1]}" for n in names)
        name = "egw_" + "_".join(n.replace(":", "_") for n in names)
        variables[name] = tags
        return f"${name}"

    return _FROM_ROOT.sub(bind, expression), variables


CODEPOINT_COLLATION = "http://www.w3.org/2005/xpath-functions/collation/codepoint"


class XPath2Test:
    """One assertion test, parsed once, evaluated to its effective boolean value."""

    def __init__(
        self, expression: str, namespaces: dict[str, str], *, rule_id: str | None = None
    ) -> None:
        self.expression = expression
        rewritten, self._variables = _descendants(expression, namespaces)
        # The codepoint collation, as Saxon's default: elementpath otherwise takes
        # LC_COLLATE when the parser is made, and after Saxon has set "C.UTF-8"
        # contains() and compare() raise locale.Error.
        parser = SaxonXPath2Parser(
            namespaces=namespaces,
            variable_types=dict.fromkeys(self._variables, "element()*"),
            default_collation=CODEPOINT_COLLATION,
            # Saxon 12 casts by XSD 1.1 rules: year 0000 is a date ("0000-01-01"
            # castable as xs:date), which XSD 1.0, elementpath's default, refuses.
            xsd_version="1.1",
        )
        self._token = parser.parse(f"boolean({rewritten})")
        self._shortcut = shortcut(expression, namespaces)
        self._exact = None if rule_id is None else exact_form(rule_id, expression, namespaces)

    def __call__(self, document: XPath2Document, node: etree._Element) -> bool:
        """The test's effective boolean value with ``node`` as context item."""
        if self._shortcut is not None:
            decided = self._shortcut(node)
            if decided is not None:
                return decided
        elif self._exact is not None:
            decided = self._exact(node, document.run)
            if decided is not None:
                return decided
        context = document.at(node, self._variables)
        try:
            # Parsed tokens are shared by every request; elementpath does not promise
            # that one token may be evaluated by two threads at once.
            with _EVALUATING:
                return bool(self._token.evaluate(context))
        except ElementPathError as error:
            # The error names an operator and an XPath error code, never document content.
            code = getattr(error, "code", None) or type(error).__name__
            raise NativeEvaluationError(f"XPath 2.0 dynamic error {code}") from None


class XPath2Document:
    """The XPath 2.0 view of one document, built once (on first use) for all its tests."""

    def __init__(self, tree: etree._ElementTree, namespaces: dict[str, str]) -> None:
        self._tree = tree
        self._namespaces = namespaces
        self._context: Any = None
        self.run: dict[Any, Any] = {}  # what the exact Python forms have read of it

    def at(self, node: etree._Element, variables: dict[str, tuple[str, ...]]) -> Any:
        """The evaluation context with ``node`` as context item and the variables bound."""
        context = self._context
        if context is None:
            context = self._context = XPathContext(self._tree, namespaces=self._namespaces)
        elements = context.root.elements
        for name, tags in variables.items():
            if name not in context.variables:
                found = self._tree.getroot().iter(*tags)
                context.variables[name] = [elements[e] for e in found]
        context.item = elements[node]
        return context


def compile_xpath2(
    expression: str, namespaces: dict[str, str], *, rule_id: str | None = None
) -> XPath2Test | None:
    """The XPath 2.0 test of an expression, or None when elementpath cannot parse it.

    With the ``rule_id``, an exact Python form of the rule answers first where one
    is pinned to this expression (:mod:`validators.native.arithmetic`).
    """
    try:
        return XPath2Test(expression, namespaces, rule_id=rule_id)
    except ElementPathError:
        return None
