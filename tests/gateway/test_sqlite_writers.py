"""SQLite writers queue in a file lock held exactly for their write transaction."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway import sqlite_writers
from gateway.db import make_engine, writer
from gateway.sqlite_writers import lock_path


def _lock_taken(path: str) -> bool:
    """Whether another open file description holds the lock (tried from a fresh one)."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        return False
    finally:
        os.close(descriptor)


@pytest.fixture
def database(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine, lock_path(url)
    engine.dispose()


def test_the_lock_file_sits_beside_the_database_and_memory_has_none(tmp_path):
    assert (
        lock_path(f"sqlite:///{tmp_path / 'gateway.db'}") == f"{tmp_path}/gateway.db-writers.lock"
    )
    assert lock_path("sqlite://") is None
    assert lock_path("sqlite:///:memory:") is None


def test_a_write_transaction_holds_the_lock_until_commit_or_rollback(database):
    engine, path = database
    with writer(engine).begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        assert _lock_taken(path)
    assert not _lock_taken(path)
    with pytest.raises(RuntimeError), writer(engine).begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (2)"))
        assert _lock_taken(path)
        raise RuntimeError("rolled back")
    assert not _lock_taken(path)
    # Readers (a deferred BEGIN) never take it.
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 1
        assert not _lock_taken(path)


def test_a_second_writer_waits_for_the_first_and_goes_on_when_it_commits(database):
    engine, path = database
    second_done = threading.Event()

    def second_writer() -> None:
        with writer(engine).begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (2)"))
        second_done.set()

    with writer(engine).begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        thread = threading.Thread(target=second_writer)
        thread.start()
        assert not second_done.wait(0.2)  # queued behind the first writer
    assert second_done.wait(5)
    thread.join()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM t ORDER BY rowid")).scalars().all() == [1, 2]
    assert not _lock_taken(path)


def test_a_lock_held_elsewhere_delays_a_writer_at_most_the_wait(database, monkeypatch):
    engine, path = database
    monkeypatch.setattr(sqlite_writers, "WAIT_SECONDS", 0.1)
    foreign = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(foreign, fcntl.LOCK_EX)  # a stuck holder that has no SQLite transaction
    try:
        started = time.monotonic()
        with writer(engine).begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (3)"))
        waited = time.monotonic() - started
    finally:
        os.close(foreign)
    assert 0.1 <= waited < 5  # waited its turn, then SQLite's own lock decided
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 1


def test_closing_a_connection_gives_the_lock_back(database):
    engine, path = database
    raw = engine.raw_connection()
    dbapi = raw.dbapi_connection
    assert isinstance(dbapi, sqlite_writers.WriterOrderedConnection)
    assert dbapi.take_write_lock()
    assert _lock_taken(path)
    raw.invalidate()  # closes the DBAPI connection without a commit or a rollback
    assert not _lock_taken(path)


def test_without_a_writable_lock_file_sqlite_alone_orders_the_writers(database):
    engine, path = database
    os.makedirs(path)  # a directory where the lock file would be: it cannot be opened

    with writer(engine).begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (4)"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 1


def test_a_begin_that_fails_gives_the_lock_back(tmp_path):
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    path = tmp_path / "gateway.db"
    engine = make_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _short_busy_timeout(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA busy_timeout=100")

    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # SQLite's own lock, taken without the file lock
    try:
        with pytest.raises(OperationalError), writer(engine).begin() as connection:
            connection.execute(text("SELECT 1"))
        assert not _lock_taken(f"{path}-writers.lock")
    finally:
        blocker.close()
        engine.dispose()
