"""Archive tests run on SQLite and PostgreSQL through the API fixtures."""

from __future__ import annotations

from tests.api.conftest import backend, gateway, postgres_database  # noqa: F401
