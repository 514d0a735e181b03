"""Stage: Schematron validation, run by Saxon-HE (``saxonche``) as XSLT that emits SVRL.

The artifact is either an official compiled XSLT (``xslt``) or an ISO Schematron
file (``sch``) that our compiler in ``validators.schematron`` turns into XSLT.
Each stylesheet is compiled by Saxon once per process and reused; Saxon objects are
not shared between threads without the lock.

A rule set runs in one of two forms: the original, or the fast form our compiler
makes of its Schematron source (``validators.schematron.fast``). ``auto`` picks
the fast form only where the differential test recorded it identical
(``validators.schematron.verdict``).
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from schemas.artifacts import Artifact
from schemas.errors import ArtifactError, Problem, XmlInputError
from validators.errors import StageRunError
from validators.report import (
    MAX_FINDINGS,
    ArtifactRef,
    Finding,
    StageResult,
    severity_of,
    stage_failure,
)
from validators.schematron.errors import SchematronError
from validators.schematron.verdict import FAST_SOURCES, Form, chosen_form

_SVRL = "{http://purl.oclc.org/dsdl/svrl}"
_BT = re.compile(r"\b(BT-\d+|BG-\d+)\b")

_lock = threading.RLock()
_processor: Any = None
_executables: dict[str, Any] = {}


# SaxonC writes every dynamic error to the process's stderr itself, quoting the values of the
# document it stopped on (personal data, in an invoice). Its configuration sends that output
# nowhere: the exception raised to us carries the message, and we decide what to keep of it.
_SAXON_CONFIGURATION = f"""<configuration xmlns="http://saxon.sf.net/ns/configuration" edition="HE">
  <global standardErrorOutputFile="{os.devnull}"/>
