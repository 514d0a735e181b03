"""Migrate once per session, copy per test: what keeps the API tests fast.

Alembic on a fresh SQLite file costs most of a second (dozens of DDL statements, each
synced to disk); copying a file that Alembic migrated once costs a millisecond and gives
the same bytes. :class:`MigrateOnce` stands in for ``gateway.db.migrate`` during tests:

- a SQLite file that does not exist yet (or is empty) becomes a copy of the session's
  template, which the real ``migrate`` built;
- a database already at the head revision is left alone (Alembic would do nothing);
- anything else (an older revision, a database without ``alembic_version``) goes to the
  real ``migrate``.

:class:`SeededGateway` goes one step further for the ``gateway`` fixtures: a data
directory (database, signing key, KEK) with the two tenants and their keys, built once
through the API, copied per test; on PostgreSQL the seeded rows are kept in a snapshot
schema and restored into the emptied tables before each test.

``EGW_TEST_TEMPLATES=off`` turns all of this off (every app migrates and bootstraps itself).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from gateway import db


def templates_enabled() -> bool:
    """False when ``EGW_TEST_TEMPLATES=off`` asks for the slow, self-contained path."""
    return os.environ.get("EGW_TEST_TEMPLATES", "on").lower() != "off"


def head_revision() -> str:
    """The newest Alembic revision of the gateway's migrations."""
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL; None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def checkpoint(path: Path) -> None:
    """Folds a WAL file into the database file, so that copying the one file copies everything."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def _revision(url: str) -> str | None:
    path = sqlite_path(url)
    if path is not None:
        connection = sqlite3.connect(path)
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            return None
        finally:
            connection.close()
        return None if row is None else str(row[0])
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()


class MigrateOnce:
    """A stand-in for ``gateway.db.migrate``: copies a migrated template, skips what is at head."""

    def __init__(self, real: Callable[[str], None], workdir: Path) -> None:
        self.real = real
        self.workdir = workdir
        self.head = head_revision()
        self._template: Path | None = None

    def template(self) -> Path:
        """The session's migrated SQLite file, built by the real ``migrate`` on first use."""
        if self._template is None:
            path = self.workdir / "migrated.db"
            self.real(f"sqlite:///{path}")
            checkpoint(path)
            self._template = path
        return self._template

    def __call__(self, url: str) -> None:
        path = sqlite_path(url)
        if path is not None and (not path.exists() or path.stat().st_size == 0):
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.template(), path)
            return
        if _revision(url) == self.head:
            return
        self.real(url)


@dataclass(frozen=True)
class SeedKeys:
    """The API keys of the two seeded tenants (the bootstrap tenant and ``other``)."""

    admin_key: str
    erp_key: str
    other_admin_key: str
    other_erp_key: str
    platform_key: str


EMPTY_KEYS = SeedKeys("", "", "", "", "")
SNAPSHOT_SCHEMA = "egw_seed"


@dataclass(frozen=True)
class SeededGateway:
    """A data directory with two tenants and their keys, and for PostgreSQL a snapshot of its rows."""

    data_dir: Path
    keys: SeedKeys
    tables: tuple[str, ...] = ()  # PostgreSQL: the tables the snapshot restores, parents first

    def copy_to(self, data_dir: Path) -> None:
        """Gives a test its own copy of the seeded directory (database file, keys, blobs)."""
        shutil.copytree(
            self.data_dir, data_dir, ignore=shutil.ignore_patterns("*.db-wal", "*.db-shm")
        )

    def restore_rows(self, url: str, tables: tuple[str, ...] = ()) -> None:
        """Empties the data tables (and ``tables``) of a PostgreSQL database, puts the seed back."""
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                empty_tables(connection, tables)
                for table in self.tables:
                    connection.execute(
                        text(f"INSERT INTO {table} SELECT * FROM {SNAPSHOT_SCHEMA}.{table}")
                    )
        finally:
            engine.dispose()

    def restore_sqlite_rows(self, path: Path) -> None:
        """Empties the data tables of a copy of the seeded SQLite file and puts the seed's rows back."""
        connection = sqlite3.connect(path)
        try:
            connection.execute("ATTACH DATABASE ? AS seed", (str(self.data_dir / "gateway.db"),))
            with connection:  # one transaction: a reader sees the old rows or the seed
                tables = data_tables()
                for table in reversed(tables):
                    connection.execute(f"DELETE FROM main.{table}")
                for table in tables:
                    connection.execute(f"INSERT INTO main.{table} SELECT * FROM seed.{table}")
        finally:
            connection.close()


