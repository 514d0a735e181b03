"""Which engine judges a document the gateway rendered itself: native rules or Saxon.

A draft's rendered document is judged natively when every Schematron stage of
its rule set has native rules that cover the whole official rule set (proven
equal by the differential test); the XSD stage runs as always. Anything else
(a profile with a stage not fully covered, the setting ``official``, an XPath
2.0 dynamic error) goes to the official engine, for the whole document. Inbound
XML never comes here: it is always judged by the official engine.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from lxml import etree

from schemas.artifacts import load as load_artifact
from schemas.errors import ArtifactError, GatewayError
from schemas.xml_input import parse_xml
from validators import detect_syntax, run_stages, validate_tree
from validators.native import NATIVE_ARTIFACTS, NativeEvaluationError, rules_of, run_stage
from validators.report import Report, StageResult
from validators.ruleset import RuleSet, Stage, ruleset_for
from validators.stages import xsd as xsd_stage

EngineChoice = Literal["auto", "official"]


def covered_natively(ruleset: RuleSet) -> bool:
    """Whether native rules cover every Schematron stage of a rule set, completely."""
    for stage in ruleset.stages:
        if stage.kind == "xsd":
            continue
        if stage.merge is not None or stage.artifact not in NATIVE_ARTIFACTS:
            return False
        if not rules_of(stage.artifact).complete:
            return False
    return True


def validate_rendered(document: bytes, *, profile: str, engine: EngineChoice = "auto") -> Report:
    """Validates a document the gateway rendered, natively when its rule set allows.

    The report's ``engine`` says who judged; its rule sets and stages are those
    of the official rule set either way.

    Raises:
        XmlInputError: The bytes are not acceptable XML (never for a rendered draft).
    """
    tree = parse_xml(document)
    sha256 = hashlib.sha256(document).hexdigest()
    syntax = detect_syntax(tree)
    if engine == "official" or syntax is None:
        return validate_tree(tree, document_sha256=sha256, profile=profile)
    try:
        ruleset = ruleset_for(profile, syntax)
    except GatewayError:
        return validate_tree(tree, document_sha256=sha256, profile=profile)
    try:
        if covered_natively(ruleset):
            return _native(ruleset, tree, sha256)
    except (NativeEvaluationError, ArtifactError):
        # Saxon raises the same dynamic error, and reports a missing artifact, in its own terms.
        pass
    return validate_tree(tree, document_sha256=sha256, profile=profile)


def _native(ruleset: RuleSet, tree: etree._ElementTree, sha256: str) -> Report:
    """The stages of the rule set through the runner's own loop, Schematron by native rules."""

    def run_one(stage: Stage, limit: int) -> StageResult:
        if stage.kind == "xsd":
            return xsd_stage.run(stage.id, load_artifact(stage.artifact), tree, limit=limit)
        return run_stage(rules_of(stage.artifact), stage.id, tree, limit=limit)

    return run_stages(ruleset, run_one, document_sha256=sha256, engine="native")
