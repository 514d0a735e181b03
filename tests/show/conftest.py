"""The API fixtures (SQLite and PostgreSQL apps with two tenants) for the readable views."""

from tests.api.conftest import backend, gateway  # noqa: F401
