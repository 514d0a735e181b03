"""The durable delivery queue: jobs in the ``delivery_job`` table, taken under a lease, retried with backoff.

Every job is a row, written in the transaction of the event that caused it (the
invoice's acceptance, a status change), so a job exists exactly when its event
does. ``dedupe_key`` is unique: the same (invoice, channel) is enqueued once, and
so delivered at most once per successful attempt.

A worker takes a due job by setting ``status='doing'`` with a lease; the network
call runs outside any transaction; the outcome is written afterwards only if the
lease is still the worker's. While the attempt runs, a heartbeat renews the
lease, so a slow attempt (a mail server taking its time) is never taken by a
second worker while the first one lives. A worker killed mid-attempt leaves its
job ``doing`` with a lease that expires; the job is then taken again. The receivers
deduplicate by the job's stable message id (AS4 MessageId, webhook event id), so
a repeated attempt after a crash does not make a second copy.

Who wakes a worker is the backend's business (:mod:`gateway.delivery.backend`):
the embedded thread polls this table; on PostgreSQL, procrastinate carries a
job id per attempt.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from gateway.archive.vault import utcnow
from gateway.db import writer
from gateway.delivery.errors import Cancelled, GiveUp, RetryLater
from gateway.delivery.tables import DeliveryJob
from gateway.ids import new_id

log = logging.getLogger("gateway.delivery")

TODO, DOING, DONE, DEAD, CANCELLED = "todo", "doing", "done", "dead", "cancelled"


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: ``base * 2**(attempt-1)``, capped, with up to 10 % jitter."""

    base_seconds: float = 30.0
    max_seconds: float = 6 * 3600.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after the given failed attempt (1-based).

        >>> Backoff(1.0, 100.0).delay(1) >= 1.0, Backoff(1.0, 100.0).delay(30) <= 110.0
        (True, True)
        """
        plain = min(self.base_seconds * 2.0 ** max(attempt - 1, 0), self.max_seconds)
        return plain * (1 + random.random() / 10)  # noqa: S311 - jitter, not secrecy


@dataclass
class Result:
    """What an attempt achieved: ledger events and facts to record with the job's outcome."""

    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    code: int | None = None
    after: Callable[[Session], None] | None = None


Handler = Callable[[DeliveryJob, dict[str, Any]], Result]
# Called in the transaction that records an outcome: (session, job, outcome, result or error).
Recorder = Callable[[Session, DeliveryJob, str, Result | None, str | None], None]


def enqueue(
    session: Session,
    *,
    tenant_id: str,
    task: str,
    dedupe_key: str,
    subject_id: str,
    invoice_id: str | None,
    payload: dict[str, Any],
    max_attempts: int,
    run_after: datetime | None = None,
) -> DeliveryJob | None:
    """Adds a job in the caller's transaction; None when a job with this ``dedupe_key`` exists.

    The payload must not hold personal data (ids, event types, URLs of the tenant's
    own endpoints): it is stored in clear.
    """
    now = utcnow()
    values = {
        "id": new_id(),
        "tenant_id": tenant_id,
        "task": task,
        "dedupe_key": dedupe_key,
        "subject_id": subject_id,
        "invoice_id": invoice_id,
        "payload": json.dumps(payload, sort_keys=True),
        "status": TODO,
        "attempts": 0,
        "max_attempts": max_attempts,
        "run_after": run_after or now,
        "created_at": now,
        "updated_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = session.execute(
        insert(DeliveryJob)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(col(DeliveryJob.id))
    ).first()
    if inserted is None:
        return None
    job = session.get(DeliveryJob, values["id"])
    assert job is not None
    return job


