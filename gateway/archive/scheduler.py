"""Periodic checkpoints: the ledger head of every tenant signed (and time-stamped) at an interval.

One daemon thread per process. Before signing, the thread checks under the
tenant's ledger lock that no checkpoint younger than the interval exists and
that the ledger grew since the last one, so several workers (or a restart) do
not pile up checkpoints. ``EGW_CHECKPOINT_INTERVAL_SECONDS=0`` turns it off.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from gateway.archive import checkpoint, ledger
from gateway.archive.vault import utcnow
from gateway.db import writer
from gateway.tables import LedgerHead

log = logging.getLogger("gateway.archive")


def checkpoint_due_tenants(engine: Any, keys: Any, *, interval: float, tsa_url: str | None) -> int:
    """Signs a checkpoint for every tenant whose ledger grew and whose last one is old enough."""
    made = 0
    with Session(engine) as session:
        tenants = list(session.exec(select(LedgerHead.tenant_id)).all())
    for tenant in tenants:
        with Session(writer(engine), expire_on_commit=False) as session, session.begin():
            size, _ = ledger.lock_head(session, tenant)
            last = checkpoint.latest(session, tenant)
            if last is not None:
                young = utcnow() - _aware(last.created_at) < timedelta(seconds=interval)
                # The last checkpoint's own ledger entry is the only thing after its tree.
                if young or size <= last.tree_size + 1:
                    continue
            elif size == 0:
                continue
            checkpoint.make_checkpoint(session, tenant, keys.current, tsa_url=tsa_url)
            made += 1
    return made


def _aware(moment: Any) -> Any:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def install(app: Any) -> None:
    """Runs the checkpoint thread while the app runs (started and stopped with its lifespan)."""
    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        stop = start(app)
        try:
            async with previous(application) as state:
                yield state
        finally:
            if stop is not None:
                stop.set()

    app.router.lifespan_context = lifespan


def start(app: Any) -> threading.Event | None:
    """Starts the checkpoint thread of an app (returns the event that stops it)."""
    interval = float(app.state.settings.checkpoint_interval_seconds)
    if interval <= 0:
        return None
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(interval):
            try:
                checkpoint_due_tenants(
                    app.state.engine,
                    app.state.keys,
                    interval=interval,
                    tsa_url=app.state.settings.tsa_url,
                )
            except Exception as exc:  # the next round tries again; the reason is in the log
                log.warning("periodic checkpoint failed: %s", type(exc).__name__)

    threading.Thread(target=run, daemon=True, name="egw-checkpoints").start()
    return stop
