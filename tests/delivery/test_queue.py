"""The durable queue: one job per key, retries with growing delays, dead letter, leases that expire."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlmodel import Session, select

from gateway.archive.vault import utcnow
from gateway.db import writer
from gateway.delivery import queue
from gateway.delivery.errors import GiveUp, RetryLater
from gateway.delivery.queue import Backoff, Result
from gateway.delivery.tables import DeliveryJob
from gateway.tables import Tenant


def _setup(gateway):
    delivery = gateway.app.state.delivery
    delivery.stop()  # these tests drive the runner by hand
    engine = gateway.app.state.engine
    with Session(engine) as session:
        tenant_id = session.exec(select(Tenant.id)).first()
    return delivery, engine, tenant_id


def _enqueue(delivery, engine, tenant_id, key, task="probe"):
    with Session(writer(engine), expire_on_commit=False) as session, session.begin():
        return delivery.enqueue(
            session,
            tenant_id=tenant_id,
            task=task,
            dedupe_key=key,
            subject_id="S" * 26,
            invoice_id=None,
            payload={"n": 1},
        )


def _job(engine, job_id):
    with Session(engine) as session:
        return session.get(DeliveryJob, job_id)


def test_the_same_key_is_enqueued_once(gateway):
    delivery, engine, tenant_id = _setup(gateway)
    first = _enqueue(delivery, engine, tenant_id, "probe:one")
    again = _enqueue(delivery, engine, tenant_id, "probe:one")
    assert first is not None and again is None
    with Session(engine) as session:
        rows = session.exec(select(DeliveryJob).where(DeliveryJob.dedupe_key == "probe:one")).all()
    assert len(rows) == 1


def test_transient_failures_are_retried_with_growing_delays_then_dead_lettered(gateway):
    delivery, engine, tenant_id = _setup(gateway)
    calls: list[float] = []

    def failing(job, payload):
        calls.append(time.monotonic())
        raise RetryLater("the endpoint answered 503", code=503)

    delivery.handlers["probe"] = failing
    job = _enqueue(delivery, engine, tenant_id, "probe:retry")
    delays = []
    for attempt in range(1, 4):
        deadline = time.monotonic() + 10
        while delivery.runner.run_one(job.id) is None:
            assert time.monotonic() < deadline, f"attempt {attempt} never became due"
            time.sleep(0.02)
        row = _job(engine, job.id)
        assert row.attempts == attempt and row.last_code == 503
        if attempt < 3:
            assert row.status == queue.TODO
            delays.append((row.run_after - row.updated_at).total_seconds())
    assert row.status == queue.DEAD and row.finished_at is not None
    assert "503" in row.last_error
    assert len(calls) == 3
    # Exponential: the second delay is about twice the first (10 % jitter each).
    assert 0.2 <= delays[0] <= 0.23 and 0.4 <= delays[1] <= 0.45, delays


def test_a_final_failure_is_not_retried(gateway):
    delivery, engine, tenant_id = _setup(gateway)

    def refused(job, payload):
        raise GiveUp("the endpoint answered 410", code=410)

    delivery.handlers["probe"] = refused
    job = _enqueue(delivery, engine, tenant_id, "probe:final")
    assert delivery.runner.run_one(job.id) == queue.DEAD
    assert _job(engine, job.id).attempts == 1


def test_a_job_whose_worker_died_is_taken_again_after_its_lease(gateway):
    delivery, engine, tenant_id = _setup(gateway)
    done = []
    delivery.handlers["probe"] = lambda job, payload: done.append(job.id) or Result()
    job = _enqueue(delivery, engine, tenant_id, "probe:lease")
    taken = delivery.runner.take(job.id)  # a worker takes it ... and dies
    assert taken is not None and taken.status == queue.DOING
    assert delivery.runner.take(job.id) is None  # leased: nobody else takes it
    with Session(writer(engine)) as session, session.begin():
        row = session.get(DeliveryJob, job.id)
        row.lease_until = utcnow() - timedelta(seconds=1)
    assert delivery.runner.run_one(job.id) == queue.DONE
    assert done == [job.id]
    # The dead worker's late outcome is not recorded over the new one.
    assert delivery.runner.finish(taken, queue.DEAD, None, "late", None) == queue.DOING
    assert _job(engine, job.id).status == queue.DONE


def test_a_slow_attempt_keeps_its_lease_while_its_worker_lives(gateway):
    delivery, engine, tenant_id = _setup(gateway)
    # A shorter lease than the fast queue's 2 s: the test waits one and a half leases. The
    # heartbeat renews every third of it (0.4 s), so a renewal may be 0.8 s late and still hold.
    delivery.runner.lease = timedelta(seconds=1.2)
    lease = delivery.runner.lease.total_seconds()
    started = threading.Event()
    release = threading.Event()
    calls = []

    def slow(job, payload):
        calls.append(job.id)
        started.set()
        release.wait(30)
        return Result()

    delivery.handlers["probe"] = slow
    job = _enqueue(delivery, engine, tenant_id, "probe:slow")
    worker = threading.Thread(target=delivery.runner.run_one, args=(job.id,))
    worker.start()
    assert started.wait(10)
    time.sleep(lease * 1.5)  # longer than the lease it was taken with
    # The heartbeat renewed the lease: a second worker finds nothing to take.
    assert delivery.runner.take(job.id) is None
    assert _job(engine, job.id).lease_until > utcnow()
    release.set()
    worker.join(30)
    assert calls == [job.id]
    assert _job(engine, job.id).status == queue.DONE


def test_backoff_doubles_and_is_capped():
    backoff = Backoff(1.0, 8.0)
    assert 1.0 <= backoff.delay(1) <= 1.1
    assert 4.0 <= backoff.delay(3) <= 4.4
    assert 8.0 <= backoff.delay(10) <= 8.8
