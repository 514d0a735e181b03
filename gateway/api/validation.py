"""Validation as a service: check a document against the official rule sets, store nothing."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from gateway.api.deps import ReaderPrincipal
from gateway.api.invoices import SVRL_TYPE, XML_TYPES, _require
from schemas import profiles
from validators import require_checked, validate

router = APIRouter(prefix="/v1/validate", tags=["validation"])


@router.post(
    "",
    operation_id="validation-validate",
    summary="Validate a UBL or CII document (XSD + official Schematron); nothing is stored",
    responses={
        200: {"content": {"application/json": {}, SVRL_TYPE: {}}},
        400: {},
        413: {},
        415: {},
        503: {"description": "a rule set of the profile cannot run here: not checked"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/xml": {"schema": {"type": "string"}}},
        }
    },
)
async def validate_document(
    request: Request,
    principal: ReaderPrincipal,
    profile: Annotated[str | None, Query(description="profile (default: from BT-24)")] = None,
) -> Response:
    """The validation report: JSON by default, SVRL with ``Accept: application/svrl+xml``.

    A document with fatal findings still gets 200: the report says ``valid: false``.
    A document that could not be checked (a rule set of its profile is missing or
    broken on this gateway) gets 503, as ``POST /v1/invoices`` does: never ``valid: false``.
    """
    _require(request, XML_TYPES)
    if profile is not None and profile not in profiles.names():
        raise HTTPException(
            422, f"unknown profile {profile!r}; known: {', '.join(profiles.names())}"
        )
    body = await request.body()
    report = require_checked(await run_in_threadpool(validate, body, profile=profile))
    if SVRL_TYPE in request.headers.get("accept", ""):
        return Response(content=report.to_svrl(), media_type=SVRL_TYPE)
    return Response(content=json.dumps(report.to_json()), media_type="application/json")
