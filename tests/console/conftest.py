"""Console fixtures: the API apps (SQLite and PostgreSQL, two tenants)."""

from tests.api.conftest import (  # noqa: F401
    backend,
    gateway,
    module_backend,
    module_gateway,
    shared_gateway,
)
