"""The shared app of ``shared_gateway`` (tests/api/conftest.py) starts each test from the seed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.db_template import templates_enabled


def _rows(path: Path, table: str) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(path)
    try:
        return sorted(connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
    finally:
        connection.close()


@pytest.mark.parametrize("module_backend", ["sqlite"], indirect=True)
def test_the_shared_gateway_starts_each_test_from_the_seed(shared_gateway, gateway_seeds):
    """What a test stored through the shared app is gone when the next test gets it."""
    if not templates_enabled():
        pytest.skip("EGW_TEST_TEMPLATES=off: every test gets an app of its own")
    from tests.api.drafts import api_draft

    database = shared_gateway.app.state.settings.data_dir / "gateway.db"
    seeded = {table: _rows(database, table) for table in ("tenant", "api_key", "invoice")}
    assert seeded["tenant"] and seeded["api_key"] and not seeded["invoice"]
    stored = shared_gateway.client.post(
        "/v1/invoices", json=api_draft("RESET-1"), headers=shared_gateway.erp
    )
    assert stored.status_code == 201, stored.text
    assert _rows(database, "invoice")

    gateway_seeds.get(None).restore_sqlite_rows(database)

    assert {table: _rows(database, table) for table in seeded} == seeded
    listed = shared_gateway.client.get("/v1/invoices", headers=shared_gateway.erp)
    assert listed.status_code == 200 and listed.json()["data"] == []
