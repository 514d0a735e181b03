"""Background jobs (exports, verifications) whose thread or process died are failed, not left running."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from gateway.app import bootstrap, create_app
from gateway.archive import jobs
from gateway.console.verification import VerificationJobs
from gateway.db import writer
from gateway.ids import new_id
from gateway.settings import Settings
from gateway.tables import ExportJob, Tenant
from tests.archive.helpers import key, submit

LONG_AGO = timedelta(minutes=10)


def _tenant_id(app) -> str:
    with Session(app.state.engine) as session:
        tenant = session.exec(select(Tenant).order_by(col(Tenant.created_at))).first()
        assert tenant is not None
        return tenant.id


def _orphan_export(app, tenant_id: str, *, leased: bool, heartbeat_age: timedelta) -> str:
    """An export some process started and never finished (it died with its thread)."""
    job_id, now = new_id(), datetime.now(UTC)
    with Session(writer(app.state.engine)) as session, session.begin():
        session.add(
            ExportJob(
                id=job_id,
                tenant_id=tenant_id,
                period_from=date(2026, 1, 1),
                period_to=date(2026, 12, 31),
                status="running",
                created_at=now - LONG_AGO,
            )
        )
        if leased:
            session.add(
                jobs.JobLease(
                    job_id=job_id,
                    kind=jobs.EXPORT,
                    tenant_id=tenant_id,
                    started_at=now - LONG_AGO,
                    heartbeat_at=now - heartbeat_age,
                )
            )
    return job_id


def _orphan_verification(app, tenant_id: str) -> str:
    job_id, then = new_id(), datetime.now(UTC) - LONG_AGO
    with Session(writer(app.state.engine)) as session, session.begin():
        session.add(
            jobs.JobLease(
                job_id=job_id,
                kind=jobs.VERIFY,
                tenant_id=tenant_id,
                started_at=then,
                heartbeat_at=then,
            )
        )
    return job_id


def _wait_done(client, job_id: str, headers) -> dict:
    for _ in range(300):
        job = client.get(f"/v1/archive/exports/{job_id}", headers=headers).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"export {job_id} never finished: {job}")


def test_an_export_whose_lease_ran_out_is_failed_and_can_be_run_again(gateway):
    submit(gateway, 1)
    auditor = key(gateway, "auditor")
    tenant_id = _tenant_id(gateway.app)
    dead = _orphan_export(gateway.app, tenant_id, leased=True, heartbeat_age=LONG_AGO)
    alive = _orphan_export(gateway.app, tenant_id, leased=True, heartbeat_age=timedelta(0))

    job = gateway.client.get(f"/v1/archive/exports/{dead}", headers=auditor).json()
    assert job["status"] == "failed" and job["error"] == jobs.INTERRUPTED
    # A lease renewed just now belongs to a job running in some process: left alone.
    assert gateway.client.get(f"/v1/archive/exports/{alive}", headers=auditor).json()["status"] == (
        "running"
    )

    again = gateway.client.post(
        "/v1/archive/exports", json={"from": "2026-01-01", "to": "2026-12-31"}, headers=auditor
    )
    assert again.status_code == 202, again.text
    assert _wait_done(gateway.client, again.json()["id"], auditor)["status"] == "done"
    with Session(gateway.app.state.engine) as session:
        assert jobs.lease_of(session, again.json()["id"]) is None  # released with its outcome
        assert jobs.lease_of(session, alive) is not None
    with Session(writer(gateway.app.state.engine)) as session, session.begin():
        jobs.release(session, alive)
        row = session.get(ExportJob, alive)
        assert row is not None
        row.status = "failed"
        session.add(row)


def test_a_restart_fails_the_jobs_the_stopped_process_left_running(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    app = create_app(settings)
    assert bootstrap(app.state.engine) is not None
    tenant_id = _tenant_id(app)
    leased = _orphan_export(app, tenant_id, leased=True, heartbeat_age=LONG_AGO)
    legacy = _orphan_export(app, tenant_id, leased=False, heartbeat_age=LONG_AGO)
    verification = _orphan_verification(app, tenant_id)
    app.state.engine.dispose()

    restarted = create_app(Settings(data_dir=tmp_path / "data"))  # the startup sweep runs here
    with TestClient(restarted), Session(restarted.state.engine) as session:
        for job_id in (leased, legacy):
            row = session.get(ExportJob, job_id)
            assert row is not None
            assert (row.status, row.error) == ("failed", jobs.INTERRUPTED)
        found = VerificationJobs().get(session, tenant_id, verification)
        assert found is not None and found.status == "failed"
        assert found.summary == {"error": jobs.INTERRUPTED}
        assert jobs.lease_of(session, verification) is None
    restarted.state.engine.dispose()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_verification_whose_thread_died_is_not_running_for_ever(gateway, monkeypatch):
    def die(*_args, **_kwargs):
        raise SystemExit  # not an Exception: the run cannot record its own failure

    monkeypatch.setattr("gateway.console.verification.verify_archive", die)
    runner = VerificationJobs()
    tenant_id = _tenant_id(gateway.app)
    job = runner.start(gateway.app, tenant_id, None)
    for _ in range(100):
        if not runner._threads.get(job.id, threading.current_thread()).is_alive():
            break
        time.sleep(0.05)
    with Session(gateway.app.state.engine) as session:
        # Another process could still be running it until its lease runs out...
        seen = runner.get(session, tenant_id, job.id)
        assert seen is not None and seen.status == "running"
    jobs.sweep(gateway.app.state.engine, lease_seconds=0)  # ...which it has now
    with Session(gateway.app.state.engine) as session:
        seen = runner.get(session, tenant_id, job.id)
        assert seen is not None and seen.status == "failed"
    monkeypatch.undo()
    again = runner.start(gateway.app, tenant_id, None)
    assert again.id != job.id
    for _ in range(300):
        if not runner._jobs[again.id].running:
            break
        time.sleep(0.05)
    assert runner._jobs[again.id].status == "intact"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_the_heartbeat_stops_when_the_jobs_thread_dies(gateway):
    engine = gateway.app.state.engine
    job_id = _orphan_verification(gateway.app, _tenant_id(gateway.app))

    def work() -> None:
        with jobs.Heartbeat(engine, job_id, every=0.05):
            time.sleep(0.4)
            raise SystemExit  # the thread dies without leaving the block normally

    def beat() -> datetime:
        with Session(engine) as session:
            lease = jobs.lease_of(session, job_id)
            assert lease is not None
            return lease.heartbeat_at

    before = beat()
    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    after_death = beat()
    assert after_death > before  # renewed while the thread lived
    time.sleep(0.3)
    assert beat() == after_death  # and never again
    with Session(writer(engine)) as session, session.begin():
        jobs.release(session, job_id)
