"""Helpers for archive tests: submit invoices, run the archive CLI against the fixture's data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from gateway.cli import main
from tests.api.drafts import api_draft


def submit(
    gateway: Any, count: int, *, prefix: str = "ARC", **changes: Any
) -> list[dict[str, Any]]:
    """Submits ``count`` drafts and returns their public records."""
    created = []
    for number in range(1, count + 1):
        response = gateway.client.post(
            "/v1/invoices", json=api_draft(f"{prefix}-{number}", **changes), headers=gateway.erp
        )
        assert response.status_code == 201, response.text
        created.append(response.json())
    return created


def cli(gateway: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any, *args: str) -> tuple[int, str]:
    """Runs ``egw`` with the fixture's data directory and database; returns (exit code, stdout)."""
    settings = gateway.app.state.settings
    monkeypatch.delenv("EGW_SETTINGS_FILE", raising=False)
    if settings.database_url:
        monkeypatch.setenv("EGW_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("EGW_DATABASE_URL", raising=False)
    capsys.readouterr()
    code = main([*args[:2], "--data-dir", str(settings.data_dir), *args[2:]])
    return code, capsys.readouterr().out


def verify(
    gateway: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> tuple[int, dict[str, Any]]:
    """``egw archive verify --json``: (exit code, result)."""
    code, out = cli(gateway, monkeypatch, capsys, "archive", "verify", "--json")
    return code, json.loads(out)


def execute(gateway: Any, sql: str, **params: Any) -> None:
    """Runs SQL straight against the database, as an attacker with database access would."""
    with gateway.app.state.engine.begin() as connection:
        connection.execute(text(sql), params)


def scalar(gateway: Any, sql: str, **params: Any) -> Any:
    with gateway.app.state.engine.connect() as connection:
        return connection.execute(text(sql), params).scalar()


def key(gateway: Any, *roles: str, admin: str | None = None) -> dict[str, str]:
    """A new API key of the first tenant with these roles, as request headers."""
    body: dict[str, Any] = {"name": "-".join(roles), "roles": list(roles)}
    if "auditor" in roles:
        from datetime import UTC, datetime, timedelta

        body["expires_at"] = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    response = gateway.client.post(
        "/v1/admin/keys", json=body, headers=gateway.auth(admin or gateway.admin_key)
    )
    assert response.status_code == 201, response.text
    return gateway.auth(response.json()["key"])
