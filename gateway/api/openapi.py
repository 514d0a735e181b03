"""The OpenAPI document: the draft and problem schemas, Bearer auth, and every error as problem+json.

Routes declare the statuses that are theirs (409 on a duplicate, 415 on a wrong
content type); this module adds what holds for all of them (401 and 403 where a key
is needed, 422 where there is input, 404 where the path names a resource, 451 where it
names an invoice) and gives every error status the same ``application/problem+json``
schema with an example, so a generated client gets one typed error model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from gateway.api.openapi_links import add_links
from gateway.api.problems import Problem, problem_responses
from schemas.model import InvoiceDraft

_METHODS = ("get", "post", "put", "patch", "delete")
# Tags whose responses are not problems: /readyz answers 503 with its checks.
_PLAIN_TAGS = {"health"}


def _add_component(components: dict[str, Any], name: str, model: Any) -> None:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for nested, definition in schema.pop("$defs", {}).items():
        components.setdefault(nested, definition)
    components[name] = schema


def _error_statuses(operation: dict[str, Any]) -> set[int]:
    statuses = {int(code) for code in operation.get("responses", {}) if str(code).isdigit()}
    errors = {code for code in statuses if code >= 400}
    if operation.get("security"):
        errors |= {401, 403}
    if operation.get("parameters") or operation.get("requestBody"):
        errors.add(422)
    in_path = {p["name"] for p in operation.get("parameters", ()) if p.get("in") == "path"}
    if in_path:
        errors.add(404)  # the resource the path names is not in the caller's tenant
    if "invoice_id" in in_path:
        errors.add(451)  # a restricted invoice (GDPR art. 18), for roles other than the readers
    return errors


def _document_errors(operation: dict[str, Any]) -> None:
    if set(operation.get("tags", ())) & _PLAIN_TAGS:
        return
    responses = operation.setdefault("responses", {})
    for status, entry in problem_responses(*sorted(_error_statuses(operation))).items():
        declared = responses.get(str(status)) or {}
        if declared.get("description") and declared["description"] not in (
            "Validation Error",
            "Successful Response",
        ):
            entry = {**entry, "description": declared["description"]}
        responses[str(status)] = entry


def _drop_unused(schema: dict[str, Any]) -> None:
    # FastAPI's default 422 models are replaced by Problem everywhere.
    text = str(schema["paths"])
    components = schema["components"]["schemas"]
    if "HTTPValidationError" not in text:
        components.pop("HTTPValidationError", None)
        if "ValidationError" not in text:
            components.pop("ValidationError", None)


def builder(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """The ``app.openapi`` function: builds the document once, then serves it from memory."""

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, routes=app.routes, description=app.description
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        # The draft is parsed by hand (to keep the exact bytes for idempotency), so its
        # schema is added here; the same for the problem body the error handlers write.
        _add_component(components, "InvoiceDraft", InvoiceDraft)
        _add_component(components, "Problem", Problem)
        for path in schema["paths"].values():
            for method in _METHODS:
                if method in path:
                    _document_errors(path[method])
        add_links(schema)
        _drop_unused(schema)
        app.openapi_schema = schema
        return schema

    return build
