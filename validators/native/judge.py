"""Which engine judges a document the gateway rendered itself: native rules or Saxon.

Stage by stage: a Schematron stage runs natively when native rules cover its
whole official rule set (proven equal by the differential tests), otherwise in
Saxon; the XSD stage runs as always. The report's ``engine`` says ``native``
when every Schematron stage ran natively, ``mixed`` when some did (for example
Peppol BIS 3: the EN 16931 rules natively, the Peppol rules in Saxon, whose
native form is proven but slower), and ``official`` when none did.

The whole document goes to Saxon when the setting is ``official``, when it has
more than ``NATIVE_MAX_LINES`` lines, or when the native rules cannot judge it
(an XPath 2.0 dynamic error, as Saxon would raise, or a defect of ours).

Why a size limit: the native rules are cheaper than the fast Saxon forms on
small and medium invoices (10 lines: 2.3-4.5 ms against 4.7-10.6 ms of CPU;
100 lines: 12-19 ms against 18-26 ms) but dearer on big ones (1,000 lines:
about 100-190 ms against 135-180 ms; 5,000 lines: 0.9-1.3 s against 0.8-0.9 s),
where libxml2's node-set handling grows faster than Saxon's. ``bench/validate.py
--native`` measures the crossover.

Inbound XML never comes here: it is always judged by the official engine.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Literal

from lxml import etree

from schemas.artifacts import load as load_artifact
from schemas.errors import ArtifactError, GatewayError
from schemas.xml_input import parse_xml
from validators import detect_syntax, run_official_stage, run_stages, validate_tree
from validators.native import NATIVE_ARTIFACTS, NativeEvaluationError, rules_of, run_stage
from validators.report import Report, StageResult
from validators.ruleset import RuleSet, Stage, ruleset_for
from validators.stages import schematron as schematron_stage
from validators.stages import xsd as xsd_stage

log = logging.getLogger("egw.validation.native")

EngineChoice = Literal["auto", "official"]

#: Documents with more invoice or credit-note lines than this go to Saxon under ``auto``.
NATIVE_MAX_LINES = 300

_LINE_TAGS = (
    "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}InvoiceLine",
    "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}CreditNoteLine",
)


def _line_count(tree: etree._ElementTree) -> int:
    """The document's top-level lines (sub-lines ride on their line's cost)."""
    return sum(1 for child in tree.getroot() if child.tag in _LINE_TAGS)


def runs_natively(stage: Stage) -> bool:
    """Whether native rules cover a Schematron stage's whole official rule set.

    Raises:
        ArtifactError: The stage's official artifact is missing or fails its pin.
    """
    return (
        stage.kind == "schematron"
        and stage.merge is None
        and stage.artifact in NATIVE_ARTIFACTS
        and rules_of(stage.artifact).complete
    )


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
    if engine == "official" or syntax is None or _line_count(tree) > NATIVE_MAX_LINES:
        return validate_tree(tree, document_sha256=sha256, profile=profile)
    try:
        ruleset = ruleset_for(profile, syntax)
    except GatewayError:
        return validate_tree(tree, document_sha256=sha256, profile=profile)
    try:
        native = {stage.id for stage in ruleset.stages if runs_natively(stage)}
        if native:
            return _judge(ruleset, tree, sha256, native)
    except (NativeEvaluationError, ArtifactError):
        # Saxon raises the same dynamic error, and reports a missing artifact, in its own terms.
        pass
    except Exception as exc:  # noqa: BLE001 - a defect in the native engine must not fail the draft
        # Saxon judges instead. Only the type is logged: an engine's message may quote
        # the document's values, which can be personal data.
        log.error(
            "native rules failed (%s) on document sha256=%s; judged by Saxon instead",
            type(exc).__name__,
            sha256,
        )
    return validate_tree(tree, document_sha256=sha256, profile=profile)


def _judge(ruleset: RuleSet, tree: etree._ElementTree, sha256: str, native: set[str]) -> Report:
    """The stages of the rule set through the runner's own loop: those in ``native`` natively."""
    saxon: list[schematron_stage.Source] = []  # parsed by Saxon only if a stage needs it

    def run_one(stage: Stage, limit: int) -> StageResult:
        if stage.id in native:
            return run_stage(rules_of(stage.artifact), stage.id, tree, limit=limit)
        if stage.kind == "xsd":
            return xsd_stage.run(stage.id, load_artifact(stage.artifact), tree, limit=limit)
        if not saxon:
            saxon.append(schematron_stage.Source(etree.tostring(tree, encoding="unicode")))
        return run_official_stage(stage, tree, saxon[0], limit, "auto")

    schematron = [stage for stage in ruleset.stages if stage.kind != "xsd"]
    engine: Literal["native", "mixed"] = (
        "native" if all(stage.id in native for stage in schematron) else "mixed"
    )
    try:
        return run_stages(ruleset, run_one, document_sha256=sha256, engine=engine)
    finally:
        for source in saxon:
            source.release()  # Saxon objects are freed under Saxon's lock
