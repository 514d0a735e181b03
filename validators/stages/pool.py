"""Schematron stages of one big document in a second process, beside this one.

Saxon runs a transformation on one core, and this process runs one at a time
(its Saxon objects sit behind a lock). For a big document the EN 16931 and the
Peppol rule sets take about 0.5 s and 0.3 s: a warm worker process runs the
later Schematron stages over its own parse of the same text while this process
runs the first. Below a size threshold shipping the text and parsing it twice
costs more than it saves, so small documents never leave the process. A worker
that fails in any way is not trusted: the stage runs here instead.

Off by default: measured on the shared 2-core build machine (load 8-9), the
worker made a 5,000-line Peppol invoice slower (2.8 s vs 2.1-2.5 s), as there
was no idle core to run it on. ``bench/validate.py`` measures both; pass
``parallel_min_bytes`` to ``validators.run_ruleset`` where a core is free.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from schemas.artifacts import Artifact
from validators.report import StageResult
from validators.schematron.verdict import Form
from validators.stages import schematron

#: Documents from this size (characters of XML text) run their stages in parallel;
#: None: never (the default until it is measured to pay, see above).
PARALLEL_MIN_BYTES: int | None = None

#: The size from which it is worth trying where a core is free (the benchmark uses it).
SUGGESTED_MIN_BYTES = 1_000_000

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _warm() -> None:
    schematron._saxon()


def _run(stage_id: str, artifact: Artifact, text: str, limit: int, form: Form) -> StageResult:
    return schematron.run(stage_id, artifact, text, limit=limit, form=form)


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # spawn, not fork: Saxon's native runtime in this process has threads of its own.
            context = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_warm)
        return _pool


def submit(
    stage_id: str, artifact: Artifact, text: str, *, limit: int, form: Form
) -> Future[StageResult] | None:
    """Starts a Schematron stage in the worker process; None when no worker can take it."""
    try:
        return _executor().submit(_run, stage_id, artifact, text, limit, form)
    except (BrokenProcessPool, RuntimeError, OSError):
        shutdown()  # a broken pool is replaced on the next big document
        return None


def result(
    future: Future[StageResult],
    stage_id: str,
    artifact: Artifact,
    source: schematron.Source,
    *,
    limit: int,
    form: Form,
) -> StageResult:
    """The worker's result, or the stage run here when the worker failed."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - whatever went wrong there, the stage runs here
        if isinstance(exc, BrokenProcessPool):
            shutdown()
        return schematron.run(stage_id, artifact, source, limit=limit, form=form)


def shutdown() -> None:
    """Stops the worker process (tests, orderly exit)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None
