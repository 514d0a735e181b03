"""Compiles the rule sets when the server starts, and holds readiness until they are.

See :mod:`validators.warm` for why: without it, the first request that needs a
rule set (or the first sampled official audit) compiles it while holding the
GIL, and every request in flight waits. The warm-up runs on a thread of its own
at startup and ends by freezing the startup objects (:func:`freeze_startup_objects`);
``/readyz`` answers 503 ("warming") until it is done, so a load balancer sends
traffic only to a warm server. ``EGW_WARM_UP=false`` turns it off (tests, one-off
tools).
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from validators.warm import WarmUpSummary, warm_up

log = logging.getLogger("egw.warmup")


class WarmUp:
    """The state of one app's warm-up: running, done (with its summary), or failed."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.summary: WarmUpSummary | None = None
        self.failed: str | None = None
        self.frozen = 0  # objects moved out of the collector's sight (freeze_startup_objects)

    @property
    def state(self) -> str:
        """``warming``, ``ok`` or ``failed: <type>`` (a failed warm-up still lets the server serve)."""
        if not self.done.is_set():
            return "warming"
        return f"failed: {self.failed}" if self.failed else "ok"

    def run(self) -> None:
        """Compiles the rule sets (on the calling thread), freezes the heap, marks the warm-up done."""
        try:
            self.summary = warm_up()
        except Exception as exc:  # noqa: BLE001 - requests compile on first use, as without it
            self.failed = type(exc).__name__
            log.error("rule set warm-up failed: %s", type(exc).__name__)
        else:
            self.frozen = freeze_startup_objects()
            log.info(
                "rule sets compiled in %.1f s: %d rule sets, %d stages unavailable; "
                "%d startup objects frozen",
                self.summary.seconds,
                len(self.summary.rule_sets),
                len(self.summary.unavailable),
                self.frozen,
            )
            for stage in self.summary.unavailable:
                log.warning(
                    "rule set stage not available (documents needing it are not checked): %s", stage
                )
        finally:
            self.done.set()

    def start(self) -> None:
        """Runs the warm-up on a daemon thread of its own."""
        threading.Thread(target=self.run, daemon=True, name="egw-warm-up").start()


def freeze_startup_objects() -> int:
    """Collects once, then hides every object alive now from the cyclic garbage collector.

    After the warm-up the process holds ~250,000 long-lived objects (compiled rule
    sets, native rule programs, code lists, the app). Python's full collection walks
    all of them: 140-170 ms with the GIL held, every few thousand requests, and the
    request that triggers it (or any running meanwhile) waits. ``bench/api.py``,
    Peppol drafts at one client: p99.9 92-190 ms before, 33 ms after. Frozen objects
    are still freed when their last reference goes; only cycles among them would
    stay, and startup objects live as long as the process.

    Returns:
        How many objects are frozen.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def install(app: Any) -> None:
    """Starts the warm-up with the app's lifespan when ``settings.warm_up`` is on."""
    app.state.warm_up = None
    if not app.state.settings.warm_up:
        return
    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        warming = WarmUp()
        app.state.warm_up = warming
        warming.start()
        async with previous(application) as state:
            yield state

    app.router.lifespan_context = lifespan
