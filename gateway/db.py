"""Database engine and migrations: the same code on SQLite (embedded) and PostgreSQL (production).

SQLite runs in WAL mode with a busy timeout, and every writing transaction starts
with ``BEGIN IMMEDIATE`` (use :func:`writer`): writers are serialised at the start
of a transaction instead of failing at commit, which is what gap-free numbering and
idempotency need. Such writers queue in a file lock first, which wakes them as soon
as the lock is free (:mod:`gateway.sqlite_writers`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event

from gateway.sqlite_writers import WriterOrderedConnection, lock_path

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    """Creates the engine for a database URL (``sqlite:///...`` or ``postgresql+psycopg://...``)."""
    if url.startswith("sqlite"):
        writers_lock = lock_path(url)
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": 30,
                "factory": WriterOrderedConnection,
            },
            hide_parameters=True,  # SQL parameters are personal data: never in errors or logs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            dbapi_connection.lock_path = writers_lock
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # Deleted rows (shredded data keys) are overwritten, not left in free pages.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # Writers take the write lock when their transaction starts (see writer());
            # readers start a deferred transaction and never block anyone in WAL mode.
            immediate = connection.get_execution_options().get("immediate", False)
            if immediate:
                connection.connection.dbapi_connection.take_write_lock()
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=30, hide_parameters=True
    )


def writer(engine: Engine) -> Engine:
    """The engine to use for transactions that write (``BEGIN IMMEDIATE`` on SQLite)."""
    return engine.execution_options(immediate=True)


def migrate(url: str) -> None:
    """Applies every Alembic migration to the database (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")
