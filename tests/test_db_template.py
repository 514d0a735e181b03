"""The test fixtures' shortcut stays honest: a copied template is what Alembic would have built."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gateway import db
from tests.db_template import MigrateOnce, head_revision, templates_enabled


def _schema(path: Path) -> list[tuple[str, str, list[str]]]:
    """Each table and index with the clauses of its SQL, sorted.

    Sorted because Alembic's batch mode (SQLite) writes a rebuilt table's constraints in
    an order that changes from run to run; the clauses, not their order, are the schema.
    """
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
    finally:
        connection.close()
    return [
        (kind, name, sorted(line.strip().rstrip(",") for line in (sql or "").splitlines()))
        for kind, name, sql in rows
    ]


def _revision(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return str(connection.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    finally:
        connection.close()


@pytest.fixture
def real_migrate(migrate_once: MigrateOnce | None):
    """``gateway.db.migrate`` itself, whether or not the session replaced it."""
    return db.migrate if migrate_once is None else migrate_once.real


def test_a_copied_template_has_the_schema_and_revision_alembic_builds(tmp_path, real_migrate):
    migrated = tmp_path / "alembic.db"
    real_migrate(f"sqlite:///{migrated}")
    copied = tmp_path / "copied.db"
    MigrateOnce(real_migrate, tmp_path)(f"sqlite:///{copied}")
    assert _schema(copied) == _schema(migrated)
    assert len(_schema(copied)) > 10
    assert _revision(copied) == _revision(migrated) == head_revision()


def test_only_databases_below_head_reach_alembic(tmp_path, real_migrate):
    calls: list[str] = []

    def recording(url: str) -> None:
        calls.append(url)
        real_migrate(url)

    stand_in = MigrateOnce(recording, tmp_path)
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    stand_in(fresh)  # builds the template: the one real migration
    stand_in(fresh)  # at head: left alone
    assert calls == [f"sqlite:///{tmp_path / 'migrated.db'}"]
    behind = tmp_path / "behind.db"
    connection = sqlite3.connect(behind)
    connection.execute("CREATE TABLE unrelated (x)")
    connection.commit()
    connection.close()
    stand_in(f"sqlite:///{behind}")  # no alembic_version: Alembic decides
    assert calls[-1] == f"sqlite:///{behind}"
    assert _revision(behind) == head_revision()


def test_the_session_uses_the_templates_unless_told_not_to(migrate_once):
    assert (migrate_once is not None) == templates_enabled()
    if migrate_once is not None:
        assert db.migrate is migrate_once
