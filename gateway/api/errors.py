"""RFC 9457 problem details for every error the API returns (``application/problem+json``).

Nothing the client sent reaches a log line: unexpected errors are logged by type
and code location only (exception messages can quote values, and SQLAlchemy's
quote SQL parameters).
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api.limits import BodyTooLarge
from schemas.errors import ArtifactError, GatewayError, ParseError, RenderError, XmlInputError
from signing.errors import SigningError, SigningKeyError, VerificationError
from tax_rules.errors import PackDataError, TaxRuleError
from validators.errors import StageRunError, UnsupportedDocument
from validators.schematron.errors import SchematronError

log = logging.getLogger("gateway.api")

PROBLEM = "application/problem+json"

#: HTTP statuses of the domain packages' errors, which carry none themselves. The first
#: matching row wins, so a subclass comes before its base. Gateway-level errors (pipeline,
#: archive, delivery, auth, ...) keep a ``status_code`` class attribute beside their raise
#: sites; an error in neither place is a 400.
STATUS_BY_ERROR: tuple[tuple[type[GatewayError], int], ...] = (
    # the request's fault
    (XmlInputError, 400),  # its own handler answers 413 for "too-large"
    (ParseError, 400),
    (TaxRuleError, 422),
    (UnsupportedDocument, 422),
    (VerificationError, 422),
    (SigningKeyError, 400),  # a key or certificate given by the caller (rotation, CLI)
    # the gateway's fault: an operator's to-do (503) or a defect (500)
    (SchematronError, 503),
    (ArtifactError, 503),  # includes RuleSetUnavailable: "not checked", never "invalid"
    (StageRunError, 500),
    (PackDataError, 500),
    (SigningError, 500),
    (RenderError, 400),
)

DEFAULT_STATUS = 400


def status_of(exc: GatewayError) -> int:
    """The HTTP status of an error: from the table, else its own ``status_code``, else 400.

    >>> status_of(TaxRuleError([]))
    422
    >>> status_of(GatewayError("anything else"))
    400
    """
    for kind, status in STATUS_BY_ERROR:
        if isinstance(exc, kind):
            return status
    own = getattr(exc, "status_code", DEFAULT_STATUS)
    return own if isinstance(own, int) else DEFAULT_STATUS


# Hints added to pydantic's messages for values whose format is fixed.
# Pydantic error types start with the kind of value ("date_parsing", "datetime_type",
# "timezone_aware"); the first matching prefix wins, so "datetime" precedes "date".
_DATETIME_HINT = "expected an ISO 8601 date-time with a time zone, e.g. 2026-01-31T12:00:00Z"
_FORMAT_HINTS = (
    ("datetime", _DATETIME_HINT),
    ("timezone", _DATETIME_HINT),
    ("date", "expected format YYYY-MM-DD, e.g. 2026-01-31"),
)


def problem(
    status: int,
    title: str,
    *,
    detail: str | None = None,
    problems: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """Builds a problem+json response."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if problems is not None:
        body["problems"] = problems
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _format_hint(kind: str) -> str | None:
    for prefix, hint in _FORMAT_HINTS:
        if kind.startswith(prefix):
            return hint
    return None


def _validation_problems(exc: RequestValidationError) -> list[dict[str, Any]]:
    found = []
    for error in exc.errors():
        location = [str(p) for p in error.get("loc", ()) if p != "body"]
        message = str(error.get("msg", ""))
        kind = str(error.get("type", ""))
        hint = _format_hint(kind)
        if hint:
            message = f"{message} ({hint})"
        found.append({"field": ".".join(location) or "body", "message": message, "rule": kind})
    return found


def log_unexpected(exc: BaseException) -> None:
    """Logs an unexpected exception by type and stack (file, line, code), never its message."""
    frames = "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
    log.error("unexpected %s; stack (message withheld):\n%s", type(exc).__name__, frames.rstrip())


def _unexpected_response() -> JSONResponse:
    return problem(500, "Internal error", detail="the error was logged; nothing was stored")


class CatchAll:
    """Turns any exception that escapes the app into a 500 problem, and ends the request there.

    Starlette's own last-resort handler re-raises after answering, which makes
    uvicorn close the connection: a keep-alive client then sees its next request
    reset. Handled here, the connection stays usable.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Passes the request on; answers 500 if it fails before a response started."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 - the last resort, logged below
            log_unexpected(exc)
            if started:
                raise  # half a response is out: only closing the connection is honest
            await _unexpected_response()(scope, receive, send)


# The title of every 422 for a request that breaks the contract (as opposed to the rules).
CONTRACT_TITLE = "The request does not fit the contract"

# What FastAPI raises (as a 400) when a JSON body cannot be decoded at all.
_FASTAPI_BODY_ERROR = "There was an error parsing the body"


def install(app: FastAPI) -> None:
    """Registers the handlers that turn every error into problem+json."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(422, CONTRACT_TITLE, problems=_validation_problems(exc))

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
        status = status_of(exc)
        status = status if 400 <= status < 600 else 400
        if status == 503:
            # A missing or broken rule set: an operator's to-do, not an internal error.
            # Problems name stages and artifacts, never document content.
            log.warning(
                "not checked (%s): %s",
                type(exc).__name__,
                "; ".join(p.message for p in exc.problems) or exc.message,
            )
        elif status >= 500:
            log.error("internal error: %s", type(exc).__name__)
        return problem(status, exc.message, problems=[p.as_dict() for p in exc.problems])

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == _FASTAPI_BODY_ERROR:
            # FastAPI's answer to a JSON body it cannot even decode (not UTF-8): the same
            # problem as a body that is not JSON, which names the body and the rule.
            return problem(
                422,
                CONTRACT_TITLE,
                problems=[
                    {
                        "field": "body",
                        "message": "the body is not JSON in UTF-8",
                        "rule": "json_invalid",
                    }
                ],
            )
        response = problem(exc.status_code, str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        return problem(413, "Request body too large")

    @app.exception_handler(OSError)
    async def _storage(request: Request, exc: OSError) -> JSONResponse:
        # A blob or file write failed (disk full, permissions): the gateway's
        # state, not the request's fault, and a retry later may succeed.
        log.error("storage failure: %s (errno %s)", type(exc).__name__, exc.errno)
        return problem(
            503,
            "The document store cannot write right now; nothing was stored",
            detail="retry later; the operator is told by /readyz",
            headers={"Retry-After": "60"},
        )

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # Field widths are checked before the database; this is the safety net.
        log.warning("database refused a value: %s", type(exc.orig).__name__)
        return problem(
            422,
            "A value does not fit the stored record",
            detail="a text is longer than the gateway stores (identifiers and numbers: at most 200 characters)",
        )

    @app.exception_handler(OperationalError)
    async def _database(request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", type(exc.orig).__name__)
        return problem(503, "The database is unavailable; nothing was stored", detail="retry later")
