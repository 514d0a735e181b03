"""Group commit: submissions that arrive together share one transaction and one commit.

Each caller hands in its work (a function that writes one submission through a
session) and blocks until the transaction holding it has committed. The first
caller to find no commit in progress leads: it takes every waiting piece of work
(at most ``max_batch``), runs each inside its own SAVEPOINT of one transaction,
commits once, and wakes the others. While it commits (an fsync of SQLite's WAL,
a WAL flush of PostgreSQL) the next submissions queue up and form the next
group, so under load groups grow by themselves and at low load nothing waits for
company: no timer delays a lone submission. A write that renders and signs inside
its transaction (a number from the gap-free series) queues here too but commits
alone, so that it holds up no one else's acknowledgement; queueing here instead
of in SQLite's lock spares the busy handler's sleeps of up to 100 ms.

What each guarantee rests on:

- acknowledged means durable: a caller learns its outcome only after the commit
  of its transaction returned; if the commit fails, every member of the group
  is retried alone (or fails alone), never answered as stored;
- one submission's failure (a duplicate number, a reused idempotency key, a blob
  that cannot be written) rolls back its savepoint only: its rows and its ledger
  entry go, the others' stay, and the tenant's ledger stays one linear chain
  (each append reads the head its predecessor in the same transaction wrote);
- the unique constraints that make idempotency and duplicate detection work fire
  inside the savepoint, as they did in a transaction of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

T = TypeVar("T")


@dataclass
class _Work(Generic[T]):
    write: Callable[[Session], T]
    alone: bool = False
    done: bool = False
    value: T | None = None
    error: BaseException | None = None

    def outcome(self) -> T:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


class GroupCommit:
    """Runs writes in shared transactions on one writing engine (see the module docstring)."""

    def __init__(self, writer: Engine, *, max_batch: int = 32) -> None:
        self.writer = writer
        self.max_batch = max_batch
        self._condition = threading.Condition()
        self._waiting: list[_Work[object]] = []
        self._leading = False
        # Figures for benchmarks and tests: transactions committed, writes they held.
        self.transactions = 0
        self.writes = 0

    def run(self, write: Callable[[Session], T], *, alone: bool = False) -> T:
        """Runs ``write`` in a savepoint of a shared transaction; returns once that committed.

        Args:
            write: Writes one submission through the session it is given.
            alone: The write is long (it renders and signs inside the transaction, as a
                number from the gap-free series requires): it gets a transaction of its
                own, so that it holds no other submission's acknowledgement up, but it
                still queues here rather than in the database's lock (SQLite's busy
                handler sleeps up to 100 ms between attempts; this queue wakes at once).

        Raises:
            Exception: whatever ``write`` raised (its savepoint was rolled back and the
                group's other writes are unaffected), or the error of a commit that
                failed for it alone.
        """
        work: _Work[T] = _Work(write, alone=alone)
        with self._condition:
            self._waiting.append(work)  # type: ignore[arg-type]
            while not work.done:
                if self._leading:
                    self._condition.wait()
                    continue
                self._leading = True
                group = self._next_group()
                self._condition.release()
                try:
                    self._commit(group)
                finally:
                    self._condition.acquire()
                    self._leading = False
                    self._condition.notify_all()
        return work.outcome()

    def _next_group(self) -> list[_Work[object]]:
        """The oldest waiting writes: one that must be alone, or up to ``max_batch`` others."""
        group: list[_Work[object]] = []
        for work in self._waiting:
            if work.alone:
                if not group:
                    group.append(work)
                break
            group.append(work)
            if len(group) == self.max_batch:
                break
        del self._waiting[: len(group)]
        return group

    def _commit(self, group: list[_Work[object]]) -> None:
        try:
            try:
                self._commit_together(group)
            except Exception:  # noqa: BLE001 - the shared commit failed: nothing of it is stored
                for work in group:
                    work.value, work.error = None, None
                self._commit_alone(group)
        except BaseException as exc:  # interrupted: no member may wait for ever
            for work in group:
                if not work.done:
                    work.value, work.error, work.done = None, exc, True
            raise
        for work in group:
            work.done = True

    def _commit_together(self, group: list[_Work[object]]) -> None:
        with Session(self.writer, expire_on_commit=False) as session, session.begin():
            for work in group:
                try:
                    with session.begin_nested():
                        work.value = work.write(session)
                except Exception as exc:  # noqa: BLE001 - this write's own failure, handed to its caller
                    work.error = exc
        self.transactions += 1
        self.writes += len(group)

    def _commit_alone(self, group: list[_Work[object]]) -> None:
        """Each write in a transaction of its own (after a shared commit failed)."""
        for work in group:
            try:
                with Session(self.writer, expire_on_commit=False) as session, session.begin():
                    work.value = work.write(session)
                self.transactions += 1
                self.writes += 1
            except Exception as exc:  # noqa: BLE001 - handed to its caller
                work.error = exc
            work.done = True
