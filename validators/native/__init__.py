"""Native validation: the official EN 16931 rules, evaluated without Saxon.

``validate(document, profile=...)`` runs the official EN 16931 UBL rules in
process: in lxml (XPath 1.0) those that mean the same there, in a Python XPath
2.0 engine those that need decimals, dates or quantifiers (see ``coverage``).
The rules come from the pinned official artifact at run time, with their own
ids, flags and messages. The report says whether every rule of the rule set ran
natively (``complete`` in the stage detail) or how many were left to the
official engine (``partial``): only a complete native report may stand in for
the official one.

``native_rules("peppol-bis-3")`` is the Peppol BIS 3 UBL rule set, read from its
``.sch`` (:mod:`validators.native.peppol`); ``validate(..., profile="peppol-bis-3")``
runs that rule set alone (a Peppol profile also runs the EN 16931 rules). The
draft path (:mod:`validators.native.judge`) does not use it: see ``_NOT_WIRED``.
"""

from __future__ import annotations

import hashlib
import threading
import time

from lxml import etree

from schemas.artifacts import load
from schemas.xml_input import parse_xml
from validators.errors import UnsupportedDocument
from validators.native.coverage import OFFICIAL_ONLY, XPATH1_DISPROVEN
from validators.native.engine import Program, compile_rules, location, run
from validators.native.official import OfficialRuleSet, read
from validators.native.peppol import PeppolRules
from validators.native.sch import read_sch
from validators.native.xpath2 import NativeEvaluationError
from validators.report import (
    MAX_FINDINGS,
    ArtifactRef,
    Finding,
    Report,
    StageResult,
    severity_of,
)

__all__ = [
    "NATIVE_ARTIFACTS",
    "NativeEvaluationError",
    "NativeRules",
    "native_rules",
    "rules_of",
    "run_stage",
    "validate",
]

_SYNTAXES = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": "ubl-invoice",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": "ubl-creditnote",
}
# Profile -> the official artifact whose rules run natively (UBL only, for now).
_ARTIFACTS = {"en16931": "en16931-ubl-xslt", "peppol-bis-3": "peppol-ubl-sch"}
# Rule sets read from their Schematron source (variables, functions): validators.native.peppol.
_FROM_SCH = frozenset({"peppol-ubl-sch"})
# Native rules the draft path (validators.native.judge) does not use yet: the lead decides.
_NOT_WIRED = frozenset({"peppol-ubl-sch"})


class NativeRules:
    """The compiled native program of one official artifact, and what it leaves out."""

    def __init__(self, official: OfficialRuleSet) -> None:
        self.official = official
        every = {a.rule_id for rule in official.rules for a in rule.assertions}
        candidate = compile_rules(official, xpath2_only=XPATH1_DISPROVEN)
        compiled = {i for _, rules in candidate.patterns for r in rules for i in r.rule_ids}
        official_only = OFFICIAL_ONLY.get(official.artifact.name, {})
        self.rule_ids: frozenset[str] = frozenset(compiled - set(official_only))
        self.left_out: frozenset[str] = frozenset(every - self.rule_ids)
        self.program: Program = compile_rules(
            official, only=self.rule_ids, xpath2_only=XPATH1_DISPROVEN
        )

    @property
    def complete(self) -> bool:
        """Every rule of the rule set runs natively: a native report can stand for it."""
        return not self.left_out


_cache: dict[str, NativeRules | PeppolRules] = {}
_lock = threading.Lock()

#: The official artifacts whose native rules (complete or not) the draft path may use.
NATIVE_ARTIFACTS = frozenset(_ARTIFACTS.values()) - _NOT_WIRED


