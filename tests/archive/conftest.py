"""Archive tests run on SQLite and PostgreSQL through the API fixtures."""

from __future__ import annotations

from tests.api.conftest import backend, gateway  # noqa: F401
