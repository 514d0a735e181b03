"""Who runs the jobs: an in-process polling thread (embedded), or procrastinate workers (PostgreSQL).

Both run the same :class:`~gateway.delivery.queue.JobRunner`, so a job behaves the
same whichever backend wakes it. ``notify`` is called in the transaction that
makes a job wait (enqueue, retry): the embedded thread is woken after the
commit; procrastinate gets a job of its own, written in that same transaction
through its SQL API, so it exists exactly when ours does.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from gateway.delivery.queue import JobRunner
from gateway.delivery.tables import DeliveryJob

log = logging.getLogger("gateway.delivery")

PROCRASTINATE_QUEUE = "egw-delivery"
PROCRASTINATE_TASK = "egw.delivery.run"


class EmbeddedWorker:
    """A daemon thread that polls ``delivery_job`` for due jobs (the default install's queue).

    Several processes may each run one: jobs are taken under a lease, one at a time.
    """

    def __init__(self, runner: JobRunner, *, poll_seconds: float) -> None:
        self.runner = runner
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def notify(self, session: Session, job: DeliveryJob) -> None:
        """Wakes the thread once the enqueueing transaction has committed."""
        if not event.contains(session, "after_commit", self._after_commit):
            event.listen(session, "after_commit", self._after_commit)

    def _after_commit(self, _session: Session) -> None:
        self._wake.set()

    def start(self) -> None:
        """Starts the polling thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="egw-delivery", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stops the thread after the job it is running, if any."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.runner.has_due():
                    self.runner.run_due()
            except Exception:  # the database may be briefly away; the loop must outlive it
                log.exception("delivery worker: polling failed; trying again")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()


def conninfo(database_url: str) -> str:
    """A libpq connection string from the SQLAlchemy URL (``postgresql+psycopg://`` -> ``postgresql://``)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def defer_procrastinate(session: Session, job: DeliveryJob) -> None:
    """Writes procrastinate's job for one attempt of ours, in the caller's transaction (its SQL API)."""
    session.execute(
        text(
            "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, NULL, NULL,"
            " CAST(:args AS jsonb), CAST(:at AS timestamptz))]::procrastinate_job_to_defer_v1[])"
        ),
        {
            "queue": PROCRASTINATE_QUEUE,
            "task": PROCRASTINATE_TASK,
            "args": json.dumps({"job_id": job.id}),
            "at": job.run_after,
        },
    )


class ProcrastinateWorker:
    """procrastinate on PostgreSQL: one procrastinate job per attempt, run by a worker in a thread.

    procrastinate wakes workers (LISTEN/NOTIFY, polling) and spreads jobs over
    processes; the lease in ``delivery_job`` stays the judge of who may record an
    outcome. A sweep takes jobs whose lease expired (a worker killed mid-attempt).
    """

    def __init__(
        self,
        runner: JobRunner,
        *,
        database_url: str,
        poll_seconds: float,
        lease_seconds: float,
    ) -> None:
        import procrastinate

        self.runner = runner
        self.poll_seconds = poll_seconds
        self.sweep_seconds = max(min(lease_seconds / 2, 30.0), 0.5)
        self.app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url))
        )
        self.app.task(name=PROCRASTINATE_TASK, queue=PROCRASTINATE_QUEUE, pass_context=False)(
            self._run
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None
        self._sweeper: threading.Thread | None = None
        self._stop = threading.Event()

    def _run(self, job_id: str) -> None:
        self.runner.run_one(job_id)

    def notify(self, session: Session, job: DeliveryJob) -> None:
        """Defers a procrastinate job for this attempt, in the caller's transaction."""
        defer_procrastinate(session, job)

    def start(self) -> None:
        """Starts the procrastinate worker and the lease sweep."""
        self._stop.clear()
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)

            async def main() -> None:
                async with self.app.open_async():
                    ready.set()
                    await self.app.run_worker_async(
                        queues=[PROCRASTINATE_QUEUE],
                        install_signal_handlers=False,
                        fetch_job_polling_interval=self.poll_seconds,
                        concurrency=4,
                        delete_jobs="successful",
                    )

            self._task = loop.create_task(main())
            try:
                loop.run_until_complete(self._task)
            except asyncio.CancelledError:
                pass
            except Exception:
                log.exception("procrastinate worker stopped")
            finally:
                ready.set()
                loop.close()

        self._thread = threading.Thread(target=serve, name="egw-procrastinate", daemon=True)
        self._thread.start()
        ready.wait(30)
        self._sweeper = threading.Thread(target=self._sweep, name="egw-lease-sweep", daemon=True)
        self._sweeper.start()

    def _sweep(self) -> None:
        while not self._stop.wait(self.sweep_seconds):
            try:
                self.runner.run_due(limit=20)
            except Exception:
                log.exception("delivery lease sweep failed; trying again")

    def stop(self, timeout: float = 30.0) -> None:
        """Stops the worker (after its running jobs) and the sweep."""
        self._stop.set()
        loop, task = self._loop, self._task
        if loop is not None and task is not None and not loop.is_closed():
            loop.call_soon_threadsafe(task.cancel)
        for thread in (self._thread, self._sweeper):
            if thread is not None:
                thread.join(timeout)
        self._thread = self._sweeper = None


Worker = EmbeddedWorker | ProcrastinateWorker


def describe(worker: Any) -> str:
    """The backend's name, for logs and health output."""
    return "procrastinate" if isinstance(worker, ProcrastinateWorker) else "table"
