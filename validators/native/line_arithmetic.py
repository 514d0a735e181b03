"""Exact Python shortcuts for Peppol's per-line arithmetic: the line net amount check and its variables.

PEPPOL-EN16931-R120 reads six rule variables per invoice line (net amount,
quantity, price, base quantity, allowance and charge totals) and compares them
with ``u:slack``; in the XPath 2.0 engine that costs a tenth of a millisecond
per line. The rule is recognised by the *forms* of its expressions (a decimal
or a default, the totals of the line's allowances or charges rounded to cents,
``u:slack`` over them), never by its id, so a changed rule falls back to the
XPath 2.0 engine. A shortcut answers only in the plain case (each value one
element of plain decimal text, the price division exact) and returns None
otherwise, which hands the test to that engine: it is never less exact, only
faster. The differential test proves both against Saxon.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_FLOOR, Decimal, localcontext

from lxml import etree

from validators.native.sch import SchRule

Shortcut = Callable[[etree._Element], bool | None]
Value = Callable[[etree._Element], Decimal | None]

_PATH = r"[a-z]+:[A-Za-z]+(?:/[a-z]+:[A-Za-z]+)*"
_DECIMAL_OR = re.compile(rf"^if \((?P<p>{_PATH})\) then xs:decimal\((?P=p)\) else (?P<n>\d+)$")
_BY_DOCUMENT = re.compile(
    rf"^if \(/(?P<root>[a-z\-]+:[A-Za-z]+)\) then \(if \((?P<p1>{_PATH})\) then "
    rf"xs:decimal\((?P=p1)\) else (?P<n1>\d+)\) else \(if \((?P<p2>{_PATH})\) then "
    rf"xs:decimal\((?P=p2)\) else (?P<n2>\d+)\)$"
)
_NON_ZERO_OR = re.compile(
    rf"^if \((?P<p>{_PATH}) and xs:decimal\((?P=p)\) != 0\) then xs:decimal\((?P=p)\) "
    rf"else (?P<n>\d+)$"
)
_CENTS_TOTAL = re.compile(
    r"^if \((?P<ac>[a-z]+:AllowanceCharge)\[normalize-space\(cbc:ChargeIndicator\) = "
    r"'(?P<v>true|false)'\]\) then round\(sum\((?P=ac)\[normalize-space\(cbc:ChargeIndicator\) "
    r"= '(?P=v)'\]/cbc:Amount/xs:decimal\(\.\)\) \* 10 \* 10\) div 100 else 0$"
)
_SLACK = re.compile(
    r"^u:slack\(\$(?P<a>[\w\-]+), \(\$(?P<b>[\w\-]+) \* \(\$(?P<c>[\w\-]+) div "
    r"\$(?P<d>[\w\-]+)\)\) \+ \$(?P<e>[\w\-]+) - \$(?P<f>[\w\-]+), (?P<s>\d+\.\d+)\)$"
)
_POSITIVE_OR_ABSENT = re.compile(rf"^not\((?P<p>{_PATH})\) or xs:decimal\((?P=p)\) > 0$")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_XML_SPACE = " \t\r\n"
_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


def _normal(text: str) -> str:
    return " ".join(text.split())


def _steps(path: str, namespaces: dict[str, str]) -> list[str] | None:
    steps = []
    for step in path.split("/"):
        prefix, local = step.split(":")
        if prefix not in namespaces:
            return None
        steps.append(f"{{{namespaces[prefix]}}}{local}")
    return steps


def _select(node: etree._Element, steps: list[str]) -> list[etree._Element]:
    nodes = [node]
    for step in steps:
        nodes = [c for n in nodes for c in n.iterchildren(step)]
    return nodes


def _decimal(element: etree._Element) -> Decimal | None:
    """``xs:decimal(.)`` of an element in the plain case (text only, plain decimal), else None."""
    if len(element):
        return None
    text = (element.text or "").strip(_XML_SPACE)
    return Decimal(text) if _PLAIN.match(text) else None


def _one_decimal(nodes: list[etree._Element]) -> Decimal | None:
    return _decimal(nodes[0]) if len(nodes) == 1 else None


def _value(expression: str, namespaces: dict[str, str]) -> Value | None:
    """The Python form of one rule variable, or None when it has none of the known forms."""
    text = _normal(expression)
    found = _DECIMAL_OR.match(text)
    if found:
        steps, default = _steps(found["p"], namespaces), Decimal(found["n"])
        if steps is None:
            return None
        path = steps

        def decimal_or(node: etree._Element) -> Decimal | None:
            nodes = _select(node, path)
            return _one_decimal(nodes) if nodes else default

        return decimal_or
    found = _NON_ZERO_OR.match(text)
    if found:
        steps, default = _steps(found["p"], namespaces), Decimal(found["n"])
        if steps is None:
            return None
        path = steps

        def non_zero_or(node: etree._Element) -> Decimal | None:
            nodes = _select(node, path)
            if not nodes:
                return default
            value = _one_decimal(nodes)
            return None if value is None else (value if value != 0 else default)

        return non_zero_or
    found = _BY_DOCUMENT.match(text)
    if found:
        prefix, local = found["root"].split(":")
        first = _value(
            f"if ({found['p1']}) then xs:decimal({found['p1']}) else {found['n1']}", namespaces
        )
        other = _value(
            f"if ({found['p2']}) then xs:decimal({found['p2']}) else {found['n2']}", namespaces
        )
        if prefix not in namespaces or first is None or other is None:
            return None
        root_tag = f"{{{namespaces[prefix]}}}{local}"
        chosen_first, chosen_other = first, other

        def by_document(node: etree._Element) -> Decimal | None:
            is_first = node.getroottree().getroot().tag == root_tag
            return chosen_first(node) if is_first else chosen_other(node)

        return by_document
    found = _CENTS_TOTAL.match(text)
    if found:
        charges = _steps(found["ac"], namespaces)
        if charges is None:
            return None
        charge_tag, wanted = charges[0], found["v"]

        def cents_total(node: etree._Element) -> Decimal | None:
            total, any_selected = Decimal(0), False
            for charge in node.iterchildren(charge_tag):
                indicators = list(charge.iterchildren(f"{{{_CBC}}}ChargeIndicator"))
                if len(indicators) > 1 or any(len(i) for i in indicators):
                    return None  # normalize-space() of two values is Saxon's error
                indicator = _normal_xml(indicators[0].text) if indicators else ""
                if indicator != wanted:
                    continue
                any_selected = True
                for amount in charge.iterchildren(f"{{{_CBC}}}Amount"):
                    value = _decimal(amount)
                    if value is None:
                        return None
                    total += value
            if not any_selected:
                return Decimal(0)
            # round() rounds half towards positive infinity; then div 100 is exact.
            cents = (total * 100 + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR)
            return cents / 100

        return cents_total
    return None


def _normal_xml(text: str | None) -> str:
    """XPath ``normalize-space()``: XML whitespace only (not every Unicode space)."""
    return re.sub(r"[ \t\r\n]+", " ", text or "").strip(" ")


def line_shortcut(rule: SchRule, test: str, namespaces: dict[str, str]) -> Shortcut | None:
    """An exact shortcut for a test over a rule's decimal variables, when both have known forms."""
    text = _normal(test)
    found = _POSITIVE_OR_ABSENT.match(text)
    if found:
        steps = _steps(found["p"], namespaces)
        if steps is None:
            return None
        path = steps

        def positive_or_absent(node: etree._Element) -> bool | None:
            nodes = _select(node, path)
            if not nodes:
                return True
            value = _one_decimal(nodes)
            return None if value is None else value > 0

        return positive_or_absent
    found = _SLACK.match(text)
    if not found:
        return None
    values = {let.name: _value(let.value, namespaces) for let in rule.lets}
    names = [found[k] for k in "abcdef"]
    if any(values.get(n) is None for n in names):
        return None
    a, b, c, d, e, f = (values[n] for n in names)
    slack = Decimal(found["s"])

    def within_slack(node: etree._Element) -> bool | None:
        computed = [v(node) if v is not None else None for v in (a, b, c, d, e, f)]
        if any(v is None for v in computed):
            return None
        expected, quantity, price, base, charges, allowances = (
            v for v in computed if v is not None
        )
        with localcontext() as exact:
            exact.prec = 200  # Saxon's decimal +, -, * are exact
            unit = price / base
            if unit * base != price or unit.as_tuple().exponent < -18:  # type: ignore[operator]
                return None  # an inexact or long division: the XPath 2.0 engine decides
            value = quantity * unit + charges - allowances
            return expected + slack >= value and expected - slack <= value

    return within_slack
