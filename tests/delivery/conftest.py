"""Delivery test fixtures: the app with a fast queue (short backoff and lease) on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from gateway.app import bootstrap, create_app
from gateway.settings import Settings
from tests.api.conftest import TABLES, Gateway, _second_tenant, postgres_database  # noqa: F401

FAST = {
    "webhook_allow_private": True,
    "delivery_backoff_seconds": 0.2,
    "delivery_backoff_max_seconds": 1.0,
    "delivery_poll_seconds": 0.1,
    "delivery_lease_seconds": 2.0,
    "delivery_max_attempts": 3,
    "delivery_timeout_seconds": 5.0,
}

DELIVERY_TABLES = ("delivery_job", "webhook_endpoint", "as4_inbound")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def make_gateway(
    backend: str, data_dir: Path, request: pytest.FixtureRequest, **settings: object
) -> Iterator[Gateway]:
    url = request.getfixturevalue("postgres_database") if backend == "postgresql" else None
    app = create_app(Settings(data_dir=data_dir, database_url=url, **{**FAST, **settings}))  # type: ignore[arg-type]
    created = bootstrap(app.state.engine)
    assert created is not None
    with TestClient(app, raise_server_exceptions=False) as client:
        other_admin, other_erp = _second_tenant(client, created.platform_key)
        yield Gateway(
            client,
            app,
            created.admin_key,
            created.erp_key,
            other_admin,
            other_erp,
            created.platform_key,
        )
    if backend == "postgresql":
        with app.state.engine.begin() as connection:
            connection.execute(
                text("TRUNCATE " + ", ".join((*DELIVERY_TABLES, *TABLES)) + " CASCADE")
            )
            connection.execute(text("DELETE FROM procrastinate_jobs"))
    app.state.engine.dispose()


@pytest.fixture
def gateway(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Gateway]:
    yield from make_gateway(backend, tmp_path / "data", request)
