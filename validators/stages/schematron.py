"""Stage: Schematron validation, run by Saxon-HE (``saxonche``) as XSLT that emits SVRL.

The artifact is either an official compiled XSLT (``xslt``) or an ISO Schematron
file (``sch``) that our compiler in ``validators.schematron`` turns into XSLT.
Each stylesheet is compiled by Saxon once per process and reused; Saxon objects are
not shared between threads without the lock.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

from lxml import etree

from schemas.artifacts import Artifact
from validators.report import ArtifactRef, Finding, StageResult, severity_of, stage_failure

_SVRL = "{http://purl.oclc.org/dsdl/svrl}"
_BT = re.compile(r"\b(BT-\d+|BG-\d+)\b")

_lock = threading.RLock()
_processor: Any = None
_executables: dict[str, Any] = {}


def _saxon() -> Any:
    global _processor
    if _processor is None:
        from saxonche import PySaxonProcessor

        _processor = PySaxonProcessor(license=False)
    return _processor


def _xslt_source(artifact: Artifact) -> str:
    """Returns the path of the XSLT to run for an artifact (compiling ``.sch`` first)."""
    if artifact.kind == "xslt":
        return str(artifact.path)
    if artifact.kind == "sch":
        from validators.schematron import compiled_xslt_path  # our ISO Schematron compiler

        return str(compiled_xslt_path(artifact.path))
    raise ValueError(
        f"artifact {artifact.name} of kind {artifact.kind} is not a Schematron rule set"
    )


def executable(artifact: Artifact) -> Any:
    """Returns the Saxon executable of a rule set, compiling it on first use."""
    with _lock:
        compiled = _executables.get(artifact.sha256)
        if compiled is None:
            processor = _saxon().new_xslt30_processor()
            compiled = processor.compile_stylesheet(stylesheet_file=_xslt_source(artifact))
            if compiled is None:
                raise RuntimeError(f"Saxon could not compile the rule set {artifact.name}")
            _executables[artifact.sha256] = compiled
        return compiled


def svrl_findings(svrl: str | bytes, stage_id: str) -> tuple[Finding, ...]:
    """Reads the failed assertions and successful reports of an SVRL document."""
    data = svrl.encode("utf-8") if isinstance(svrl, str) else svrl
    root = etree.fromstring(
        data, parser=etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    )
    findings: list[Finding] = []
    for element in root.iter(f"{_SVRL}failed-assert", f"{_SVRL}successful-report"):
        text_element = element.find(f"{_SVRL}text")
        text = str(text_element.xpath("string()")) if text_element is not None else ""
        message = " ".join(text.split())
        term = _BT.search(message)
        findings.append(
            Finding(
                rule_id=element.get("id") or "(no id)",
                severity=severity_of(element.get("flag") or element.get("role")),
                location=element.get("location") or "",
                message=message,
                stage=stage_id,
                business_term=term.group(1) if term else None,
            )
        )
    return tuple(findings)


def transform(artifact: Artifact, document: str) -> str:
    """Runs a rule set over a document (XML text) and returns the SVRL output."""
    with _lock:
        compiled = executable(artifact)
        node = _saxon().parse_xml(xml_text=document)
        compiled.clear_xsl_messages() if hasattr(compiled, "clear_xsl_messages") else None
        output = compiled.transform_to_string(xdm_node=node)
    if output is None:
        raise RuntimeError("the rule set produced no output")
    return str(output)


def run(stage_id: str, artifact: Artifact, document: str) -> StageResult:
    """Validates a document (XML text) with a Schematron rule set."""
    started = time.perf_counter()
    ref = ArtifactRef(artifact.name, artifact.version, artifact.sha256)
    try:
        findings = svrl_findings(transform(artifact, document), stage_id)
    except Exception as exc:  # noqa: BLE001 - any failure inside Saxon makes the stage "error"
        detail = f"the rule set {artifact.name} {artifact.version} failed to run: {exc}"
        return StageResult(
            stage=stage_id,
            outcome="error",
            findings=(stage_failure(stage_id, "EGW-STAGE-ERROR", detail),),
            duration=time.perf_counter() - started,
            artifact=ref,
            detail=detail,
        )
    fatal = any(f.severity == "fatal" for f in findings)
    return StageResult(
        stage=stage_id,
        outcome="invalid" if fatal else "valid",
        findings=findings,
        duration=time.perf_counter() - started,
        artifact=ref,
    )
