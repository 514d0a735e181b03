"""RFC 9457 problem details for every error the API returns (``application/problem+json``)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.api.limits import BodyTooLarge
from schemas.errors import GatewayError, XmlInputError

log = logging.getLogger("gateway.api")

PROBLEM = "application/problem+json"


def problem(
    status: int,
    title: str,
    *,
    detail: str | None = None,
    problems: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> JSONResponse:
    """Builds a problem+json response."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if problems is not None:
        body["problems"] = problems
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _validation_problems(exc: RequestValidationError) -> list[dict[str, Any]]:
    found = []
    for error in exc.errors():
        location = [str(p) for p in error.get("loc", ()) if p != "body"]
        found.append(
            {
                "field": ".".join(location) or "body",
                "message": error.get("msg", ""),
                "rule": error.get("type"),
            }
        )
    return found


def install(app: FastAPI) -> None:
    """Registers the handlers that turn every error into problem+json."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(
            422, "The request does not fit the contract", problems=_validation_problems(exc)
        )

    @app.exception_handler(XmlInputError)
    async def _xml(request: Request, exc: XmlInputError) -> JSONResponse:
        status = 413 if exc.reason == "too-large" else 400
        return problem(
            status,
            "The XML document was refused",
            detail=exc.message,
            problems=[p.as_dict() for p in exc.problems],
        )

    @app.exception_handler(GatewayError)
    async def _gateway(request: Request, exc: GatewayError) -> JSONResponse:
        status = exc.status_code if 400 <= exc.status_code < 600 else 400
        if status >= 500:
            log.error("internal error: %s", type(exc).__name__)
        return problem(status, exc.message, problems=[p.as_dict() for p in exc.problems])

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = problem(exc.status_code, str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        return problem(413, "Request body too large")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Log the type only: messages may carry personal data.
        log.exception("unexpected %s", type(exc).__name__)
        return problem(500, "Internal error", detail="the error was logged; nothing was stored")
