"""Leases of background jobs (exports, archive verifications): a heartbeat, and a sweep for orphans.

Both kinds of job run on a thread of the process that started them. A job holds
a lease row from the moment it is queued until it records its outcome, and a
heartbeat thread renews it while the job's thread is alive. A job whose thread
died, or whose process was stopped or killed, stops renewing: once its lease is
older than ``LEASE_SECONDS`` the sweep (run at startup and whenever a job is
looked at) marks it failed, "interrupted by restart", so it can be run again
instead of showing "running" for ever. A live job in another process keeps its
lease fresh and is left alone.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, update
from sqlmodel import Field, Session, SQLModel, col, select

from gateway.db import writer
from gateway.ids import new_id
from gateway.tables import AuditEvent, ExportJob

EXPORT = "export"
VERIFY = "archive.verify"  # also the audit action of a finished verification
HEARTBEAT_SECONDS = 10.0
LEASE_SECONDS = 60.0
INTERRUPTED = "interrupted by restart"


class JobLease(SQLModel, table=True):
    """A running background job's lease: renewed by its heartbeat, removed with its outcome."""

    __tablename__ = "job_lease"

    job_id: str = Field(primary_key=True, max_length=26)
    kind: str = Field(max_length=20, description="export or archive.verify")
    tenant_id: str = Field(max_length=26, index=True)
    started_at: datetime
    heartbeat_at: datetime


def utcnow() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every time written here is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def take(session: Session, kind: str, job_id: str, tenant_id: str) -> None:
    """Adds the lease of a new job to the caller's (writing) transaction."""
    now = utcnow()
    session.add(
        JobLease(job_id=job_id, kind=kind, tenant_id=tenant_id, started_at=now, heartbeat_at=now)
    )


def release(session: Session, job_id: str) -> None:
    """Drops a job's lease in the transaction that records its outcome."""
    session.execute(delete(JobLease).where(col(JobLease.job_id) == job_id))


def lease_of(session: Session, job_id: str) -> JobLease | None:
    """The lease of a job still running somewhere, if any."""
    return session.get(JobLease, job_id)


class Heartbeat:
    """Renews a job's lease every few seconds while the job's thread is alive.

    Use it around the job's work, on the job's own thread: when that thread dies
    without recording an outcome, the renewals stop and the lease runs out.
    """

    def __init__(self, engine: Engine, job_id: str, *, every: float = HEARTBEAT_SECONDS) -> None:
        self.engine = engine
        self.job_id = job_id
        self.every = every
        self._stop = threading.Event()
        self._worker = threading.current_thread()
        self._thread = threading.Thread(target=self._beat, daemon=True, name=f"heartbeat-{job_id}")

    def __enter__(self) -> Heartbeat:
        self._worker = threading.current_thread()
        self._thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._stop.set()

    def _beat(self) -> None:
        while not self._stop.wait(self.every) and self._worker.is_alive():
            try:
                with Session(writer(self.engine)) as session, session.begin():
                    session.execute(
                        update(JobLease)
                        .where(col(JobLease.job_id) == self.job_id)
                        .values(heartbeat_at=utcnow())
                    )
            except Exception:  # a missed beat is retried; the lease outlasts several
                continue


@dataclass(frozen=True)
class Swept:
    """Jobs the sweep marked failed."""

    exports: list[str]
    verifications: list[str]


def sweep(engine: Engine, *, lease_seconds: float = LEASE_SECONDS) -> Swept:
    """Marks jobs whose lease ran out (or that never had one) as failed, interrupted."""
    cutoff = utcnow() - timedelta(seconds=lease_seconds)
    with Session(engine) as session:
        stale = [
            lease
            for lease in session.exec(select(JobLease)).all()
            if _aware(lease.heartbeat_at) <= cutoff
        ]
        leased = set(session.exec(select(JobLease.job_id)).all())
        unleased = [
            job.id
            for job in session.exec(
                select(ExportJob).where(col(ExportJob.status).in_(("queued", "running")))
            ).all()
            if job.id not in leased and _aware(job.created_at) <= cutoff
        ]
    if not stale and not unleased:
        return Swept([], [])
    swept = Swept([], [])
    with Session(writer(engine)) as session, session.begin():
        for lease in stale:
            current = session.get(JobLease, lease.job_id)
            if current is None or _aware(current.heartbeat_at) > cutoff:
                continue  # finished or renewed meanwhile
            session.delete(current)
            if lease.kind == EXPORT:
                if _fail_export(session, lease.job_id):
                    swept.exports.append(lease.job_id)
            else:
                _fail_verification(session, lease)
                swept.verifications.append(lease.job_id)
        for job_id in unleased:  # exports queued before leases existed
            if _fail_export(session, job_id):
                swept.exports.append(job_id)
    return swept


def _fail_export(session: Session, job_id: str) -> bool:
    job = session.get(ExportJob, job_id)
    if job is None or job.status not in ("queued", "running"):
        return False
    job.status, job.error, job.finished_at = "failed", INTERRUPTED, utcnow()
    session.add(job)
    return True


def _fail_verification(session: Session, lease: JobLease) -> None:
    finished = session.exec(
        select(AuditEvent.id).where(AuditEvent.action == VERIFY, AuditEvent.target == lease.job_id)
    ).first()
    if finished is not None:
        return
    session.add(
        AuditEvent(
            id=new_id(),
            tenant_id=lease.tenant_id,
            api_key_id=None,
            action=VERIFY,
            target=lease.job_id,
            outcome="failed",
            detail=json.dumps(
                {"started_at": _aware(lease.started_at).isoformat(), "error": INTERRUPTED}
            ),
            created_at=utcnow(),
        )
    )
