"""Invoices: submit drafts or finished XML, read stored documents, signatures and reports."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlmodel import select

from gateway.api.deps import ErpPrincipal, PipelineDep, ReaderPrincipal, SessionDep
from gateway.api.schemas import InvoicePublic, InvoicesPublic, Links
from gateway.tables import StoredInvoice
from schemas import profiles
from schemas.model import InvoiceDraft
from validators.report import report_from_json

router = APIRouter(prefix="/v1/invoices", tags=["invoices"])

XML_TYPES = ("application/xml", "text/xml")
SVRL_TYPE = "application/svrl+xml"

DRAFT_EXAMPLE = {
    "profile": "en16931",
    "number": "INV-2026-0001",
    "issue_date": "2026-11-01",
    "currency": "EUR",
    "delivery_date": "2026-10-30",
    "seller": {
        "name": "Seller GmbH",
        "vat_id": "DE811907980",
        "address": {
            "lines": ["Hauptstr. 1"],
            "city": "Berlin",
            "postal_code": "10115",
            "country": "DE",
        },
    },
    "buyer": {
        "name": "Buyer AG",
        "vat_id": "DE136695976",
        "address": {
            "lines": ["Ring 2"],
            "city": "Hamburg",
            "postal_code": "20095",
            "country": "DE",
        },
    },
    "payment": {"means_code": "58", "accounts": [{"iban": "DE89370400440532013000"}]},
    "lines": [
        {
            "id": "1",
            "name": "Widget",
            "quantity": "10",
            "unit": "C62",
            "unit_price": "10.00",
            "tax_class": "standard",
        }
    ],
}


def to_public(record: StoredInvoice) -> InvoicePublic:
    """The public shape of a stored invoice."""
    base = f"/v1/invoices/{record.id}"
    content = json.loads(record.invoice_json)
    return InvoicePublic(
        id=record.id,
        status=record.status,
        direction=record.direction,
        number=record.number,
        type_code=record.type_code,
        issue_date=record.issue_date,
        currency=record.currency,
        profile=record.profile,
        syntax=record.syntax,
        seller=record.seller_key,
        buyer=record.buyer_key,
        total_without_vat=record.total_without_vat,
        vat_total=record.vat_total,
        amount_due=record.amount_due,
        totals=content["totals"],
        vat_breakdown=content["vat_breakdown"],
        document_sha256=record.document_sha256,
        signature_kind=record.signature_kind,
        signing_key_id=record.signing_key_id,
        retain_until=record.retain_until,
        created_at=record.created_at,
        links=Links(
            self=base,
            xml=f"{base}/xml",
            signature=f"{base}/signature" if record.signature_sha256 else None,
            report=f"{base}/report",
            data=f"{base}/data",
        ),
    )


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _require(request: Request, allowed: tuple[str, ...]) -> None:
    if _media_type(request) not in allowed:
        raise HTTPException(415, f"send the body as {' or '.join(allowed)}")


def _created(outcome: Any) -> Response:
    public = to_public(outcome.record)
    status = 201 if outcome.created else 200
    return Response(
        content=public.model_dump_json(),
        status_code=status,
        media_type="application/json",
        headers={
            "Location": public.links.self,
            "Idempotent-Replayed": "false" if outcome.created else "true",
        },
    )


@router.post(
    "",
    operation_id="invoices-submit",
    summary="Submit an invoice draft: tax rules, render, validate, sign, store",
    status_code=201,
    response_model=InvoicePublic,
    responses={
        200: {"description": "Idempotent replay of an earlier submission"},
        409: {"description": "Idempotency key reused with another body, or duplicate number"},
        415: {},
        422: {"description": "Problems with the draft or fatal findings of the official rules"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/InvoiceDraft"},
                    "example": DRAFT_EXAMPLE,
                }
            },
        }
    },
)
async def submit_invoice(
    request: Request,
    principal: ErpPrincipal,
    pipeline: PipelineDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Completes, renders, validates, signs and stores a draft; nothing is stored when a step fails."""
    _require(request, ("application/json",))
    body = await request.body()
    try:
        draft = InvoiceDraft.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    outcome = await run_in_threadpool(
        pipeline.submit_draft,
        principal.tenant_id,
        draft,
        request_sha256=hashlib.sha256(body).hexdigest(),
        idempotency_key=idempotency_key,
        api_key_id=principal.key_id,
    )
    return _created(outcome)


