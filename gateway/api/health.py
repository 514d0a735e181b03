"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from gateway.api.input_checks import CheckedRoute

router = APIRouter(tags=["health"], route_class=CheckedRoute)


@router.get("/healthz", operation_id="health-live")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", operation_id="health-ready", responses={503: {}})
def readyz(request: Request) -> JSONResponse:
    """The database answers, the blob store takes a write, and the rule sets are compiled.

    A full disk is not ready. A failed warm-up (``gateway.warmup``) does not hold readiness.
    """
    checks: dict[str, str] = {}
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"unavailable: {type(exc).__name__}"
    checks["blobs"] = request.app.state.blobs.probe()
    warming = request.app.state.warm_up
    if warming is not None:  # rule sets compiling: a request now would wait for them
        checks["rule_sets"] = "warming" if warming.state == "warming" else "ok"
    ready = all(v == "ok" for v in checks.values())
    body: dict[str, object] = {"status": "ready" if ready else "not ready", "checks": checks}
    if warming is not None and warming.state != "warming":
        # A failed or partial warm-up does not hold readiness: those requests compile, or
        # are answered "not checked", as without a warm-up.
        summary = warming.summary
        body["warm_up"] = {
            "state": warming.state,
            "seconds": round(summary.seconds, 3) if summary else None,
            "unavailable": summary.unavailable if summary else [],
        }
    audit = request.app.state.pipeline.official_audit
    if audit is not None:  # native judgements re-checked by Saxon: checked, disagreements, errors
        body["official_audit"] = {
            "fraction": audit.fraction,
            **{k: audit.counts[k] for k in ("checked", "disagreements", "errors", "dropped")},
        }
    return JSONResponse(
        body,
        status_code=200 if ready else 503,
    )