def rules_of(artifact_name: str) -> NativeRules | PeppolRules:
    """The native rules of an official artifact, read from it once per process.

    Raises:
        KeyError: No native rules exist for that artifact.
        ArtifactError: The official artifact is missing or fails its SHA-256 pin.
    """
    if artifact_name not in _ARTIFACTS.values():
        raise KeyError(artifact_name)
    with _lock:
        found = _cache.get(artifact_name)
        if found is None:
            artifact = load(artifact_name)
            found = _cache[artifact_name] = (
                PeppolRules(read_sch(artifact))
                if artifact_name in _FROM_SCH
                else NativeRules(read(artifact))
            )
        return found


def native_rules(profile: str = "en16931") -> NativeRules | PeppolRules:
    """The native rules of a profile, read from its official artifact once per process.

    Raises:
        UnsupportedDocument: No native rules exist for that profile.
        ArtifactError: The official artifact is missing or fails its SHA-256 pin.
    """
    name = _ARTIFACTS.get(profile)
    if name is None:
        raise UnsupportedDocument(
            f"no native rules for profile {profile!r}; native rules exist for: {', '.join(_ARTIFACTS)}",
            field="profile",
            value=profile,
            rule="validators.native-profile",
        )
    return rules_of(name)


def run_stage(
    rules: NativeRules | PeppolRules,
    stage: str,
    tree: etree._ElementTree,
    *,
    limit: int = MAX_FINDINGS,
) -> StageResult:
    """Runs native rules over a parsed UBL document as one report stage.

    At most ``limit`` findings are kept; the rest are counted in ``truncated``.

    Raises:
        NativeEvaluationError: An XPath 2.0 dynamic error: only the official engine can judge.
    """
    started = time.perf_counter()
    failed = (
        rules.program.run(tree)
        if isinstance(rules, PeppolRules)
        else run(rules.program, tree, rules.official.namespaces)
    )
    findings = tuple(
        Finding(
            rule_id=assertion.rule_id,
            severity=severity_of(assertion.flag),
            location=location(node),
            message=assertion.message,
            stage=stage,
        )
        for assertion, node in failed[:limit]
    )
    artifact = rules.official.artifact
    # Severity of the findings left out counts too: a truncated fatal still makes it invalid.
    fatal = any(severity_of(assertion.flag) == "fatal" for assertion, _ in failed)
    return StageResult(
        stage=stage,
        outcome="invalid" if fatal else "valid",
        findings=findings,
        duration=time.perf_counter() - started,
        artifact=ArtifactRef(artifact.name, artifact.version, artifact.sha256),
        detail=(
            f"complete: all {len(rules.rule_ids)} rules ran natively"
            if rules.complete
            else f"partial: {len(rules.rule_ids)} rules ran natively; "
            f"{len(rules.left_out)} rules of this rule set need the official engine"
        ),
        truncated=max(len(failed) - limit, 0),
    )


def validate(document: bytes | etree._ElementTree, *, profile: str = "en16931") -> Report:
    """Runs the native rules of a profile over a UBL document (bytes or a parsed tree).

    Raises:
        XmlInputError: The bytes are not acceptable XML.
        UnsupportedDocument: No native rules for the profile, or the document is not UBL.
        NativeEvaluationError: An XPath 2.0 dynamic error: only the official engine can judge.
    """
    if isinstance(document, bytes):
        sha256 = hashlib.sha256(document).hexdigest()
        tree = parse_xml(document)
    else:
        tree = document
        sha256 = hashlib.sha256(etree.tostring(tree)).hexdigest()
    syntax = _SYNTAXES.get(tree.getroot().tag)
    if syntax is None:
        raise UnsupportedDocument(
            f"native rules cover UBL Invoice and CreditNote only, not {tree.getroot().tag}",
            field="document",
            value=str(tree.getroot().tag),
            rule="validators.native-syntax",
        )
    rules = native_rules(profile)
    artifact = rules.official.artifact
    result = run_stage(rules, f"{artifact.name}:native", tree)
    return Report(
        ruleset_id=f"native:{artifact.name}:{artifact.version}",
        syntax=syntax,
        document_sha256=sha256,
        profile=profile,
        results=(result,),
        engine="native",
    )