@router.post(
    "/xml",
    operation_id="invoices-submit-xml",
    summary="Submit a finished UBL or CII e-invoice: validate, parse, store",
    status_code=201,
    response_model=InvoicePublic,
    responses={200: {"description": "Idempotent replay"}, 409: {}, 413: {}, 415: {}, 422: {}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/xml": {"schema": {"type": "string"}}},
        }
    },
)
async def submit_xml(
    request: Request,
    principal: ErpPrincipal,
    pipeline: PipelineDep,
    profile: Annotated[
        str | None, Query(description="validate as this profile (default: from BT-24)")
    ] = None,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Validates an e-invoice an ERP rendered itself (or an inbound one), parses it into the model and stores it."""
    _require(request, XML_TYPES)
    if profile is not None and profile not in profiles.names():
        raise HTTPException(
            422, f"unknown profile {profile!r}; known: {', '.join(profiles.names())}"
        )
    body = await request.body()
    outcome = await run_in_threadpool(
        pipeline.submit_xml,
        principal.tenant_id,
        body,
        profile=profile,
        idempotency_key=idempotency_key,
        api_key_id=principal.key_id,
    )
    return _created(outcome)


def _load(session: SessionDep, principal: Any, invoice_id: str) -> StoredInvoice:
    record = session.get(StoredInvoice, invoice_id)
    if record is None or record.tenant_id != principal.tenant_id:
        # Another tenant's invoice is indistinguishable from a missing one.
        raise HTTPException(404, f"no invoice {invoice_id}")
    return record


@router.get(
    "/{invoice_id}", operation_id="invoices-get", response_model=InvoicePublic, responses={404: {}}
)
def get_invoice(invoice_id: str, principal: ReaderPrincipal, session: SessionDep) -> InvoicePublic:
    """One stored invoice."""
    return to_public(_load(session, principal, invoice_id))


@router.get(
    "/{invoice_id}/xml",
    operation_id="invoices-get-xml",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}, 404: {}},
)
def get_invoice_xml(
    invoice_id: str, principal: ReaderPrincipal, session: SessionDep, request: Request
) -> Response:
    """The stored e-invoice, exactly as stored (signed when the profile signs enveloped)."""
    record = _load(session, principal, invoice_id)
    data = request.app.state.blobs.get(record.document_sha256)
    return Response(
        content=data, media_type="application/xml", headers={"ETag": f'"{record.document_sha256}"'}
    )


@router.get(
    "/{invoice_id}/signature",
    operation_id="invoices-get-signature",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}, 404: {}},
)
def get_invoice_signature(
    invoice_id: str, principal: ReaderPrincipal, session: SessionDep, request: Request
) -> Response:
    """The detached XAdES signature over the stored document's exact bytes."""
    record = _load(session, principal, invoice_id)
    if not record.signature_sha256:
        raise HTTPException(
            404, "this document carries its signature inside (enveloped); fetch /xml"
        )
    return Response(
        content=request.app.state.blobs.get(record.signature_sha256), media_type="application/xml"
    )


@router.get("/{invoice_id}/data", operation_id="invoices-get-data", responses={404: {}})
def get_invoice_data(invoice_id: str, principal: ReaderPrincipal, session: SessionDep) -> Response:
    """The invoice as EN 16931 JSON (every business term) and, for drafts, the tax engine's trace."""
    record = _load(session, principal, invoice_id)
    body = {
        "invoice": json.loads(record.invoice_json),
        "trace": json.loads(record.trace_json) if record.trace_json else None,
    }
    return Response(content=json.dumps(body), media_type="application/json")


@router.get(
    "/{invoice_id}/report",
    operation_id="invoices-get-report",
    responses={200: {"content": {"application/json": {}, SVRL_TYPE: {}}}, 404: {}},
)
def get_invoice_report(
    invoice_id: str, principal: ReaderPrincipal, session: SessionDep, request: Request
) -> Response:
    """The validation report stored with the document (JSON, or SVRL with ``Accept: application/svrl+xml``)."""
    record = _load(session, principal, invoice_id)
    data = json.loads(record.report_json)
    if SVRL_TYPE in request.headers.get("accept", ""):
        return Response(content=report_from_json(data).to_svrl(), media_type=SVRL_TYPE)
    return Response(content=json.dumps(data), media_type="application/json")


@router.get("", operation_id="invoices-list", response_model=InvoicesPublic)
def list_invoices(
    principal: ReaderPrincipal,
    session: SessionDep,
    request: Request,
    number: str | None = None,
    seller: Annotated[str | None, Query(description="seller VAT id (or legal id, or name)")] = None,
    buyer: Annotated[str | None, Query(description="buyer VAT id (or legal id, or name)")] = None,
    issued_from: date | None = None,
    issued_to: date | None = None,
    status: str | None = None,
    cursor: Annotated[str | None, Query(max_length=26)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> InvoicesPublic:
    """Stored invoices of the caller's tenant, oldest first, filtered, a page at a time."""
    statement = select(StoredInvoice).where(StoredInvoice.tenant_id == principal.tenant_id)
    if number:
        statement = statement.where(StoredInvoice.number == number)
    if seller:
        statement = statement.where(StoredInvoice.seller_key == seller)
    if buyer:
        statement = statement.where(StoredInvoice.buyer_key == buyer)
    if issued_from:
        statement = statement.where(StoredInvoice.issue_date >= issued_from)
    if issued_to:
        statement = statement.where(StoredInvoice.issue_date <= issued_to)
    if status:
        statement = statement.where(StoredInvoice.status == status)
    if cursor:
        statement = statement.where(StoredInvoice.id > cursor)
    rows = session.exec(statement.order_by(StoredInvoice.id).limit(limit + 1)).all()
    page = rows[:limit]
    return InvoicesPublic(
        data=[to_public(r) for r in page],
        next_cursor=page[-1].id if len(rows) > limit and page else None,
    )
