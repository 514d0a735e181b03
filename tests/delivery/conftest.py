"""Delivery test fixtures: the app with a fast queue (short backoff and lease) on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.api.conftest import BACKENDS, TABLES, Gateway, open_gateway

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


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def make_gateway(
    backend: str, data_dir: Path, request: pytest.FixtureRequest, **settings: object
) -> Iterator[Gateway]:
    gateways = open_gateway(
        backend, data_dir, request, (*DELIVERY_TABLES, *TABLES), **{**FAST, **settings}
    )
    for gateway in gateways:
        yield gateway
        engine = gateway.app.state.engine  # type: ignore[attr-defined]
    if backend == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM procrastinate_jobs"))
        engine.dispose()


@pytest.fixture
def gateway(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Gateway]:
    yield from make_gateway(backend, tmp_path / "data", request)
