"""OpenAPI links: which operations take the id that another operation's answer carries.

A link tells a generated client (and a reader of ``/docs``) that, say, the ``id`` in the
answer to ``POST /v1/invoices`` is the ``invoice_id`` of ``GET /v1/invoices/{invoice_id}``.
Test tools follow them too: schemathesis chains the operations into workflows
(tests/api/test_api_fuzz.py).
"""

from __future__ import annotations

from typing import Any

_INVOICE_READERS = (
    "invoices-get",
    "invoices-get-xml",
    "invoices-get-data",
    "invoices-get-report",
    "invoices-get-html",
    "invoices-get-pdf",
    "archive-proof",
    "archive-events",
)

#: (operation that creates, its success statuses) -> (path parameter, operations that take it)
LINKS: dict[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]]] = {
    ("invoices-submit", ("201", "200")): ("invoice_id", _INVOICE_READERS),
    ("invoices-submit-xml", ("201", "200")): (
        "invoice_id",
        (*_INVOICE_READERS, "invoices-get-signature", "invoices-respond"),
    ),
    ("archive-hold-place", ("201",)): ("hold_id", ("archive-hold-lift",)),
    ("archive-export-start", ("202",)): (
        "job_id",
        ("archive-export-get", "archive-export-download"),
    ),
    ("admin-create-key", ("201",)): ("key_id", ("admin-revoke-key",)),
    ("webhooks-create", ("201",)): ("endpoint_id", ("webhooks-revoke", "webhooks-deliveries")),
}


def _link_name(operation_id: str) -> str:
    # "invoices-get-xml" -> "InvoicesGetXml": link names are map keys (^[a-zA-Z0-9.\-_]+$).
    return "".join(part.capitalize() for part in operation_id.split("-"))


def add_links(schema: dict[str, Any]) -> None:
    """Adds each creating operation's links to its success responses (in place).

    Every operation named in ``LINKS`` must exist with the named status and path parameter;
    a rename that breaks a link fails here, at the first build of the document.
    """
    operations = {
        operation["operationId"]: operation
        for path in schema["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    for (creator, statuses), (parameter, targets) in LINKS.items():
        for target in targets:
            names = {
                p["name"] for p in operations[target].get("parameters", ()) if p["in"] == "path"
            }
            if parameter not in names:
                raise KeyError(f"{target} has no path parameter {parameter}")
        links = {
            _link_name(target): {
                "operationId": target,
                "parameters": {parameter: "$response.body#/id"},
            }
            for target in targets
        }
        for status in statuses:
            operations[creator]["responses"][status]["links"] = links
