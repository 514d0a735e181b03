"""Console fixtures: the API apps (SQLite and PostgreSQL, two tenants)."""

from tests.api.conftest import backend, gateway, postgres_database  # noqa: F401