def data_tables() -> tuple[str, ...]:
    """The gateway's tables, each after the tables it refers to."""
    from sqlmodel import SQLModel

    import gateway.app  # noqa: F401  (imports every module that registers tables)

    return tuple(table.name for table in SQLModel.metadata.sorted_tables)


def empty_tables(connection: Connection, tables: tuple[str, ...] = ()) -> None:
    """Deletes every row of the data tables and of ``tables``, children first.

    DELETE, not TRUNCATE: on tables of a few rows TRUNCATE costs half a second (new files,
    exclusive locks) where DELETE costs milliseconds, and the result is the same.
    """
    known = data_tables()
    for table in (*[t for t in tables if t not in known], *reversed(known)):
        connection.execute(text(f"DELETE FROM {table}"))


def snapshot_rows(url: str) -> tuple[str, ...]:
    """Copies the non-empty data tables into the snapshot schema; returns them, parents first."""
    engine = create_engine(url)
    kept = []
    try:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}"))
            for table in data_tables():
                if connection.execute(text(f"SELECT EXISTS (SELECT 1 FROM {table})")).scalar():
                    connection.execute(
                        text(f"CREATE TABLE {SNAPSHOT_SCHEMA}.{table} AS SELECT * FROM {table}")
                    )
                    kept.append(table)
    finally:
        engine.dispose()
    return tuple(kept)


# Settings that change what a seeded data directory holds or where it is: a gateway made
# with one of them builds its own directory instead of copying the seed.
STORAGE_SETTINGS = frozenset(
    {
        "env",
        "data_dir",
        "database_url",
        "blob_dir",
        "blob_backend",
        "signing_key",
        "signing_cert",
        "signing_key_password",
        "kek",
        "kek_file",
        "previous_kek_files",
    }
)


def _seed(data_dir: Path, url: str | None) -> SeedKeys:
    from fastapi.testclient import TestClient

    from gateway.app import bootstrap, create_app
    from gateway.settings import Settings
    from tests.api.conftest import _second_tenant

    app = create_app(Settings(data_dir=data_dir, database_url=url))
    try:
        created = bootstrap(app.state.engine)
        assert created is not None, "the database to seed already has a tenant"
        with TestClient(app, raise_server_exceptions=False) as client:
            other_admin, other_erp = _second_tenant(client, created.platform_key)
    finally:
        app.state.engine.dispose()
    return SeedKeys(
        created.admin_key, created.erp_key, other_admin, other_erp, created.platform_key
    )


class Seeds:
    """The session's seeded gateways, built on first use: one for SQLite, one per PostgreSQL URL."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._built: dict[str | None, SeededGateway] = {}

    def get(self, url: str | None, tables: tuple[str, ...] = ()) -> SeededGateway:
        """The seed for ``url`` (None: SQLite in the data directory); ``tables`` are emptied first."""
        seed = self._built.get(url)
        if seed is None:
            data_dir = self.workdir / f"seed-{len(self._built)}" / "data"
            if url is None:
                keys = _seed(data_dir, None)
                checkpoint(data_dir / "gateway.db")
                seed = SeededGateway(data_dir, keys)
            else:
                if _revision(url) is not None:  # tests before this one may have left rows
                    SeededGateway(data_dir, EMPTY_KEYS).restore_rows(url, tables)
                keys = _seed(data_dir, url)
                seed = SeededGateway(data_dir, keys, snapshot_rows(url))
            self._built[url] = seed
        return seed
