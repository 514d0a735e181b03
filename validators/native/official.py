"""The official EN 16931 rules as data, read from the pinned compiled Schematron (XSLT) at run time.

The CEN rule set is compiled into one XSLT template per Schematron rule: a
``match`` pattern (the rule context), a ``mode`` (the pattern), a ``priority``
(earlier rules of a pattern win) and, per assertion, an ``xsl:when test`` with
the ``svrl:failed-assert`` it emits (rule id, flag, message). This module reads
those values out of the artifact itself; nothing of the rule set is copied into
the project, and a new release of the artifact brings its own rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from lxml import etree

from schemas.artifacts import Artifact

XSL = "http://www.w3.org/1999/XSL/Transform"
SVRL = "http://purl.oclc.org/dsdl/svrl"
_X = f"{{{XSL}}}"
_S = f"{{{SVRL}}}"


@dataclass(frozen=True)
class Assertion:
    """One ``assert`` of a rule: it fails when ``test`` is false for the context node."""

    rule_id: str
    flag: str
    test: str
    message: str


@dataclass(frozen=True)
class Rule:
    """One Schematron rule: its pattern, context (an XSLT match pattern) and assertions."""

    pattern: str
    context: str
    priority: float
    assertions: tuple[Assertion, ...]


@dataclass(frozen=True)
class OfficialRuleSet:
    """Every rule of a compiled Schematron, in pattern order, and the namespaces it uses."""

    artifact: Artifact
    namespaces: dict[str, str]
    rules: tuple[Rule, ...]

    def assertion(self, rule_id: str) -> Assertion:
        """The assertion with this id (the first one, if the rule set repeats an id)."""
        return first_assertion(self.rules, rule_id)


class _HasAssertions(Protocol):
    @property
    def assertions(self) -> tuple[Assertion, ...]: ...


def first_assertion(rules: Iterable[_HasAssertions], rule_id: str) -> Assertion:
    """The first assertion with this id among the rules' (a rule set may repeat an id)."""
    for rule in rules:
        for assertion in rule.assertions:
            if assertion.rule_id == rule_id:
                return assertion
    raise KeyError(rule_id)


def message_text(element: etree._Element) -> str:
    """An assertion's message as one line: its text with whitespace runs collapsed."""
    return " ".join(str(element.xpath("string()")).split())


def read(artifact: Artifact) -> OfficialRuleSet:
    """Reads the rules out of a compiled Schematron XSLT (ISO skeleton output)."""
    root = etree.parse(str(artifact.path)).getroot()
    namespaces = {
        prefix: uri for prefix, uri in root.nsmap.items() if prefix and uri not in (XSL, SVRL)
    }
    rules: list[Rule] = []
    for template in root.iterchildren(f"{_X}template"):
        mode, match, priority = (
            template.get("mode"),
            template.get("match"),
            template.get("priority"),
        )
        if not mode or not match or not priority or not mode.startswith("M"):
            continue
        if float(priority) < 0:  # the skeleton's default templates (text(), @*|node())
            continue
        assertions: list[Assertion] = []
        for choose in template.iterchildren(f"{_X}choose"):
            when = choose.find(f"{_X}when")
            failed = choose.find(f"{_X}otherwise/{_S}failed-assert")
            if when is None or failed is None:
                continue
            rule_id = _attribute(failed, "id")
            message = failed.find(f"{_S}text")
            assertions.append(
                Assertion(
                    rule_id=rule_id,
                    flag=_attribute(failed, "flag") or "fatal",
                    test=when.get("test", ""),
                    message=message_text(message) if message is not None else "",
                )
            )
        rules.append(Rule(mode, match, float(priority), tuple(assertions)))
    return OfficialRuleSet(artifact=artifact, namespaces=namespaces, rules=tuple(rules))


def _attribute(failed: etree._Element, name: str) -> str:
    """An SVRL attribute the skeleton writes either literally or as ``xsl:attribute``."""
    value = failed.get(name)
    if value is not None:
        return value
    for attribute in failed.iterchildren(f"{_X}attribute"):
        if attribute.get("name") == name:
            return (attribute.text or "").strip()
    return ""
