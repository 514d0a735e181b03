"""The Saxon worker: a second process that takes a share of one big document's Schematron work.

Saxon runs a transformation on one core, and this process runs one at a time
(its Saxon objects sit behind a lock). For a big document a warm worker process
runs its share (later rule sets, patterns of a cut rule set: see
:mod:`validators.stages.sharing`) over its own parse of the same text while
this process runs the rest. Below a size threshold shipping the text and
parsing it twice costs more than it saves, so small documents never leave the
process. A worker that fails in any way is not trusted: the work runs here.

It pays only where a core is free: on an idle 2-core machine a 5,000-line UBL
invoice took 0.53 s instead of 0.77 s (EN 16931) and 0.65 s instead of 0.98 s
(Peppol), while on a loaded one (load 8-9) sharing was slower (2.8 s against
2.1-2.5 s for Peppol). So by default (``validators.run_ruleset``'s
``parallel_min_bytes="auto"``) the worker takes a share of a document of at
least :data:`SUGGESTED_MIN_BYTES` only when :func:`core_free` says a core is idle
(by the load average and the threads runnable now) and the
worker is already warm (its rule sets compiled, see :func:`warm_worker_ready`):
a cold worker is started for later documents, never waited for.
``EGW_PARALLEL_STAGES=off`` turns it off.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool

from schemas.artifacts import Artifact
from validators.report import StageResult
from validators.schematron.verdict import Form
from validators.stages import schematron

#: The size (characters of XML text) from which the worker is worth it where a core is free.
SUGGESTED_MIN_BYTES = 1_000_000

_pool: ProcessPoolExecutor | None = None
_warmed: Future[None] | None = None  # the worker's warm-up, submitted first
_pool_lock = threading.Lock()
#: After a worker failed to warm up, none is started again for this long (a worker that
#: cannot start would otherwise cost a process spawn per big document).
RETRY_AFTER_SECONDS = 600.0
_failed_at: float | None = None
_LOADAVG = "/proc/loadavg"
#: Longest wait for the worker's share of one document. A share of the largest document
#: accepted (25 MB) takes a few seconds; a worker still busy after this is stuck: it is
#: stopped and its share runs here, so that a request never waits for ever.
WORKER_TIMEOUT_SECONDS = 120.0


def _cores() -> int:
    """The cores this process may run on (its affinity, where the platform tells)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def sharing_possible() -> bool:
    """Whether this process could ever share work with the worker: two cores, not turned off."""
    if os.environ.get("EGW_PARALLEL_STAGES", "auto").lower() in ("off", "false", "0"):
        return False
    return _cores() >= 2


def core_free() -> bool:
    """Whether a second core is idle enough for the worker to pay (and it is not turned off).

    At least two cores this process may run on, a one-minute load average of at
    most one less than that, and, where Linux tells, no more threads runnable right
    now than that (this one included). The load average alone lags by a minute: a
    burst of work on an idle machine would still be shared while it fills the other
    core. The snapshot alone misses a machine that is busy on average.
    """
    if not sharing_possible():
        return False
    spare = _cores() - 1
    if os.getloadavg()[0] > spare:
        return False
    runnable = runnable_now()
    return runnable is None or runnable <= spare


def runnable_now() -> int | None:
    """The threads of the whole machine that run or wait for a core now, this one included.

    The fourth field of Linux's ``/proc/loadavg`` (``running/total``); None where
    there is no such file or it reads otherwise.
    """
    try:
        with open(_LOADAVG, "rb") as source:
            return int(source.read().split()[3].split(b"/")[0])
    except (OSError, ValueError, IndexError):
        return None


def _warm() -> None:
    schematron._saxon()


def _compile_rule_sets() -> None:
    from validators.warm import warm_up

    warm_up(native=False, patterns=True)


def warm_worker_ready() -> bool:
    """Whether the worker runs and has its rule sets compiled; if none runs, one is started.

    The caller runs the stage itself when this is False: a document never waits for
    a cold worker (compiling every rule set takes it a few seconds).
    """
    global _warmed, _failed_at
    if _failed_at is not None and time.monotonic() - _failed_at < RETRY_AFTER_SECONDS:
        return False
    try:
        executor = _executor()
        with _pool_lock:
            if _warmed is None:
                _warmed = executor.submit(_compile_rule_sets)
            warmed = _warmed
    except (BrokenProcessPool, RuntimeError, OSError):
        warmed = None
    if warmed is not None and not warmed.done():
        return False
    if warmed is None or warmed.exception() is not None:
        _failed_at = time.monotonic()
        shutdown()
        return False
    _failed_at = None
    return True


#: One piece of work for the worker: a stage's id, its rule set, and one of its patterns
#: (None: the whole rule set; see validators.schematron.split).
Work = tuple[str, Artifact, int | None]


def run_here(
    work: tuple[Work, ...], source: schematron.Source, *, limit: int, form: Form
) -> list[StageResult]:
    """Runs pieces of work in this process, in order, over one parse (the worker's body too)."""
    return [
        schematron.run(stage_id, artifact, source, limit=limit, form=form, pattern=pattern)
        for stage_id, artifact, pattern in work
    ]


def _run(work: tuple[Work, ...], text: str, limit: int, form: Form) -> list[StageResult]:
    source = schematron.Source(text)  # one parse for every piece
    try:
        return run_here(work, source, limit=limit, form=form)
    finally:
        source.release()


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # spawn, not fork: Saxon's native runtime in this process has threads of its own.
            context = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_warm)
        return _pool


def submit(
    work: tuple[Work, ...], text: str, *, limit: int, form: Form
) -> Future[list[StageResult]] | None:
    """Starts pieces of Schematron work in the worker process; None when no worker can take them.

    They run in the order given, over one parse of ``text``; the future's result
    holds one stage result per piece.
    """
    try:
        return _executor().submit(_run, work, text, limit, form)
    except (BrokenProcessPool, RuntimeError, OSError):
        shutdown()  # a broken pool is replaced on the next big document
        return None


def results(
    future: Future[list[StageResult]] | None,
    work: tuple[Work, ...],
    source: schematron.Source,
    *,
    limit: int,
    form: Form,
) -> list[StageResult]:
    """The worker's results, or the work run here when the worker failed, stuck or never started."""
    if future is not None:
        try:
            found = future.result(timeout=WORKER_TIMEOUT_SECONDS)
            if len(found) == len(work):
                return found
        except FutureTimeout:
            stop_stuck_worker()
        except Exception as exc:  # noqa: BLE001 - whatever went wrong there, the work runs here
            if isinstance(exc, BrokenProcessPool):
                shutdown()
    return run_here(work, source, limit=limit, form=form)


def stop_stuck_worker() -> None:
    """Kills the worker process and forgets it; the next big document starts another.

    The executor cannot cancel work that has started, so its process is killed.
    """
    global _pool, _warmed
    with _pool_lock:
        stuck, _pool, _warmed = _pool, None, None
    if stuck is None:
        return
    # The executor keeps its processes in a private map: the only handle on them.
    for process in list(getattr(stuck, "_processes", {}).values()):
        process.kill()
    stuck.shutdown(wait=False, cancel_futures=True)


def shutdown() -> None:
    """Stops the worker process (tests, orderly exit)."""
    global _pool, _warmed
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None
        _warmed = None
