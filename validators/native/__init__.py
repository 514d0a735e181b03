"""Native validation: the official EN 16931 rules, evaluated without Saxon.

``validate(document, profile=...)`` runs, in process and in about a millisecond
for a ten-line invoice, those official EN 16931 UBL rules that mean the same in
XPath 1.0 (libxml2) as in the official XPath 2.0 (see ``coverage``). The rules
come from the pinned official artifact at run time, with their own ids, flags
and messages. The report says how many rules of the rule set ran natively and
how many did not: a native report on its own never declares a document valid
under the full rule set (its stage is ``partial`` in the detail, and the rules
left to the official engine are counted there).
"""

from __future__ import annotations

import hashlib
import threading
import time

from lxml import etree

from schemas.artifacts import load
from schemas.xml_input import parse_xml
from validators.errors import UnsupportedDocument
from validators.native.coverage import DISPROVEN
from validators.native.engine import Program, compile_rules, location, run
from validators.native.official import OfficialRuleSet, read
from validators.report import ArtifactRef, Finding, Report, StageResult, severity_of

__all__ = ["NativeRules", "native_rules", "validate"]

_SYNTAXES = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": "ubl-invoice",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": "ubl-creditnote",
}
# Profile -> the official artifact whose rules run natively (EN 16931 UBL only, for now).
_ARTIFACTS = {"en16931": "en16931-ubl-xslt"}


class NativeRules:
    """The compiled native program of one official artifact, and what it leaves out."""

    def __init__(self, official: OfficialRuleSet) -> None:
        self.official = official
        every = {a.rule_id for rule in official.rules for a in rule.assertions}
        candidate = compile_rules(official)
        compiled = {
            c.assertion.rule_id
            for _, rules in candidate.patterns
            for r in rules
            for c in r.assertions
        }
        self.rule_ids: frozenset[str] = frozenset(compiled - DISPROVEN)
        self.left_out: frozenset[str] = frozenset(every - self.rule_ids)
        self.program: Program = compile_rules(official, only=self.rule_ids)


_cache: dict[str, NativeRules] = {}
_lock = threading.Lock()


def native_rules(profile: str = "en16931") -> NativeRules:
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
    with _lock:
        found = _cache.get(name)
        if found is None:
            found = _cache[name] = NativeRules(read(load(name)))
        return found


def validate(document: bytes | etree._ElementTree, *, profile: str = "en16931") -> Report:
    """Runs the native rules of a profile over a UBL document (bytes or a parsed tree).

    Raises:
        XmlInputError: The bytes are not acceptable XML.
        UnsupportedDocument: No native rules for the profile, or the document is not UBL.
    """
    started = time.perf_counter()
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
    stage = f"{rules.official.artifact.name}:native"
    findings = tuple(
        Finding(
            rule_id=assertion.rule_id,
            severity=severity_of(assertion.flag),
            location=location(node),
            message=assertion.message,
            stage=stage,
        )
        for assertion, node in run(rules.program, tree)
    )
    artifact = rules.official.artifact
    fatal = any(f.severity == "fatal" for f in findings)
    result = StageResult(
        stage=stage,
        outcome="invalid" if fatal else "valid",
        findings=findings,
        duration=time.perf_counter() - started,
        artifact=ArtifactRef(artifact.name, artifact.version, artifact.sha256),
        detail=(
            f"partial: {len(rules.rule_ids)} rules ran natively; "
            f"{len(rules.left_out)} rules of this rule set need the official engine"
        ),
    )
    return Report(
        ruleset_id=f"native:{artifact.name}:{artifact.version}",
        syntax=syntax,
        document_sha256=sha256,
        profile=profile,
        results=(result,),
    )
