"""Issue 17: an OpenAPI document an integrator can generate a working client from."""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx  # openapi-python-client's (the generated clients are built on it)
import pytest

from tests.api.drafts import api_draft

ERROR_STATUSES = {"401", "403", "404", "409", "413", "415", "422", "451", "503"}


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    """The OpenAPI document, generated once per module (about 0.4 s of CPU per app)."""
    from fastapi.testclient import TestClient

    from gateway.app import create_app
    from gateway.settings import Settings

    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("openapi") / "data"))
    try:
        with TestClient(app) as client:
            response = client.get("/openapi.json")
    finally:
        app.state.engine.dispose()
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_bearer_security_scheme_on_every_keyed_operation(schema):
    scheme = schema["components"]["securitySchemes"]["ApiKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for path, method, operation in _operations(schema):
        # AS4 authenticates the sending access point by its signed message, not an API key.
        keyed = not path.startswith(("/healthz", "/readyz", "/as4"))
        assert bool(operation.get("security")) == keyed, (method, path)


def test_every_error_response_is_a_problem_with_an_example(schema):
    seen = set()
    for path, method, operation in _operations(schema):
        if path == "/readyz":
            continue
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            seen.add(status)
            content = response["content"]
            assert list(content) == ["application/problem+json"], (method, path, status)
            assert content["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }
            assert content["application/problem+json"]["example"]["status"] == int(status)
        if operation.get("security"):
            assert {"401", "403"} <= set(operation["responses"]), (method, path)
    assert ERROR_STATUSES <= seen
    problem = schema["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "problems"} <= set(problem["properties"])
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_operation_ids_are_stable_tag_prefixed_and_unique(schema):
    ids = []
    for _path, _method, operation in _operations(schema):
        operation_id = operation["operationId"]
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z]+)+", operation_id), operation_id
        assert operation_id.split("-")[0] == operation["tags"][0]
        ids.append(operation_id)
    assert len(ids) == len(set(ids))
    assert {"invoices-submit", "invoices-list", "submissions-list", "admin-create-key"} <= set(ids)


def test_links_lead_from_what_is_created_to_the_operations_that_take_its_id(schema):
    by_id = {
        operation["operationId"]: (path, operation) for path, _, operation in _operations(schema)
    }
    followed = set()
    for _path, _method, operation in _operations(schema):
        for status, response in operation["responses"].items():
            for link in response.get("links", {}).values():
                assert status.startswith("2"), (operation["operationId"], status)
                target_path, target = by_id[link["operationId"]]
                for parameter, expression in link["parameters"].items():
                    assert "{" + parameter + "}" in target_path, (link, target_path)
                    assert expression == "$response.body#/id"
                followed.add((operation["operationId"], link["operationId"]))
    assert {
        ("invoices-submit", "invoices-get"),
        ("invoices-submit-xml", "invoices-respond"),
        ("archive-hold-place", "archive-hold-lift"),
        ("archive-export-start", "archive-export-download"),
        ("admin-create-key", "admin-revoke-key"),
        ("webhooks-create", "webhooks-deliveries"),
    } <= followed
    # Every operation whose path names an invoice is reachable from a submission.
    invoice_readers = {
        operation["operationId"]
        for path, _, operation in _operations(schema)
        if "{invoice_id}" in path
    }
    assert invoice_readers <= {
        target for source, target in followed if source.startswith("invoices-submit")
    }


def test_hold_scopes_in_the_document_are_the_archives(schema):
    from gateway.archive.holds import SCOPES

    assert (
        tuple(schema["components"]["schemas"]["HoldCreate"]["properties"]["scope"]["enum"])
        == SCOPES
    )


def test_examples_fit_their_schemas(schema):
    from gateway.api.schemas import InvoicePublic, KeyCreated
    from schemas.model import InvoiceDraft

    draft = schema["paths"]["/v1/invoices"]["post"]["requestBody"]["content"]["application/json"]
    InvoiceDraft.model_validate(draft["example"])
    components = schema["components"]["schemas"]
    InvoicePublic.model_validate(components["InvoicePublic"]["examples"][0])
    KeyCreated.model_validate(components["KeyCreated"]["examples"][0])


def _typed_draft(number: str) -> dict:
    # The model also takes a plain string as a note, but the schema documents the
    # object form, which is what a generated client sends.
    draft = api_draft(number)
    draft["notes"] = [{"text": n} if isinstance(n, str) else n for n in draft.get("notes", [])]
    return draft


def _generate(schema: dict, target: Path) -> Path:
    spec = target / "openapi.json"
    spec.write_text(json.dumps(schema))
    tool = shutil.which(
        "openapi-python-client", path=str(Path(sys.executable).parent)
    ) or shutil.which("openapi-python-client")
    if tool is None:
        pytest.skip("openapi-python-client is not installed (pip install -e '.[test]')")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    result = subprocess.run(
        [
            tool,
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(target / "egw_client"),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return target


class InProcess(httpx.BaseTransport):
    """Sends a generated client's requests through the app's test client (in process).

    Clients generated by openapi-python-client are built on httpx; the test client is on
    httpx2, so its own transport cannot be lent to them.
    """

    def __init__(self, test_client: Any) -> None:
        self.test_client = test_client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.test_client.request(
            request.method,
            str(request.url),
            headers=list(request.headers.multi_items()),
            content=request.read(),
        )
        return httpx.Response(
            answer.status_code, headers=answer.headers.multi_items(), content=answer.content
        )


@pytest.mark.slow
def test_a_generated_client_submits_and_reads_an_invoice(gateway, schema, tmp_path):
    root = _generate(schema, tmp_path)
    sys.path.insert(0, str(root))
    try:
        client_module = importlib.import_module("egw_client")
        submit = importlib.import_module("egw_client.api.invoices.invoices_submit")
        get = importlib.import_module("egw_client.api.invoices.invoices_get")
        models = importlib.import_module("egw_client.models")

        # The generated client builds its own httpx client (and its Bearer header); only
        # the transport hands each request to the test client, which calls the app in-process.
        client = client_module.AuthenticatedClient(
            base_url="http://testserver",
            token=gateway.erp_key,
            httpx_args={"transport": InProcess(gateway.client)},
        )

        created = submit.sync_detailed(
            client=client, body=models.InvoiceDraft.from_dict(_typed_draft("GEN-1"))
        )
        assert created.status_code == 201, created.content[:300]
        assert isinstance(created.parsed, models.InvoicePublic)
        assert created.parsed.number == "GEN-1"
        assert created.parsed.totals.amount_due

        read = get.sync(client=client, invoice_id=created.parsed.id)
        assert isinstance(read, models.InvoicePublic) and read.id == created.parsed.id

        # Errors arrive as the typed Problem model.
        duplicate = submit.sync_detailed(
            client=client, body=models.InvoiceDraft.from_dict(_typed_draft("GEN-1"))
        )
        assert duplicate.status_code == 409
        assert isinstance(duplicate.parsed, models.Problem)
        assert duplicate.parsed.problems[0].rule == "duplicate-number"
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n == "egw_client" or n.startswith("egw_client.")]:
            del sys.modules[name]