class JobRunner:
    """Takes jobs, runs their handler, records the outcome. Shared by every backend."""

    def __init__(
        self,
        engine: Engine,
        *,
        handlers: dict[str, Handler],
        recorder: Recorder,
        backoff: Backoff,
        lease_seconds: float,
        notify: Callable[[Session, DeliveryJob], None] | None = None,
    ) -> None:
        self.engine = engine
        self.writer = writer(engine)
        self.handlers = handlers
        self.recorder = recorder
        self.backoff = backoff
        self.lease = timedelta(seconds=lease_seconds)
        # The backend's wake-up for a job that is (again) waiting, in the writing transaction.
        self.notify = notify or (lambda _session, _job: None)

    def session(self) -> Session:
        """A writing session (``BEGIN IMMEDIATE`` on SQLite)."""
        return Session(self.writer, expire_on_commit=False)

    # -- taking ----------------------------------------------------------------

    def _due(self, now: datetime) -> Any:
        return or_(
            (col(DeliveryJob.status) == TODO) & (col(DeliveryJob.run_after) <= now),
            (col(DeliveryJob.status) == DOING) & (col(DeliveryJob.lease_until) < now),
        )

    def has_due(self) -> bool:
        """Whether any job is due (a cheap read: the poller takes the write lock only then)."""
        with Session(self.engine) as session:
            return (
                session.exec(select(DeliveryJob.id).where(self._due(utcnow())).limit(1)).first()
                is not None
            )

    def take(self, job_id: str | None = None) -> DeliveryJob | None:
        """Leases one due job (the given one, or any); None when there is nothing to take."""
        with self.session() as session, session.begin():
            now = utcnow()
            statement = select(DeliveryJob).where(self._due(now))
            if job_id is not None:
                statement = statement.where(DeliveryJob.id == job_id)
            statement = statement.order_by(col(DeliveryJob.run_after)).limit(1)
            if session.get_bind().dialect.name == "postgresql":
                statement = statement.with_for_update(skip_locked=True)
            job = session.exec(statement).first()
            if job is None:
                return None
            job.status = DOING
            job.attempts += 1
            job.lease_until = now + self.lease
            job.updated_at = now
            session.add(job)
        return job

    # -- running ---------------------------------------------------------------

    def run(self, job: DeliveryJob) -> str:
        """Runs a leased job's handler and records the outcome; returns the job's new status."""
        handler = self.handlers.get(job.task)
        payload: dict[str, Any] = json.loads(job.payload)
        result: Result | None = None
        error: str | None = None
        code: int | None = None
        try:
            if handler is None:
                raise GiveUp(f"no handler for task {job.task}")
            with self._lease_kept(job):
                result = handler(job, payload)
            outcome = DONE
        except RetryLater as exc:
            error, code = exc.message, exc.code
            outcome = TODO if job.attempts < job.max_attempts else DEAD
        except Cancelled as exc:
            error, code, outcome = exc.message, exc.code, CANCELLED
        except GiveUp as exc:
            error, code, outcome = exc.message, exc.code, DEAD
        except Exception as exc:  # a bug or an unforeseen failure: retried, never lost
            log.exception("delivery job %s (%s) failed unexpectedly", job.id, job.task)
            error = f"unexpected {type(exc).__name__}"
            outcome = TODO if job.attempts < job.max_attempts else DEAD
        return self.finish(job, outcome, result, error, code)

    @contextmanager
    def _lease_kept(self, job: DeliveryJob) -> Iterator[None]:
        """Renews the job's lease every third of its length while the attempt runs."""
        stop = threading.Event()
        interval = max(self.lease.total_seconds() / 3, 0.05)

        def renew() -> None:
            while not stop.wait(interval):
                try:
                    with self.session() as session, session.begin():
                        kept = session.execute(
                            update(DeliveryJob)
                            .where(
                                col(DeliveryJob.id) == job.id,
                                col(DeliveryJob.status) == DOING,
                                col(DeliveryJob.attempts) == job.attempts,
                            )
                            .values(lease_until=utcnow() + self.lease)
                        )
                    if kept.rowcount != 1:  # type: ignore[attr-defined]
                        return  # taken over or finished: nothing left to keep
                except Exception:  # noqa: BLE001 - a missed renewal only shortens the lease
                    log.warning("delivery job %s: lease renewal failed; trying again", job.id)

        heartbeat = threading.Thread(target=renew, name="egw-lease-heartbeat", daemon=True)
        heartbeat.start()
        try:
            yield
        finally:
            stop.set()
            heartbeat.join()

    def finish(
        self,
        job: DeliveryJob,
        outcome: str,
        result: Result | None,
        error: str | None,
        code: int | None,
    ) -> str:
        """Records an attempt's outcome, if the lease is still ours (else another worker took over)."""
        now = utcnow()
        values: dict[str, Any] = {
            "status": outcome,
            "lease_until": None,
            "updated_at": now,
            "last_error": error[:500] if error else None,
            "last_code": result.code if result is not None else code,
        }
        if outcome == TODO:
            values["run_after"] = now + timedelta(seconds=self.backoff.delay(job.attempts))
        if outcome in (DONE, DEAD, CANCELLED):
            values["finished_at"] = now
        with self.session() as session, session.begin():
            changed = session.execute(
                update(DeliveryJob)
                .where(
                    col(DeliveryJob.id) == job.id,
                    col(DeliveryJob.status) == DOING,
                    col(DeliveryJob.attempts) == job.attempts,
                )
                .values(**values)
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                log.warning("delivery job %s: lease lost before its outcome was recorded", job.id)
                return DOING
            for name, value in values.items():
                setattr(job, name, value)
            if outcome == TODO:
                self.notify(session, job)
            if result is not None and result.after is not None:
                result.after(session)
            self.recorder(session, job, outcome, result, error)
        return outcome

    def run_due(self, limit: int = 50) -> int:
        """Takes and runs due jobs until none is left or ``limit`` ran; returns how many ran."""
        count = 0
        while count < limit:
            job = self.take()
            if job is None:
                break
            self.run(job)
            count += 1
        return count

    def run_one(self, job_id: str) -> str | None:
        """Runs one given job if it is due (a backend's wake-up); None when it was not."""
        job = self.take(job_id)
        return None if job is None else self.run(job)


def cancel(session: Session, *, tenant_id: str, subject_id: str, reason: str) -> int:
    """Cancels a subject's jobs that have not run yet (a revoked webhook endpoint)."""
    now = utcnow()
    result = session.execute(
        update(DeliveryJob)
        .where(
            col(DeliveryJob.tenant_id) == tenant_id,
            col(DeliveryJob.subject_id) == subject_id,
            col(DeliveryJob.status) == TODO,
        )
        .values(status=CANCELLED, last_error=reason[:500], updated_at=now, finished_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
