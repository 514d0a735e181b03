"""Validation of e-invoices against the official XSD and Schematron rule sets.

``validate(xml, profile=None)`` detects the syntax (UBL Invoice, UBL CreditNote,
CII) and the profile (from BT-24 when none is given), picks the rule set in force,
and runs its stages in one loop. It always returns a :class:`Report`; a stage that
cannot run is recorded as ``error`` and makes the report not valid. Hostile or
malformed XML raises :class:`schemas.errors.XmlInputError` before anything runs.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Literal

from lxml import etree

from schemas import profiles
from schemas.artifacts import Artifact
from schemas.artifacts import load as load_artifact
from schemas.errors import ArtifactError, GatewayError, Problem
from schemas.xml_input import DEFAULT_MAX_BYTES, parse_xml
from validators.errors import RuleSetUnavailable
from validators.report import MAX_FINDINGS, Finding, Report, StageResult, stage_failure
from validators.ruleset import DocumentSyntax, RuleSet, Stage, ruleset_for
from validators.schematron.verdict import Form
from validators.stages import schematron as schematron_stage
from validators.stages import sharing
from validators.stages import xsd as xsd_stage

__all__ = [
    "ROOT_TAGS",
    "Finding",
    "Report",
    "RuleSetUnavailable",
    "StageResult",
    "detect_syntax",
    "require_checked",
    "run_stages",
    "validate",
    "validate_tree",
]

_ROOTS: dict[str, DocumentSyntax] = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": "ubl-invoice",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": "ubl-creditnote",
    "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice": "cii",
}

_CUSTOMIZATION_XPATH = {
    "ubl-invoice": "string(/*/*[local-name()='CustomizationID'][1])",
    "ubl-creditnote": "string(/*/*[local-name()='CustomizationID'][1])",
    "cii": "string(/*/*[local-name()='ExchangedDocumentContext']"
    "/*[local-name()='GuidelineSpecifiedDocumentContextParameter']/*[local-name()='ID'][1])",
}


#: The root element (Clark name) of each syntax: what ``detect_syntax`` reads.
ROOT_TAGS: dict[DocumentSyntax, str] = {syntax: tag for tag, syntax in _ROOTS.items()}


def detect_syntax(tree: etree._ElementTree) -> DocumentSyntax | None:
    """Tells the syntax of a parsed document from its root element, or None if unknown."""
    return _ROOTS.get(tree.getroot().tag)


def detect_profile(tree: etree._ElementTree, syntax: DocumentSyntax) -> str:
    """The profile a document declares in BT-24, or ``en16931`` when it declares none we know."""
    customization_id = str(tree.xpath(_CUSTOMIZATION_XPATH[syntax]))
    found = profiles.detect(customization_id)
    return found.name if found else "en16931"


def _failed_start(
    document_sha256: str, syntax: str, profile: str | None, stage: str, detail: str
) -> Report:
    return Report(
        ruleset_id="(none)",
        syntax=syntax,
        document_sha256=document_sha256,
        profile=profile,
        results=(
            StageResult(
                stage=stage,
                outcome="error",
                findings=(stage_failure(stage, "EGW-VALIDATION-NOT-STARTED", detail),),
                detail=detail,
            ),
        ),
    )


def stage_artifact(stage: Stage) -> Artifact:
    """Loads (and verifies) what a stage runs; a merged rule set is built from its pinned inputs."""
    loaded = [load_artifact(name) for name in stage.artifacts]
    if stage.merge is None:
        return loaded[0]
    from validators.schematron.merge import merged_artifact

    xrechnung, peppol, transform = loaded
    return merged_artifact(xrechnung, peppol, transform, syntax=stage.merge.syntax)


def run_official_stage(
    stage: Stage,
    tree: etree._ElementTree,
    source: schematron_stage.Source,
    limit: int,
    form: Form,
) -> StageResult:
    """One stage by the official engine: XSD by lxml, Schematron by Saxon over ``source``.

    A missing rule set is a stage in error ("not checked"), never an exception.
    """
    try:
        artifact = stage_artifact(stage)
    except ArtifactError as exc:
        detail = f"not checked: rule set {exc.problems[0].field if exc.problems else stage.artifact} missing: {exc.message}"
        return StageResult(
            stage=stage.id,
            outcome="error",
            findings=(stage_failure(stage.id, "EGW-RULESET-NOT-AVAILABLE", detail),),
            detail=detail,
        )
    if stage.kind == "xsd":
        return xsd_stage.run(stage.id, artifact, tree, limit=limit)
    return schematron_stage.run(stage.id, artifact, source, limit=limit, form=form)


def run_ruleset(
    ruleset: RuleSet,
    tree: etree._ElementTree,
    *,
    document_sha256: str,
    schematron_form: Form = "auto",
    parallel_min_bytes: int | Literal["auto"] | None = "auto",
) -> Report:
    """Runs every stage of a rule set over a parsed document: the runner is this one loop.

    ``schematron_form`` forces the original or the fast form of the Schematron
    stages (the benchmark); ``auto`` runs each in the form its verdict allows.
    From ``parallel_min_bytes`` of XML (None: never) the Schematron work is shared
    with a worker process (``validators.stages.sharing``): later rule sets and, where
    a rule set's fast form is cut, some of its patterns; ``auto``: from
    ``pool.SUGGESTED_MIN_BYTES``, when a core is free and the worker is warm.

    The report holds at most ``MAX_FINDINGS`` findings in all; later stages still
    run (their outcome counts) but only add to the ``truncated`` count.

    Raises:
        XmlInputError: The rule engine's own XML parser refused the document.
    """
    # One Saxon parse for every Schematron stage of the rule set.
    source = schematron_stage.Source(etree.tostring(tree, encoding="unicode"))
    try:
        return _run_stages(
            ruleset, tree, source, document_sha256, schematron_form, parallel_min_bytes
        )
    finally:
        source.release()  # Saxon objects are freed under Saxon's lock, not by whichever thread


def _run_stages(
    ruleset: RuleSet,
    tree: etree._ElementTree,
    source: schematron_stage.Source,
    document_sha256: str,
    schematron_form: Form,
    parallel_min_bytes: int | Literal["auto"] | None,
) -> Report:
    shared = sharing.start(ruleset, source, schematron_form, parallel_min_bytes)

    def run_one(stage: Stage, limit: int) -> StageResult:
        if shared is not None:
            result = shared.stage(stage, limit)
            if result is not None:
                return result
        return run_official_stage(stage, tree, source, limit, schematron_form)

    return run_stages(ruleset, run_one, document_sha256=document_sha256)


def run_stages(
    ruleset: RuleSet,
    run_one: Callable[[Stage, int], StageResult],
    *,
    document_sha256: str,
    engine: Literal["official", "native", "mixed"] = "official",
) -> Report:
    """Runs a rule set's stages in order: the one stage loop of every engine.

    Findings are capped in all (``MAX_FINDINGS``); the stages after a stop-on-fatal
    stage that failed are skipped. ``run_one(stage, limit)`` runs one stage: the
    official engine here, the native rules in ``validators.native.judge``.
    """
    results: list[StageResult] = []
    kept = 0
    stopped_by: str | None = None
    for stage in ruleset.stages:
        if stopped_by is not None:
            results.append(
                StageResult(
                    stage=stage.id,
                    outcome="skipped",
                    detail=f"stage {stopped_by} found fatal errors",
                )
            )
            continue
        started = time.perf_counter()
        result = run_one(stage, max(MAX_FINDINGS - kept, 0))
        kept += len(result.findings)
        if result.duration == 0.0:
            result = StageResult(**{**result.__dict__, "duration": time.perf_counter() - started})
        results.append(result)
        if stage.stop_on_fatal and result.outcome != "valid":
            stopped_by = stage.id
    return Report(
        ruleset_id=ruleset.id,
        syntax=ruleset.syntax,
        document_sha256=document_sha256,
        profile=ruleset.profile,
        results=tuple(results),
        engine=engine,
    )


def validate_tree(
    tree: etree._ElementTree, *, document_sha256: str, profile: str | None = None
) -> Report:
    """Validates an already parsed (and hardened) document tree."""
    syntax = detect_syntax(tree)
    if syntax is None:
        root = tree.getroot().tag
        return _failed_start(
            document_sha256,
            "unknown",
            profile,
            "syntax",
            f"the root element {root} is not a UBL Invoice, UBL CreditNote or CII CrossIndustryInvoice",
        )
    chosen = profile or detect_profile(tree, syntax)
    try:
        ruleset = ruleset_for(chosen, syntax)
    except GatewayError as exc:
        return _failed_start(document_sha256, syntax, chosen, "ruleset", exc.message)
    return run_ruleset(ruleset, tree, document_sha256=document_sha256)


def validate(
    xml: bytes, *, profile: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Report:
    """Validates an e-invoice against the official rule sets of its profile.

    Args:
        xml: The document, exactly as received.
        profile: The profile to validate against; detected from BT-24 when None.
        max_bytes: Size cap for the document.

    Returns:
        The report; ``report.valid`` is True only if every required stage ran and
        none found a fatal error.

    Raises:
        XmlInputError: The bytes are not acceptable XML (hostile, too large, not well-formed).
    """
    tree = parse_xml(xml, max_bytes=max_bytes)
    return validate_tree(tree, document_sha256=hashlib.sha256(xml).hexdigest(), profile=profile)


def require_checked(report: Report) -> Report:
    """Returns the report when every rule set could run; else raises :class:`RuleSetUnavailable`.

    "Could not check" is never "invalid": a caller that would otherwise answer
    ``valid: false`` (or exit 1) answers "not checked" (a 503, exit 3) instead.
    """
    missing = report.not_checked
    if missing:
        raise RuleSetUnavailable(
            "not checked: a rule set of this profile cannot run on this gateway",
            problems=[Problem(field=f.stage, message=f.message, rule=f.rule_id) for f in missing],
        )
    return report
