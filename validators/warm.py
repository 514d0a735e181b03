"""Warm-up: every rule set in force compiled before the first document needs it.

Saxon compiles a Schematron rule set on first use, and the native rules build
their program on first use. Both take from a tenth of a second to a second per
rule set, and Saxon holds the GIL meanwhile: in a server, the request that
happens to need a rule set first (or the sampled official audit of a native
judgement, on its background thread) stalls every other request for that long
(measured: p99.9 of 614 ms instead of 30 ms in ``bench/api.py``, one client).
:func:`warm_up` pays that cost once, up front, by running each rule set of
:data:`validators.ruleset.RULE_SETS` over a bare root element of its syntax (the
same code path as a real document, so the same caches fill) and building the
native rules of every stage the native engine judges.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from lxml import etree

from schemas.errors import ArtifactError
from validators import ROOT_TAGS, run_ruleset, stage_artifact
from validators.native import rules_of
from validators.ruleset import RULE_SETS, RuleSet, Stage
from validators.schematron.split import pattern_count
from validators.stages import pool, schematron

_NOTHING = "0" * 64  # the SHA-256 field of a report nobody reads


@dataclass
class WarmUpSummary:
    """What a warm-up compiled, what it could not, and how long it took."""

    rule_sets: list[str] = field(default_factory=list)
    #: Rule sets with a stage that cannot run here (artifact missing or broken), by stage.
    unavailable: list[str] = field(default_factory=list)
    seconds: float = 0.0


def rule_sets_in_force(on: date | None = None) -> list[RuleSet]:
    """The rule sets that documents of today (or ``on``) are validated with."""
    day = on or date.today()
    return [ruleset for ruleset in RULE_SETS if ruleset.in_force(day)]


def warm_up(
    on: date | None = None, *, native: bool = True, patterns: bool | None = None
) -> WarmUpSummary:
    """Compiles every rule set in force (official and, with ``native``, native forms).

    ``patterns``: also the one-pattern stylesheets of the rule sets that are cut
    for sharing with the Saxon worker (:mod:`validators.stages.sharing`); None:
    where this machine could share (two cores and sharing not turned off).

    Never raises for a missing rule set: a stage whose artifact is missing is
    listed in ``unavailable``, and documents that need it are answered "not
    checked", as without a warm-up.
    """
    from validators.native.judge import runs_natively

    started = time.perf_counter()
    summary = WarmUpSummary()
    if patterns is None:
        patterns = pool.sharing_possible()
    for ruleset in rule_sets_in_force(on):
        tree = etree.ElementTree(etree.Element(ROOT_TAGS[ruleset.syntax]))
        report = run_ruleset(ruleset, tree, document_sha256=_NOTHING, parallel_min_bytes=None)
        summary.unavailable += [
            f"{ruleset.id} ({ruleset.syntax}): {result.stage}"
            for result in report.results
            if result.outcome == "error"
        ]
        for stage in ruleset.stages:
            try:
                if native and runs_natively(stage):
                    rules_of(stage.artifact)
                if patterns and stage.kind == "schematron":
                    _compile_patterns(stage)
            except ArtifactError:
                pass  # already listed: the official run of the same stage is in error
        summary.rule_sets.append(f"{ruleset.id} ({ruleset.syntax})")
    summary.seconds = time.perf_counter() - started
    return summary


def _compile_patterns(stage: Stage) -> None:
    """The one-pattern executables of a stage whose fast form is cut (none otherwise)."""
    artifact = stage_artifact(stage)
    if schematron.resolve_form(artifact) != "fast":
        return
    for pattern in range(1, pattern_count(artifact.name) + 1):
        schematron.pattern_executable(artifact, pattern)
