"""One big document's Schematron work shared between this process and the Saxon worker.

The work of a rule set's Schematron stages is cut into units: a stage whole, or
one pattern of a stage whose fast form is cut (:mod:`validators.schematron.split`).
:func:`start` plans which units the worker runs (both processes should finish
together), sends them off, and returns a :class:`SharedRun`; the runner then asks
it for each stage's result in turn. A stage's units run here or come back from
the worker, and are put together in pattern order: the findings of the patterns
one after the other are the findings of the whole stage, and the cap on findings
is applied to the whole. A unit that fails (the worker died, a stage in error)
makes the stage run whole here: sharing can cost time, never a different report.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Literal

from schemas.artifacts import Artifact
from schemas.errors import ArtifactError
from validators.report import MAX_FINDINGS, StageResult
from validators.ruleset import RuleSet, Stage
from validators.schematron.split import Unit, plan, units_of
from validators.schematron.verdict import Form
from validators.stages import pool, schematron


def merged(stage_id: str, parts: list[StageResult], limit: int) -> StageResult:
    """The result of a whole stage from the results of its patterns, in pattern order."""
    findings = [finding for part in parts for finding in part.findings]
    total = sum(len(part.findings) + part.truncated for part in parts)
    kept = tuple(findings[:limit])
    invalid = any(part.outcome == "invalid" for part in parts)
    return StageResult(
        stage=stage_id,
        outcome="invalid" if invalid else "valid",
        findings=kept,
        artifact=parts[0].artifact,
        truncated=total - len(kept),
    )


@dataclass
class SharedRun:
    """The plan for one document and the worker's future; see the module docstring."""

    source: schematron.Source
    form: Form
    units: dict[str, list[Unit]]
    artifacts: dict[str, Artifact]
    sent: tuple[Unit, ...]
    future: Future[list[StageResult]] | None
    _received: dict[Unit, StageResult] | None = field(default=None)

    def _from_worker(self, unit: Unit) -> StageResult:
        if self._received is None:
            work = tuple((u.stage_id, self.artifacts[u.stage_id], u.pattern) for u in self.sent)
            found = pool.results(self.future, work, self.source, limit=MAX_FINDINGS, form=self.form)
            self._received = dict(zip(self.sent, found, strict=True))
        return self._received[unit]

    def stage(self, stage: Stage, limit: int) -> StageResult | None:
        """The stage's result put together from its units; None when it must run whole here."""
        units = self.units.get(stage.id)
        if units is None:
            return None
        # This process's own units first, the worker's after: waiting for the worker
        # while work of our own is left would leave this core idle.
        mine = [unit for unit in units if unit not in self.sent]
        work = tuple((stage.id, self.artifacts[stage.id], unit.pattern) for unit in mine)
        done = dict(
            zip(
                mine,
                pool.run_here(work, self.source, limit=MAX_FINDINGS, form=self.form),
                strict=True,
            )
        )
        parts = [done[unit] if unit in done else self._from_worker(unit) for unit in units]
        if any(part.outcome == "error" for part in parts):
            return None
        return merged(stage.id, parts, limit)


def start(
    ruleset: RuleSet,
    source: schematron.Source,
    form: Form,
    min_bytes: int | Literal["auto"] | None,
) -> SharedRun | None:
    """Plans and starts the worker's share of a document's Schematron work; None: all runs here.

    ``min_bytes``: from this size of XML text (None: never; ``auto``: from
    ``pool.SUGGESTED_MIN_BYTES`` when a core is free and the worker is warm).
    """
    from validators import stage_artifact

    stages = [s for s in ruleset.stages if s.kind == "schematron"]
    auto = min_bytes == "auto"
    threshold = pool.SUGGESTED_MIN_BYTES if min_bytes == "auto" else min_bytes
    if (
        threshold is None
        or len(source.text) < threshold
        or any(s.stop_on_fatal for s in ruleset.stages)  # a skipped stage must not run
    ):
        return None
    artifacts: dict[str, Artifact] = {}
    units: dict[str, list[Unit]] = {}
    for stage in stages:
        try:
            artifact = stage_artifact(stage)
        except ArtifactError:
            continue  # the runner records it as not available
        artifacts[stage.id] = artifact
        cut = form != "original" and schematron.resolve_form(artifact, form) == "fast"
        units[stage.id] = units_of(stage.id, artifact.name, cut=cut)
    every = [unit for stage_units in units.values() for unit in stage_units]
    if len(every) < 2 or (auto and not (pool.core_free() and pool.warm_worker_ready())):
        return None
    to_worker = plan(every)
    sent = tuple(unit for unit in every if unit in to_worker)  # in the order they run
    if not sent:
        return None
    work = tuple((u.stage_id, artifacts[u.stage_id], u.pattern) for u in sent)
    future = pool.submit(work, source.text, limit=MAX_FINDINGS, form=form)
    return SharedRun(source, form, units, artifacts, sent, future)
