"""The problem+json shape (RFC 9457) as an OpenAPI schema, and the error responses of each route.

Routes declare their error statuses with :func:`problem_responses`; every one of them
is documented with the same ``application/problem+json`` schema and an example, so a
generated client has a typed error for each.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemItem(BaseModel):
    """One specific thing wrong with the request."""

    field: str = Field(
        description="Where: a dotted draft path (lines.0.quantity), query.NAME, a header, or an XPath"
    )
    message: str = Field(description="What is wrong and what was expected")
    rule: str | None = Field(default=None, description="The rule or check (BR-CO-15, missing)")
    value: str | None = Field(default=None, description="The offending value, when it helps")


class Problem(BaseModel):
    """An error response (RFC 9457 problem details)."""

    type: str = Field(default="about:blank", description="Problem type URI")
    title: str = Field(description="What went wrong, in one line")
    status: int = Field(description="The HTTP status code")
    detail: str | None = Field(default=None, description="More about this occurrence")
    problems: list[ProblemItem] | None = Field(
        default=None, description="Field-level problems (422, 409, 400, 503)"
    )


_EXAMPLES: dict[int, tuple[str, dict[str, Any]]] = {
    400: (
        "The XML document was refused (not well-formed, DTD or entities)",
        {
            "title": "The XML document was refused",
            "detail": "DTDs are not accepted",
            "problems": [
                {
                    "field": "/",
                    "message": "DTDs are not accepted",
                    "rule": "xml.no-dtd",
                    "value": None,
                }
            ],
        },
    ),
    401: (
        "No API key, or an unknown, revoked or expired one",
        {"title": "missing API key: send Authorization: Bearer <key>"},
    ),
    403: ("The key lacks the role this needs", {"title": "this needs one of the roles: erp"}),
    404: (
        "No such resource in the caller's tenant",
        {"title": "no invoice 01KAZ6Q8Q2V7W3XJ5M0N9P4R6S"},
    ),
    409: (
        "Idempotency-Key reused with another body, or the invoice number is already stored",
        {
            "title": "invoice number INV-2026-0001 of this seller is already stored",
            "problems": [
                {
                    "field": "number",
                    "message": "invoice numbers are unique per seller (BT-1)",
                    "rule": "duplicate-number",
                    "value": "INV-2026-0001",
                }
            ],
        },
    ),
    413: (
        "The request body is larger than the configured limit",
        {"title": "Request body too large"},
    ),
    415: ("Wrong Content-Type", {"title": "send the body as application/json"}),
    422: (
        "The request does not fit the contract, or the official rules reject the invoice",
        {
            "title": "The request does not fit the contract",
            "problems": [
                {
                    "field": "lines.0.quantity",
                    "message": "Input should be a valid decimal",
                    "rule": "decimal_parsing",
                    "value": None,
                }
            ],
        },
    ),
    451: (
        "The invoice's processing is restricted after an erasure request (GDPR art. 18): "
        "only the auditor and compliance roles may read it",
        {"title": "invoice 01KAZ6Q8Q2V7W3XJ5M0N9P4R6S is restricted after an erasure request"},
    ),
    503: (
        "The gateway cannot do this right now (rule set missing, store or database unavailable); nothing was stored",
        {
            "title": "the official rule sets of this profile cannot run on this gateway; nothing was stored",
            "problems": [
                {
                    "field": "schematron",
                    "message": "rule set peppol-bis-3 is not available",
                    "rule": "EGW-RULESET-NOT-AVAILABLE",
                    "value": None,
                }
            ],
        },
    ),
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these error statuses, each a problem+json with an example."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        description, example = _EXAMPLES[status]
        responses[status] = {
            "description": description,
            "content": {
                PROBLEM_MEDIA_TYPE: {
                    "schema": {"$ref": "#/components/schemas/Problem"},
                    "example": {"type": "about:blank", "status": status, **example},
                }
            },
        }
    return responses
