"""Schemathesis over the published OpenAPI document: every operation, valid and invalid input.

The gateway promises that bad input gets a specific 4xx problem and never a 500, and that
the OpenAPI document tells a generated client every status and body it can meet. This test
holds both promises against inputs nobody wrote by hand: for each of the operations
schemathesis generates requests that fit the contract (positive) and requests that break
it (negative), sends them with a key that holds every role, and checks that

- no answer is a 5xx (``not_a_server_error``),
- every status is one the operation documents (``status_code_conformance``),
- every content type is documented (``content_type_conformance``),
- every documented body fits its schema (``response_schema_conformance``).

Deterministic (fixed examples per operation) so a failure repeats; slow, as it sends a few
thousand requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import Gateway, open_gateway

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzzed_gateway(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    yield from open_gateway("sqlite", tmp_path_factory.mktemp("fuzz") / "data", request)


@pytest.fixture(scope="module")
def every_role(fuzzed_gateway: Gateway) -> dict[str, str]:
    """Headers with a key of the tenant that holds every tenant role (auditor keys expire)."""
    expires = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = fuzzed_gateway.client.post(
        "/v1/admin/keys",
        json={
            "name": "fuzz",
            "roles": ["admin", "erp", "compliance", "auditor"],
            "expires_at": expires,
        },
        headers=fuzzed_gateway.admin,
    )
    assert response.status_code == 201, response.text
    return fuzzed_gateway.auth(response.json()["key"])


@pytest.fixture(scope="module")
def api_schema(fuzzed_gateway: Gateway) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed_gateway.app)


def _fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> str | None:
    """Sends the operation's generated cases; the first failure found, or None."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the failure is reported as found
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        send()
    except Unsatisfiable:
        return None  # nothing to break: an operation without parameters has no negative case
    except (Exception, FailureGroup) as failure:  # noqa: BLE001 - each operation's is collected
        found = failure.exceptions if isinstance(failure, FailureGroup) else (failure,)
        details = "\n".join(f"  {type(each).__name__}: {each}"[:800] for each in found)
        return f"{operation.method.upper()} {operation.path} ({mode.value}):\n{details}"
    return None


def test_every_operation_answers_as_documented(api_schema: Any, every_role: dict[str, str]) -> None:
    failures = [
        failure
        for result in api_schema.get_all_operations()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if (failure := _fuzz(result.ok(), mode, every_role)) is not None
    ]
    assert not failures, "\n\n".join(failures)


def test_the_fuzzed_schema_covers_every_route(api_schema: Any, fuzzed_gateway: Gateway) -> None:
    """Every operation of the app is in the document schemathesis walks (none hidden from it)."""
    operations = {
        (result.ok().method.upper(), result.ok().path) for result in api_schema.get_all_operations()
    }
    routes = {
        (method, route.path)  # type: ignore[attr-defined]
        for route in fuzzed_gateway.app.routes  # type: ignore[attr-defined]
        if getattr(route, "include_in_schema", False)
        for method in route.methods - {"HEAD"}  # type: ignore[attr-defined]
    }
    assert len(operations) >= 40
    assert routes <= operations
