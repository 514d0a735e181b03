"""Archive verification as a background job: one thread per run, progress kept in memory.

A run checks one tenant's archive with ``gateway.archive.verify.verify_archive``
and follows its progress callback (records checked of records to check). The
running job lives in this process only (like exports, it is in-process work);
its outcome is written to ``audit_event`` (action ``archive.verify``, the job id
as target, counts and problem kinds as detail, never any content), so the
dashboard shows the last result after a restart and on every worker. While it
runs it holds a lease (``gateway.archive.jobs``): a run whose thread or process
died is swept as failed ("interrupted by restart") and can be started again.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from sqlmodel import Session, col, select

from gateway.archive import jobs as leases
from gateway.archive.verify import verify_archive
from gateway.db import writer
from gateway.ids import new_id
from gateway.tables import AuditEvent

ACTION = leases.VERIFY
KEEP_FINISHED = 50  # finished jobs kept in memory; older ones are read back from audit_event
PROBLEMS_KEPT = 50  # problems written to the audit line (the count is always complete)


@dataclass(frozen=True)
class VerificationJob:
    """One verification run: where it stands and, when finished, what it found."""

    id: str
    tenant_id: str
    started_at: datetime
    status: str = "running"  # running | intact | problems | failed
    done: int = 0
    total: int = 0
    finished_at: datetime | None = None
    summary: dict[str, Any] | None = None

    @property
    def running(self) -> bool:
        """Whether the run is still going."""
        return self.status == "running"


class VerificationJobs:
    """The verification runs of one app, at most one running per tenant."""

    def __init__(self) -> None:
        self._jobs: dict[str, VerificationJob] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    def start(self, app: Any, tenant_id: str, key_id: str | None) -> VerificationJob:
        """Starts a run for ``tenant_id``, or returns the one already running."""
        with self._lock:
            self._forget_dead()
            for job in self._jobs.values():
                if job.tenant_id == tenant_id and job.running:
                    return job
            job = VerificationJob(new_id(), tenant_id, datetime.now(UTC))
            self._jobs[job.id] = job
            self._forget_old()
            with Session(writer(app.state.engine)) as session, session.begin():
                leases.take(session, leases.VERIFY, job.id, tenant_id)
            thread = threading.Thread(
                target=self._run, args=(app, job.id, key_id), daemon=True, name=f"verify-{job.id}"
            )
            self._threads[job.id] = thread
        thread.start()
        return job

    def get(self, session: Session, tenant_id: str, job_id: str) -> VerificationJob | None:
        """A job of ``tenant_id``: from memory, or, once finished, from its audit line.

        A run of another process that still holds its lease shows as running; one whose
        lease ran out is swept first and shows as failed.
        """
        with self._lock:
            self._forget_dead()
            job = self._jobs.get(job_id)
        if job is not None:
            return job if job.tenant_id == tenant_id else None
        leases.sweep(session.get_bind().engine)
        event = session.exec(
            select(AuditEvent).where(
                AuditEvent.tenant_id == tenant_id,
                AuditEvent.action == ACTION,
                AuditEvent.target == job_id,
            )
        ).first()
        if event is not None:
            return _from_event(event)
        lease = leases.lease_of(session, job_id)
        if lease is None or lease.tenant_id != tenant_id:
            return None
        return VerificationJob(job_id, tenant_id, _aware(lease.started_at))

    def _forget_dead(self) -> None:
        # A running job whose thread is gone never records its outcome here: forget it,
        # so its lease (and the sweep) decide what it shows, and the tenant may run again.
        for job_id, thread in list(self._threads.items()):
            if not thread.is_alive():
                del self._threads[job_id]
                job = self._jobs.get(job_id)
                if job is not None and job.running:
                    del self._jobs[job_id]

    def _update(self, job_id: str, **changes: Any) -> VerificationJob:
        with self._lock:
            job = replace(self._jobs[job_id], **changes)
            self._jobs[job_id] = job
            return job

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if not j.running]
        finished.sort(key=lambda j: j.started_at)
        for job in finished[: max(len(finished) - KEEP_FINISHED, 0)]:
            del self._jobs[job.id]

    def _run(self, app: Any, job_id: str, key_id: str | None) -> None:
        job = self._jobs[job_id]

        def progress(done: int, total: int) -> None:
            self._update(job_id, done=done, total=total)

        try:
            with leases.Heartbeat(app.state.engine, job_id), Session(app.state.engine) as session:
                result = verify_archive(
                    session,
                    app.state.archive,
                    certificates=app.state.keys.certificates,
                    tsa_roots=_tsa_roots(app),
                    tenant_id=job.tenant_id,
                    progress=progress,
                )
            summary = result.as_dict()
            kinds = Counter(p["kind"] for p in summary["problems"])
            summary["problem_count"] = len(summary["problems"])
            summary["problem_kinds"] = dict(kinds)
            summary["problems"] = summary["problems"][:PROBLEMS_KEPT]
            status = "intact" if result.intact else "problems"
        except Exception as exc:  # the run records its failure; the request that started it is gone
            summary, status = {"error": type(exc).__name__}, "failed"
        finished = replace(
            self._jobs[job_id], status=status, summary=summary, finished_at=datetime.now(UTC)
        )
        try:
            # The audit line first: whoever sees the run finished also finds it on the dashboard.
            _record(app, finished, key_id)
        finally:
            self._update(job_id, status=status, summary=summary, finished_at=finished.finished_at)


def _tsa_roots(app: Any) -> list[x509.Certificate]:
    path = app.state.settings.tsa_ca_file
    return x509.load_pem_x509_certificates(path.read_bytes()) if path else []


def _record(app: Any, job: VerificationJob, key_id: str | None) -> None:
    detail = {"started_at": job.started_at.isoformat(), **(job.summary or {})}
    with Session(writer(app.state.engine)) as session, session.begin():
        session.add(
            AuditEvent(
                id=new_id(),
                tenant_id=job.tenant_id,
                api_key_id=key_id,
                action=ACTION,
                target=job.id,
                outcome=job.status,
                detail=json.dumps(detail),
                created_at=job.finished_at or datetime.now(UTC),
            )
        )
        leases.release(session, job.id)


def _from_event(event: AuditEvent) -> VerificationJob:
    detail: dict[str, Any] = json.loads(event.detail or "{}")
    started = detail.pop("started_at", None)
    finished = _aware(event.created_at)
    return VerificationJob(
        id=event.target or event.id,
        tenant_id=event.tenant_id or "",
        started_at=datetime.fromisoformat(started) if started else finished,
        status=event.outcome,
        done=int(detail.get("records", 0)),
        total=int(detail.get("records", 0)),
        finished_at=finished,
        summary=detail,
    )


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every time written here is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def last(session: Session, tenant_id: str) -> VerificationJob | None:
    """The tenant's last finished verification run (from the audit trail)."""
    event = session.exec(
        select(AuditEvent)
        .where(AuditEvent.tenant_id == tenant_id, AuditEvent.action == ACTION)
        .order_by(col(AuditEvent.created_at).desc())
    ).first()
    return _from_event(event) if event is not None else None
