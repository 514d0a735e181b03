"""Group commit: concurrent submissions share transactions, and every guarantee still holds."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from gateway.archive.verify import verify_archive
from gateway.auth import hash_key
from gateway.group_commit import GroupCommit, _Work
from gateway.pipeline import DuplicateInvoice
from gateway.tables import AuditEvent
from schemas.model import InvoiceDraft
from tax_rules.errors import TaxRuleError
from tests.api.drafts import api_draft

AUDIT = insert(AuditEvent.__table__)


def _audit_row(event_id: str) -> dict:
    return {
        "id": event_id,
        "tenant_id": None,
        "api_key_id": None,
        "action": "test.group",
        "target": None,
        "outcome": "ok",
        "detail": None,
        "created_at": datetime.now(UTC),
    }


def _count(engine, action: str = "test.group") -> int:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT count(*) FROM audit_event WHERE action = :a"), {"a": action}
        ).scalar_one()


def test_concurrent_writes_share_transactions_and_all_commit(gateway):
    group = GroupCommit(gateway.app.state.pipeline.writer)
    start = threading.Barrier(16)

    def write_one(index: int) -> str:
        start.wait()

        def write(session: Session) -> str:
            session.connection().execute(AUDIT, _audit_row(f"GC{index:024d}"))
            time.sleep(0.005)  # the commit takes a while: the others queue up behind it
            return f"GC{index:024d}"

        return group.run(write)

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(write_one, range(16)))
    assert ids == [f"GC{i:024d}" for i in range(16)]
    assert _count(gateway.app.state.engine) == 16
    assert group.writes == 16
    assert group.transactions < 16  # some writes did share a commit


def test_a_failing_member_rolls_back_alone(gateway):
    group = GroupCommit(gateway.app.state.pipeline.writer)
    release = threading.Event()
    results: dict[int, object] = {}

    def blocker(session: Session) -> str:
        # Holds the first group open until the others are queued behind it.
        session.connection().execute(AUDIT, _audit_row("GCBLOCK000000000000000000"))
        release.wait(10)
        return "blocker"

    def writer_of(event_id: str):
        def write(session: Session) -> str:
            session.connection().execute(AUDIT, _audit_row(event_id))
            return event_id

        return write

    def run(index: int, write) -> None:
        try:
            results[index] = group.run(write)
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            results[index] = exc

    first = threading.Thread(target=run, args=(0, blocker))
    first.start()
    while not group._leading:
        time.sleep(0.001)
    # These three queue up and form the next group: the middle one repeats a primary key.
    others = [
        threading.Thread(target=run, args=(1, writer_of("GCA00000000000000000000000"))),
        threading.Thread(target=run, args=(2, writer_of("GCBLOCK000000000000000000"))),
        threading.Thread(target=run, args=(3, writer_of("GCB00000000000000000000000"))),
    ]
    for thread in others:
        thread.start()
        time.sleep(0.02)
    release.set()
    for thread in [first, *others]:
        thread.join(20)
    assert results[0] == "blocker"
    assert results[1] == "GCA00000000000000000000000"
    assert isinstance(results[2], IntegrityError)
    assert results[3] == "GCB00000000000000000000000"
    assert _count(gateway.app.state.engine) == 3
    assert group.transactions == 2 and group.writes == 4


def test_a_failed_shared_commit_is_retried_alone_and_never_answered_as_stored(gateway, monkeypatch):
    group = GroupCommit(gateway.app.state.pipeline.writer)
    original = GroupCommit._commit_together
    failures = []

    def failing_once(self, members):
        if not failures:
            failures.append(len(members))
            # The writes run, then the commit fails: nothing of this transaction is stored.
            with Session(self.writer) as session, session.begin():
                for work in members:
                    work.write(session)
                raise OSError("disk gone during commit")
        return original(self, members)

    monkeypatch.setattr(GroupCommit, "_commit_together", failing_once)

    def write(session: Session) -> str:
        session.connection().execute(AUDIT, _audit_row("GCRETRY00000000000000000"))
        return "stored"

    assert group.run(write) == "stored"
    assert failures == [1]
    assert _count(gateway.app.state.engine) == 1  # once, not twice


def _drafts(prefix: str, count: int) -> list[bytes]:
    return [json.dumps(api_draft(f"{prefix}-{i}")).encode() for i in range(count)]


def test_grouped_submissions_keep_one_ledger_chain_with_duplicates_refused(gateway):
    pipeline = gateway.app.state.pipeline
    tenant = _tenant_of(gateway)
    bodies = _drafts("GROUP", 12)
    bodies += bodies[:4]  # the same numbers again: refused as duplicates, alone
    outcomes: list[object] = []
    lock = threading.Lock()

    def submit(body: bytes) -> None:
        try:
            result: object = pipeline.submit_draft(
                tenant,
                InvoiceDraft.model_validate_json(body),
                request_sha256=hashlib.sha256(body).hexdigest(),
                idempotency_key=None,
                api_key_id=None,
            )
        except DuplicateInvoice as exc:
            result = exc
        with lock:
            outcomes.append(result)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(submit, bodies))
    stored = [o for o in outcomes if not isinstance(o, DuplicateInvoice)]
    assert len(stored) == 12 and len(outcomes) == 16
    assert len({o.record.number for o in stored}) == 12
    assert pipeline.group.writes >= 12
    with Session(gateway.app.state.engine) as session:
        checked = verify_archive(
            session,
            gateway.app.state.archive,
            certificates=gateway.app.state.keys.certificates,
            tenant_id=tenant,
        )
    assert checked.intact, checked.problems[:5]
    assert checked.records == 12 and checked.entries == 12
    # A refused member left nothing behind: no data key without its record.
    with gateway.app.state.engine.connect() as connection:
        keys = connection.execute(
            text("SELECT count(*) FROM data_key WHERE tenant_id = :t"), {"t": tenant}
        ).scalar_one()
    assert keys == 12


def _tenant_of(gateway) -> str:
    with gateway.app.state.engine.connect() as connection:
        return connection.execute(
            text("SELECT tenant_id FROM api_key WHERE key_hash = :h"),
            {"h": hash_key(gateway.erp_key)},
        ).scalar_one()


def test_a_write_that_must_be_alone_gets_a_transaction_of_its_own(gateway):
    group = GroupCommit(gateway.app.state.pipeline.writer)
    queued = [
        _Work(lambda s: 1),
        _Work(lambda s: 2),
        _Work(lambda s: 3, alone=True),
        _Work(lambda s: 4),
    ]
    group._waiting = list(queued)
    assert group._next_group() == queued[:2]
    assert group._next_group() == [queued[2]]
    assert group._next_group() == [queued[3]]
    assert group._next_group() == []


def test_gateway_numbers_stay_gap_free_when_members_fail_among_grouped_submissions(gateway):
    pipeline = gateway.app.state.pipeline
    tenant = _tenant_of(gateway)
    bad = api_draft(None)
    bad["lines"][0]["tax_class"] = (
        "no-such-class"  # refused by the tax rules inside the transaction
    )
    bodies = [json.dumps(api_draft(None)).encode() for _ in range(10)]
    bodies += [json.dumps(bad).encode() for _ in range(4)]
    bodies += _drafts("MIXED", 6)  # numbered by the ERP: grouped
    bodies = bodies[::2] + bodies[1::2]  # interleave the kinds
    outcomes: list[object] = []
    lock = threading.Lock()

    def submit(body: bytes) -> None:
        try:
            result: object = pipeline.submit_draft(
                tenant,
                InvoiceDraft.model_validate_json(body),
                request_sha256=hashlib.sha256(body).hexdigest(),
                idempotency_key=None,
                api_key_id=None,
            )
        except TaxRuleError as exc:
            result = exc
        with lock:
            outcomes.append(result)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(submit, bodies))
    refused = [o for o in outcomes if isinstance(o, TaxRuleError)]
    numbers = sorted(
        int(o.record.number.rsplit("-", 1)[1])
        for o in outcomes
        if not isinstance(o, TaxRuleError) and not o.record.number.startswith("MIXED")
    )
    assert len(refused) == 4
    assert numbers == list(range(1, 11))  # no number was lost to a refused draft
    with Session(gateway.app.state.engine) as session:
        checked = verify_archive(
            session,
            gateway.app.state.archive,
            certificates=gateway.app.state.keys.certificates,
            tenant_id=tenant,
        )
    assert checked.intact, checked.problems[:5]
    assert checked.records == 16 and checked.entries == 16
