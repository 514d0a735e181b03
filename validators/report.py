"""Validation reports: what the official artifacts said about one document, as data.

A report keeps *valid* (what the rule sets said) apart from *accepted* (the
gateway's policy, decided elsewhere). It has four stage outcomes: ``valid``,
``invalid``, ``skipped`` and ``error``; a stage that errored or a required stage
that did not run makes the report not valid, so nothing is "valid by omission".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from lxml import etree

Severity = Literal["fatal", "warning", "information"]
Outcome = Literal["valid", "invalid", "skipped", "error"]

SVRL_NS = "http://purl.oclc.org/dsdl/svrl"

#: Most findings a report holds for one document; the rest are counted in ``truncated``.
#: A document with more than this many problems is broken at its source, and a
#: report that grows with the attacker's input would be a memory bomb.
MAX_FINDINGS = 1000
TRUNCATED_RULE = "EGW-FINDINGS-TRUNCATED"
#: Findings that stand for a rule set that could not run: the gateway could not
#: check the document, which says nothing about the document.
NOT_CHECKED_RULES = frozenset({"EGW-RULESET-NOT-AVAILABLE", "EGW-STAGE-ERROR"})


def severity_of(flag: str | None) -> Severity:
    """Maps a Schematron ``flag``/``role`` value to a report severity.

    Rule sets flag their rules ``fatal``, ``error``, ``warning``, ``information``
    or ``info``; a rule without a flag is treated as fatal (the ISO default is
    that every failed assertion is an error).

    >>> severity_of("error"), severity_of("warning"), severity_of("info"), severity_of(None)
    ('fatal', 'warning', 'information', 'fatal')
    """
    value = (flag or "").strip().lower()
    if value in ("warning", "warn"):
        return "warning"
    if value in ("information", "info", "informational"):
        return "information"
    return "fatal"


@dataclass(frozen=True)
class Finding:
    """One rule that fired (or one XSD error) at one place in the document."""

    rule_id: str
    severity: Severity
    location: str
    message: str
    stage: str
    business_term: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Returns the finding in the JSON shape of ``egw validate --json``."""
        data: dict[str, Any] = {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "location": self.location,
            "message": self.message,
            "stage": self.stage,
        }
        if self.business_term:
            data["business_term"] = self.business_term
        return data


def stage_failure(stage: str, rule_id: str, message: str) -> Finding:
    """The fatal finding that stands for a stage that could not run (so it can never pass)."""
    return Finding(rule_id=rule_id, severity="fatal", location="/", message=message, stage=stage)


@dataclass(frozen=True)
class ArtifactRef:
    """Which artifact a stage ran: its name, version and the SHA-256 of its bytes."""

    name: str
    version: str
    sha256: str

    def to_json(self) -> dict[str, str]:
        """Returns the reference as a JSON-ready dict."""
        return {"name": self.name, "version": self.version, "sha256": self.sha256}


@dataclass(frozen=True)
class StageResult:
    """The outcome of one validation stage on one document."""

    stage: str
    outcome: Outcome
    findings: tuple[Finding, ...] = ()
    duration: float = 0.0
    artifact: ArtifactRef | None = None
    detail: str | None = None
    required: bool = True
    truncated: int = 0
    """Findings of this stage left out of the report (over :data:`MAX_FINDINGS`)."""

    @property
    def ran(self) -> bool:
        """Whether the stage ran to completion (valid or invalid)."""
        return self.outcome in ("valid", "invalid")