</configuration>"""


def _saxon() -> Any:
    global _processor
    if _processor is None:
        from saxonche import PySaxonProcessor

        # The configuration is read when the processor is made; the file is not kept.
        descriptor, path = tempfile.mkstemp(prefix="egw-saxon-", suffix=".xml")
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(_SAXON_CONFIGURATION)
            _processor = PySaxonProcessor(license=False, config_file=path)
        finally:
            os.unlink(path)
    return _processor


def _fast_source(artifact: Artifact) -> Artifact | None:
    """The Schematron rule set the fast form of an artifact is compiled from, if any."""
    if artifact.kind == "sch":
        return artifact
    if artifact.name in FAST_SOURCES:
        from schemas.artifacts import load

        return load(FAST_SOURCES[artifact.name])
    return None


def _xslt_source(artifact: Artifact, form: Form) -> str:
    """Returns the path of the XSLT to run for an artifact in a form (compiling ``.sch`` first)."""
    from validators.schematron import compiled_xslt_path  # our ISO Schematron compiler

    if form == "fast":
        source = _fast_source(artifact)
        if source is None:
            raise SchematronError(f"the rule set {artifact.name} has no fast form")
        return str(compiled_xslt_path(source.path, fast=True))
    if artifact.kind == "xslt":
        return str(artifact.path)
    if artifact.kind == "sch":
        return str(compiled_xslt_path(artifact.path))
    message = f"artifact {artifact.name} of kind {artifact.kind} is not a Schematron rule set"
    raise ArtifactError(
        message,
        problems=[
            Problem(field=artifact.name, message=message, rule="artifact.kind", value=artifact.kind)
        ],
    )


_resolved: dict[str, Form] = {}


def resolve_form(artifact: Artifact, form: Form = "auto") -> Form:
    """The form that runs: ``auto`` becomes ``fast`` only where the recorded verdict allows."""
    if form != "auto":
        return form
    with _lock:
        if artifact.sha256 not in _resolved:
            from validators.schematron.compiler import sources_digest

            try:
                source = _fast_source(artifact) if artifact.kind in ("sch", "xslt") else None
                key = sources_digest(source.path, fast=True) if source is not None else None
            except (ArtifactError, OSError):
                key = None  # no usable source for a fast form: the original runs
            _resolved[artifact.sha256] = chosen_form(artifact, key)
        return _resolved[artifact.sha256]


def executable(artifact: Artifact, *, form: Form = "auto") -> Any:
    """Returns the Saxon executable of a rule set in a form, compiling it on first use.

    In ``auto``, a fast form that cannot be built falls back to the original for good.
    """
    with _lock:
        chosen = resolve_form(artifact, form)
        key = f"{artifact.sha256}:{chosen}"
        compiled = _executables.get(key)
        if compiled is None:
            try:
                compiled = _compile(artifact, chosen)
            except Exception:  # noqa: BLE001 - Saxon raises its own API error type
                if form != "auto" or chosen != "fast":
                    raise
                _resolved[artifact.sha256] = "original"
                return executable(artifact, form="original")
            _executables[key] = compiled
        return compiled


def pattern_executable(artifact: Artifact, pattern: int) -> Any:
    """The Saxon executable of one pattern of a rule set's fast form (1-based).

    See :mod:`validators.schematron.split`: only for a rule set whose fast form runs.
    """
    from validators.schematron.split import one_pattern_xslt

    with _lock:
        key = f"{artifact.sha256}:fast:pattern-{pattern}"
        compiled = _executables.get(key)
        if compiled is None:
            path = one_pattern_xslt(Path(_xslt_source(artifact, "fast")), pattern)
            compiled = _compile_stylesheet(str(path), f"pattern {pattern} of {artifact.name}")
            _executables[key] = compiled
        return compiled


def _compile(artifact: Artifact, form: Form) -> Any:
    return _compile_stylesheet(_xslt_source(artifact, form), f"the rule set {artifact.name}")


def _compile_stylesheet(path: str, what: str) -> Any:
    compiled = _saxon().new_xslt30_processor().compile_stylesheet(stylesheet_file=path)
    if compiled is None:
        raise SchematronError(f"Saxon could not compile {what}")
    return compiled


@dataclass(frozen=True)
class SvrlResult:
    """The findings read from one SVRL output, at most ``limit`` of them, and what was left out."""

    findings: tuple[Finding, ...]
    truncated: int = 0
    fatal_left_out: bool = False


def _finding(element: etree._Element, stage_id: str) -> Finding:
    text_element = element.find(f"{_SVRL}text")
    text = str(text_element.xpath("string()")) if text_element is not None else ""
    message = " ".join(text.split())
    term = _BT.search(message)
    return Finding(
        rule_id=element.get("id") or "(no id)",
        severity=severity_of(element.get("flag") or element.get("role")),
        location=element.get("location") or "",
        message=message,
        stage=stage_id,
        business_term=term.group(1) if term else None,
    )


def read_svrl(source: Any, stage_id: str, *, limit: int = MAX_FINDINGS) -> SvrlResult:
    """Reads failed assertions and successful reports from an SVRL file or file object.

    Streams the SVRL, so its size does not matter: the first ``limit`` findings are
    kept, the rest are only counted (and checked for a fatal one).
    """
    findings: list[Finding] = []
    left_out = 0
    fatal_left_out = False
    for _, element in etree.iterparse(
        source,
        events=("end",),
        tag=(f"{_SVRL}failed-assert", f"{_SVRL}successful-report"),
        resolve_entities=False,
        no_network=True,
        huge_tree=True,
    ):
        if len(findings) < limit:
            findings.append(_finding(element, stage_id))
        else:
            left_out += 1
            fatal_left_out = fatal_left_out or (
                severity_of(element.get("flag") or element.get("role")) == "fatal"
            )
        element.clear()
        # Drop what was read so far (fired rules, earlier findings): memory stays flat.
        while element.getprevious() is not None:
            parent = element.getparent()
            if parent is None:
                break
            del parent[0]
    return SvrlResult(tuple(findings), left_out, fatal_left_out)


def svrl_findings(svrl: str | bytes, stage_id: str) -> tuple[Finding, ...]:
    """Reads every failed assertion and successful report of an SVRL document (no cap)."""
    import io

    data = svrl.encode("utf-8") if isinstance(svrl, str) else svrl
    return read_svrl(io.BytesIO(data), stage_id, limit=len(data)).findings


# Saxon's XML parser refusing the document (too many attributes, a name too long):
# the document's fault, not the rule set's.
_PARSER_REFUSAL = re.compile(r"SXXP0003|JAXP\d+")


# Failures of this machine while Saxon writes its report, not of the document.
_OUTPUT_FAILURE = re.compile(r"No space left|Permission denied|Too many open files|java\.io\.")

#: The finding that stands for a rule set that stopped with a dynamic error on a document.
CANNOT_EVALUATE = "EGW-RULES-CANNOT-EVALUATE"


class _RulesCannotEvaluate(Exception):
    """Saxon stopped with a dynamic error while running compiled rules over this document.

    Raised only for an executable that has finished a run in this process (the warm-up runs
    every rule set in force): the rule set works, so what stopped it is a value of the
    document in a form the rules cannot read, such as an empty amount or a text split in two
    by a comment. Saxon's message quotes those values, so it is dropped. An executable that
    never finished a run may be broken itself: its failure stays a stage error.
    """


# ids of the executables (cached for the life of the process) that finished a run.
_finished_a_run: set[int] = set()


def _refused_by_parser(exc: Exception) -> XmlInputError | None:
    text = str(exc)
    if not _PARSER_REFUSAL.search(text):
        return None
    reason = " ".join(text.split())
    marker = reason.find("JAXP")
    return XmlInputError(
        "refused-by-rule-engine",
        "the rule engine's XML parser refused the document: "
        + (reason[marker:] if marker >= 0 else reason)[:300],
    )


class Source:
    """A document (XML text) that Saxon parses at most once for all the rule sets run over it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._node: Any = None

    def node(self) -> Any:
        """The parsed Saxon node (call with ``_lock`` held: Saxon objects are not thread-safe)."""
        if self._node is None:
            self._node = _saxon().parse_xml(xml_text=self.text)
        return self._node

    def release(self) -> None:
        """Frees the Saxon node now, under the lock.

        Left to garbage collection, a Saxon object is freed in whichever thread
        drops the last reference, perhaps while another thread is inside Saxon:
        every call into Saxon, its deallocations included, stays under ``_lock``.
        """
        with _lock:
            self._node = None


