"""An official ISO Schematron rule set (``.sch``) as data: its variables, rules and assertions.

The Peppol BIS 3 rules are published as Schematron source, which our compiler
(:mod:`validators.schematron.compiler`) turns into the XSLT Saxon runs. This
module reads the same source for the native engine, with the meaning that
compiler gives it: ``let`` at schema and pattern level is a global variable
(evaluated once, with the document node as context), ``let`` inside a rule is
evaluated for each context node; in each pattern the first rule whose context
matches a node takes it. Nothing of the rule set is copied into the project: the
pinned artifact is read at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from schemas.artifacts import Artifact
from schemas.errors import ArtifactError, Problem
from validators.native.official import Assertion, first_assertion, message_text

SCH = "http://purl.oclc.org/dsdl/schematron"
XSL = "http://www.w3.org/1999/XSL/Transform"
_S = f"{{{SCH}}}"


@dataclass(frozen=True)
class Variable:
    """A Schematron ``let``: a name bound to the value of an XPath 2.0 expression."""

    name: str
    value: str


@dataclass(frozen=True)
class SchRule:
    """One rule: its pattern (by number), context (an XSLT match pattern), lets and assertions."""

    pattern: int
    context: str
    lets: tuple[Variable, ...]
    assertions: tuple[Assertion, ...]


@dataclass(frozen=True)
class SchRuleSet:
    """Every rule of a Schematron rule set in document order, its globals and namespaces.

    ``functions`` names the ``xsl:function`` the rule set declares (``u:gln`` ...):
    the native engine runs a rule only when it has each one it calls.
    """

    artifact: Artifact
    namespaces: dict[str, str]
    variables: tuple[Variable, ...]
    rules: tuple[SchRule, ...]
    functions: frozenset[str]

    def assertion(self, rule_id: str) -> Assertion:
        """The assertion with this id (the first one, if the rule set repeats an id)."""
        return first_assertion(self.rules, rule_id)


def read_sch(artifact: Artifact) -> SchRuleSet:
    """Reads a self-contained ISO Schematron file (no includes, no abstract patterns)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    schema = etree.parse(str(artifact.path), parser=parser).getroot()
    namespaces = {ns.get("prefix", ""): ns.get("uri", "") for ns in schema.iter(f"{_S}ns")}
    variables = [
        Variable(let.get("name", ""), let.get("value", ""))
        for let in schema.iterchildren(f"{_S}let")
    ]
    functions = frozenset(f.get("name", "") for f in schema.iterchildren(f"{{{XSL}}}function"))
    rules: list[SchRule] = []
    for number, pattern in enumerate(schema.iterchildren(f"{_S}pattern"), start=1):
        if pattern.get("abstract") == "true" or pattern.get("is-a"):
            message = f"abstract pattern in {artifact.name}: not read natively"
            raise ArtifactError(
                message,
                problems=[
                    Problem(field=artifact.name, message=message, rule="artifact.sch-abstract")
                ],
            )
        variables.extend(
            Variable(let.get("name", ""), let.get("value", ""))
            for let in pattern.iterchildren(f"{_S}let")
        )
        for rule in pattern.iterchildren(f"{_S}rule"):
            lets = tuple(
                Variable(let.get("name", ""), let.get("value", ""))
                for let in rule.iterchildren(f"{_S}let")
            )
            assertions = tuple(
                Assertion(
                    rule_id=check.get("id", ""),
                    flag=check.get("flag") or rule.get("flag") or "fatal",
                    test=check.get("test", ""),
                    message=message_text(check),
                )
                for check in rule.iterchildren(f"{_S}assert")
            )
            rules.append(SchRule(number, rule.get("context", ""), lets, assertions))
    return SchRuleSet(
        artifact=artifact,
        namespaces=namespaces,
        variables=tuple(variables),
        rules=tuple(rules),
        functions=functions,
    )
