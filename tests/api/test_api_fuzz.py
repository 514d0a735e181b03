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
from hypothesis.stateful import run_state_machine_as_test
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
from tests.api.drafts import api_draft
from tests.archive.test_gdpr import EMAIL as PERSON_EMAIL
from tests.archive.test_gdpr import person_draft

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 25
WORKFLOWS = 60
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Operations on a real resource that cannot succeed on this gateway, and why.
NOT_REACHABLE_HERE = {
    # A draft's XAdES signature is enveloped in its document; only detached ones have a file.
    ("GET", "/v1/invoices/{invoice_id}/signature"),
    # Invoice responses go out over AS4: a gateway that is no Peppol access point answers 409.
    ("POST", "/v1/invoices/{invoice_id}/responses"),
}


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


@pytest.fixture(scope="module")
def real_ids(fuzzed_gateway: Gateway, every_role: dict[str, str]) -> dict[str, str]:
    """Ids of resources that exist, by path parameter name (random ids only reach the 404s)."""
    client = fuzzed_gateway.client

    def created(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = client.post(path, json=body, headers=every_role)
        assert response.status_code in (201, 202), (path, response.text)
        return dict(response.json())

    invoice = created("/v1/invoices", api_draft("FUZZ-1"))
    hold = created(
        "/v1/archive/holds", {"scope": "invoice", "invoice_id": invoice["id"], "reason": "fuzz"}
    )
    job = created("/v1/archive/exports", {"from": "2026-01-01", "to": "2026-12-31"})
    endpoint = created("/v1/webhooks", {"url": "https://hooks.example/egw"})
    spare_key = created("/v1/admin/keys", {"name": "spare", "roles": ["erp"]})
    # An invoice restricted after an erasure request (GDPR art. 18): 451 for the ERP role.
    restricted = created("/v1/invoices", person_draft("FUZZ-2"))
    erased = client.post(
        "/v1/privacy/erasure", json={"identifier": PERSON_EMAIL}, headers=every_role
    )
    assert erased.json()["outcome"][0]["action"] == "restricted", erased.text
    return {
        "restricted_invoice_id": restricted["id"],
        "invoice_id": invoice["id"],
        "hold_id": hold["id"],
        "job_id": job["id"],
        "endpoint_id": endpoint["id"],
        "key_id": spare_key["id"],
        "country": "DE",
    }


def _fuzz(
    operation: Any,
    mode: GenerationMode,
    headers: dict[str, str],
    path_parameters: dict[str, str] | None = None,
    statuses: set[int] | None = None,
) -> str | None:
    """Sends the operation's generated cases; the first failure found, or None.

    ``statuses`` collects the status of every answer.
    """

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the failure is reported as found
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    def send(case: Any) -> None:
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        if statuses is not None:
            statuses.add(response.status_code)

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


def test_operations_on_real_resources_answer_as_documented(
    api_schema: Any, every_role: dict[str, str], real_ids: dict[str, str]
) -> None:
    """The path names a resource that exists; query and body are generated."""
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        names = {parameter.name for parameter in operation.path_parameters}
        if not names:
            continue
        assert names <= real_ids.keys(), f"no real id for {operation.path}"
        statuses: set[int] = set()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            ids = {name: real_ids[name] for name in names}
            failure = _fuzz(operation, mode, every_role, ids, statuses)
            if failure is not None:
                failures.append(failure)
        # The resource was reached at least once (not only refused or not found).
        reachable = (operation.method.upper(), operation.path) not in NOT_REACHABLE_HERE
        if reachable and not any(200 <= status < 300 for status in statuses):
            failures.append(f"{operation.method.upper()} {operation.path}: never 2xx {statuses}")
    assert not failures, "\n\n".join(failures)


def test_a_restricted_invoice_answers_as_documented(
    fuzzed_gateway: Gateway, api_schema: Any, real_ids: dict[str, str]
) -> None:
    """The ERP role meets 451 on a restricted invoice, a status the document names."""
    erp_only = fuzzed_gateway.erp
    failures = []
    refused = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if {parameter.name for parameter in operation.path_parameters} != {"invoice_id"}:
            continue
        statuses: set[int] = set()
        ids = {"invoice_id": real_ids["restricted_invoice_id"]}
        failure = _fuzz(operation, GenerationMode.POSITIVE, erp_only, ids, statuses)
        if failure is not None:
            failures.append(failure)
        refused += 451 in statuses
    assert not failures, "\n\n".join(failures)
    assert refused >= 8  # document, data, report, views, events, proof...


def test_workflows_that_follow_the_links_answer_as_documented(
    fuzzed_gateway: Gateway, every_role: dict[str, str]
) -> None:
    """Schemathesis's stateful phase: create, then use what was created (the OpenAPI links)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_gateway.app)
    schema.config.generation.update(modes=[GenerationMode.POSITIVE])
    reached: set[tuple[str, int]] = set()

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": every_role}

        def validate_response(self, response: Any, case: Any, *args: Any, **kwargs: Any) -> None:
            reached.add((f"{case.method.upper()} {case.path}", response.status_code))
            case.validate_response(response, checks=CHECKS)

    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=WORKFLOWS,
            stateful_step_count=6,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        ),
    )
    # The links were followed: what a draft created was read back, and a hold lifted.
    # A link was followed to a resource that exists (an export job created, then polled or
    # downloaded). Drafts generated from the schema alone are almost never valid invoices, so
    # the invoice links are exercised by the real-resources test above instead.
    linked = {operation for operation, status in reached if 200 <= status < 300}
    assert any("{" in operation for operation in linked), sorted(reached)


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