@dataclass(frozen=True)
class Report:
    """The validation report of one document under one rule set."""

    ruleset_id: str
    syntax: str
    document_sha256: str
    results: tuple[StageResult, ...]
    profile: str | None = None
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    engine: Literal["official", "native", "mixed"] = "official"
    """Who ran the Schematron rules: Saxon over the official XSLT, or validators.native."""

    @property
    def findings(self) -> list[Finding]:
        """Every finding of every stage, in stage order."""
        return [f for result in self.results for f in result.findings]

    @property
    def fatal(self) -> list[Finding]:
        """The findings that make the document invalid."""
        return [f for f in self.findings if f.severity == "fatal"]

    @property
    def valid(self) -> bool:
        """True only when every required stage ran and none found anything fatal."""
        for result in self.results:
            if result.outcome in ("error", "invalid"):
                return False
            if result.required and not result.ran:
                return False
        return not self.fatal

    @property
    def not_checked(self) -> list[Finding]:
        """The stage failures that mean "could not check" (a missing or broken rule set)."""
        return [f for f in self.findings if f.rule_id in NOT_CHECKED_RULES]

    @property
    def truncated(self) -> int:
        """How many findings were left out of this report (over :data:`MAX_FINDINGS`)."""
        return sum(r.truncated for r in self.results)

    @property
    def rule_sets(self) -> list[dict[str, str]]:
        """The artifacts that ran: name, version and SHA-256 of each."""
        return [r.artifact.to_json() for r in self.results if r.artifact is not None and r.ran]

    @property
    def not_run(self) -> list[dict[str, str]]:
        """The stages that did not run to completion, with the reason."""
        return [
            {"stage": r.stage, "outcome": r.outcome, "reason": r.detail or ""}
            for r in self.results
            if not r.ran
        ]

    def to_json(self) -> dict[str, Any]:
        """Returns the report as a JSON-ready dict (the ``egw validate --json`` shape, plus context)."""
        return {
            "valid": self.valid,
            "syntax": self.syntax,
            "profile": self.profile,
            "ruleset_id": self.ruleset_id,
            "engine": self.engine,
            "document_sha256": self.document_sha256,
            "checked_at": self.checked_at.isoformat(),
            "findings": [f.to_json() for f in self.findings],
            "truncated": self.truncated,
            "rule_sets": self.rule_sets,
            "not_run": self.not_run,
            "stages": [
                {
                    "stage": r.stage,
                    "outcome": r.outcome,
                    "duration_ms": round(r.duration * 1000, 1),
                    "findings": len(r.findings),
                    "truncated": r.truncated,
                    "detail": r.detail,
                }
                for r in self.results
            ],
        }

    def to_svrl(self) -> bytes:
        """Returns the findings as one SVRL ``schematron-output`` document."""
        svrl = f"{{{SVRL_NS}}}"
        root = etree.Element(svrl + "schematron-output", nsmap={"svrl": SVRL_NS})
        root.set("title", f"{self.ruleset_id} ({'valid' if self.valid else 'invalid'})")
        for result in self.results:
            run = etree.SubElement(root, svrl + "active-pattern")
            run.set("id", result.stage)
            run.set("name", f"{result.stage}: {result.outcome}")
            if result.artifact:
                run.set("document", f"{result.artifact.name} {result.artifact.version}")
            for finding in result.findings:
                element = etree.SubElement(root, svrl + "failed-assert")
                element.set("id", finding.rule_id)
                element.set("flag", finding.severity)
                element.set("location", finding.location)
                text = etree.SubElement(element, svrl + "text")
                text.text = finding.message
            if result.truncated:
                # SVRL has no slot for "left out"; an informational report says it.
                element = etree.SubElement(root, svrl + "successful-report")
                element.set("id", TRUNCATED_RULE)
                element.set("flag", "information")
                element.set("location", "/")
                text = etree.SubElement(element, svrl + "text")
                text.text = (
                    f"{result.truncated} further finding(s) of stage {result.stage} were left "
                    f"out: a report holds at most {MAX_FINDINGS} findings"
                )
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def report_from_json(data: dict[str, Any]) -> Report:
    """Rebuilds a report from its JSON form (as stored with an archived document)."""
    findings_by_stage: dict[str, list[Finding]] = {}
    for item in data.get("findings", []):
        findings_by_stage.setdefault(item["stage"], []).append(
            Finding(
                rule_id=item["rule_id"],
                severity=item["severity"],
                location=item["location"],
                message=item["message"],
                stage=item["stage"],
                business_term=item.get("business_term"),
            )
        )
    artifacts = {a["name"]: a for a in data.get("rule_sets", [])}
    results = []
    for stage in data.get("stages", []):
        results.append(
            StageResult(
                stage=stage["stage"],
                outcome=stage["outcome"],
                findings=tuple(findings_by_stage.get(stage["stage"], [])),
                duration=stage.get("duration_ms", 0) / 1000,
                detail=stage.get("detail"),
                truncated=stage.get("truncated", 0),
            )
        )
    del artifacts  # artifact hashes stay in the JSON form; SVRL names stages only
    return Report(
        ruleset_id=data.get("ruleset_id", ""),
        syntax=data.get("syntax", ""),
        document_sha256=data.get("document_sha256", ""),
        profile=data.get("profile"),
        results=tuple(results),
        engine=data["engine"] if data.get("engine") in ("native", "mixed") else "official",
        checked_at=datetime.fromisoformat(data["checked_at"])
        if data.get("checked_at")
        else datetime.now(UTC),
    )