def _transform_to_file(
    artifact: Artifact,
    document: str | Source,
    output: str,
    form: Form,
    pattern: int | None = None,
) -> None:
    with _lock:
        compiled = (
            executable(artifact, form=form)
            if pattern is None
            else pattern_executable(artifact, pattern)
        )
        source = document if isinstance(document, Source) else Source(document)
        try:
            try:
                compiled.transform_to_file(xdm_node=source.node(), output_file=output)
            except Exception as exc:  # noqa: BLE001 - sorted below: document, or this machine
                if _refused_by_parser(exc) is not None or _OUTPUT_FAILURE.search(str(exc)):
                    raise
                if id(compiled) in _finished_a_run:
                    raise _RulesCannotEvaluate() from None
                # Saxon's message may quote the document: it reaches neither log nor answer.
                raise StageRunError(
                    artifact.name,
                    "it stopped on the first document it ran (Saxon's message is not kept: "
                    "it may quote the document)",
                ) from None
            _finished_a_run.add(id(compiled))
        finally:
            if source is not document:
                source.release()


def transform(artifact: Artifact, document: str) -> str:
    """Runs a rule set over a document (XML text) and returns the SVRL output."""
    with _lock:
        compiled = executable(artifact)
        node = _saxon().parse_xml(xml_text=document)
        output = compiled.transform_to_string(xdm_node=node)
        output = None if output is None else str(output)
        del node  # freed under the lock (see Source.release)
    if output is None:
        raise StageRunError(artifact.name, "the rule set produced no output")
    return str(output)


def run(
    stage_id: str,
    artifact: Artifact,
    document: str | Source,
    *,
    limit: int = MAX_FINDINGS,
    form: Form = "auto",
    pattern: int | None = None,
) -> StageResult:
    """Validates a document (XML text) with a Schematron rule set, keeping at most ``limit`` findings.

    Pass a :class:`Source` to share one Saxon parse between the rule sets of a profile;
    ``form`` forces the original or the fast form (the differential test, the benchmark);
    ``pattern`` runs only that pattern of the fast form (:mod:`validators.schematron.split`).

    Raises:
        XmlInputError: Saxon's own XML parser refused the document (a limit of its own).
    """
    started = time.perf_counter()
    ref = ArtifactRef(artifact.name, artifact.version, artifact.sha256)
    # The SVRL goes to a temporary file and is read back streaming, so a document
    # that fires a rule a million times costs disk for a moment, not memory.
    descriptor, output = tempfile.mkstemp(prefix="egw-svrl-", suffix=".xml")
    os.close(descriptor)
    try:
        try:
            _transform_to_file(artifact, document, output, form, pattern)
            if os.path.getsize(output) == 0:
                raise StageRunError(artifact.name, "the rule set produced no output")
            svrl = read_svrl(output, stage_id, limit=limit)
        except _RulesCannotEvaluate:
            # The document's fault: it cannot be judged valid, so it is invalid (4xx), and
            # the message says why without quoting the document.
            return StageResult(
                stage=stage_id,
                outcome="invalid",
                findings=(
                    stage_failure(
                        stage_id,
                        CANNOT_EVALUATE,
                        f"the official rule set {artifact.name} {artifact.version} stopped with "
                        "an error on this document's content, so it cannot be judged valid: a "
                        "value has a form the rules cannot read (for example an empty or "
                        "non-numeric amount or date, or a text split by a comment or "
                        "processing instruction)",
                    ),
                ),
                duration=time.perf_counter() - started,
                artifact=ref,
            )
        except Exception as exc:  # noqa: BLE001 - any failure inside Saxon makes the stage "error"
            refused = _refused_by_parser(exc)
            if refused is not None:
                raise refused from None
            detail = f"the rule set {artifact.name} {artifact.version} failed to run: {exc}"
            return StageResult(
                stage=stage_id,
                outcome="error",
                findings=(stage_failure(stage_id, "EGW-STAGE-ERROR", detail),),
                duration=time.perf_counter() - started,
                artifact=ref,
                detail=detail,
            )
    finally:
        os.unlink(output)
    fatal = svrl.fatal_left_out or any(f.severity == "fatal" for f in svrl.findings)
    return StageResult(
        stage=stage_id,
        outcome="invalid" if fatal else "valid",
        findings=svrl.findings,
        duration=time.perf_counter() - started,
        artifact=ref,
        truncated=svrl.truncated,
    )
