"""Invoices: submit drafts or finished XML, read stored documents, signatures and reports."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlmodel import Session, col, select

from gateway.api.advisories import invoice_warnings
from gateway.api.deps import ErpPrincipal, PipelineDep, ReaderPrincipal, SessionDep
from gateway.api.field_limits import width_errors
from gateway.api.input_checks import CheckedRoute
from gateway.api.pagination import check_cursor
from gateway.api.schemas import InvoicePublic, InvoicesPublic, InvoiceWarning, Links
from gateway.api.submissions import record_rejection
from gateway.archive.store import Archive
from gateway.auth import Principal
from gateway.pipeline import Outcome, Pipeline
from gateway.tables import StoredInvoice
from schemas import profiles
from schemas.model import InvoiceDraft
from validators.report import report_from_json

router = APIRouter(prefix="/v1/invoices", tags=["invoices"], route_class=CheckedRoute)

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


def to_public(
    record: StoredInvoice, archive: Archive, session: Session, *, personal: bool = False
) -> InvoicePublic:
    """The public shape of a stored invoice (checked against the ledger first).

    Args:
        record: The stored record.
        archive: Opens its sealed content.
        session: The database session.
        personal: Show a natural person's name (single reads by roles that need it);
            list views never do.
    """
    content = json.loads(archive.open_column(session, record, "invoice") or "{}")
    if not personal:
        return public_view(record, content, [], personal=personal)
    report = _stored_report(archive, session, record)
    public = public_view(record, content, _tax_warnings(report), personal=personal)
    engine = report.get("engine")
    public.engine = engine if engine in ("native", "mixed") else "official"
    return public


def public_view(
    record: StoredInvoice,
    content: dict[str, Any],
    tax_warnings: list[InvoiceWarning],
    *,
    personal: bool,
) -> InvoicePublic:
    """The public shape of a record whose invoice JSON (``content``) is already open."""
    base = f"/v1/invoices/{record.id}"
    if record.buyer_is_person:
        buyer = content["buyer"]["name"] if personal else None
    else:
        buyer = record.buyer_key
    if record.seller_key.startswith("h:"):  # a natural-person seller: a keyed token, not a name
        seller = content["seller"]["name"] if personal else None
    else:
        seller = record.seller_key
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
        seller=seller,
        seller_name=record.seller_name,
        buyer=buyer,
        buyer_name=record.buyer_name,
        buyer_is_person=record.buyer_is_person,
        total_without_vat=record.total_without_vat,
        vat_total=record.vat_total,
        amount_due=record.amount_due,
        totals=content["totals"],
        vat_breakdown=content["vat_breakdown"],
        document_sha256=record.document_sha256,
        signature_kind=record.signature_kind,
        signing_key_id=record.signing_key_id,
        retain_until=record.retain_until,
        retention_rule=record.retention_rule,
        restricted=record.restricted,
        created_at=record.created_at,
        warnings=[*invoice_warnings(content), *tax_warnings],
        links=Links(
            self=base,
            xml=f"{base}/xml",
            signature=f"{base}/signature" if record.signature_sha256 else None,
            report=f"{base}/report",
            data=f"{base}/data",
            proof=f"{base}/proof",
        ),
    )


def _stored_report(archive: Archive, session: Session, record: StoredInvoice) -> dict[str, Any]:
    """The stored report's JSON (the caller has checked the record against the ledger)."""
    data: dict[str, Any] = json.loads(
        archive.open_column(session, record, "report", checked=True) or "{}"
    )
    return data


def _tax_warnings(report: dict[str, Any]) -> list[InvoiceWarning]:
    """The tax engine's warnings kept in the stored report (a mandate, a registration abroad)."""
    return [
        InvoiceWarning(code=w["code"], field=w.get("field") or "", message=w["message"])
        for w in report.get("warnings", [])
    ]


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _require(request: Request, allowed: tuple[str, ...]) -> None:
    if _media_type(request) not in allowed:
        raise HTTPException(415, f"send the body as {' or '.join(allowed)}")


def _created(outcome: Outcome, archive: Archive, engine: Any) -> Response:
    """The stored invoice as the submission's answer (201, or 200 for an idempotent replay).

    A record this request created is described from what the pipeline still holds
    in memory (the same JSON the archive sealed); a replay is read back from the archive.
    """
    if outcome.created and outcome.invoice is not None:
        content = outcome.invoice.model_dump(mode="json", exclude_none=True)
        tax_warnings = [
            InvoiceWarning(code=w["code"], field=w.get("field") or "", message=w["message"])
            for w in outcome.warnings
        ]
        public = public_view(outcome.record, content, tax_warnings, personal=True)
        if outcome.prepared is not None:
            public.engine = outcome.prepared.report.engine
    else:
        with Session(engine) as session:
            public = to_public(outcome.record, archive, session, personal=True)
    return Response(
        content=public.model_dump_json(),
        status_code=201 if outcome.created else 200,
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
        413: {},
        415: {},
        422: {"description": "Problems with the draft or fatal findings of the official rules"},
        503: {},
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
    strict: Annotated[
        bool,
        Query(
            description="judge this draft by the official rules (Saxon) even where the gateway "
            "runs their native equivalent (EGW_VALIDATION_ENGINE=auto); the answer's `engine` "
            "says `official`. An idempotent replay returns the stored judgement."
        ),
    ] = False,
) -> Response:
    """Completes, renders, validates, signs and stores a draft; nothing is stored when a step fails."""
    _require(request, ("application/json",))
    body = await request.body()
    # One thread-pool hop for everything that blocks or burns CPU (authentication and
    # the other dependencies are async and read no database on the common path).
    return await run_in_threadpool(
        _submit_draft,
        request.app.state,
        pipeline,
        principal,
        body,
        idempotency_key,
        strict,
    )


def _submit_draft(
    state: Any,
    pipeline: Pipeline,
    principal: Principal,
    body: bytes,
    idempotency_key: str | None,
    strict: bool,
) -> Response:
    """The blocking half of ``POST /v1/invoices`` (runs in the thread pool)."""
    try:
        draft = InvoiceDraft.model_validate_json(body)
        errors: list[Any] = width_errors(draft)
    except ValidationError as exc:
        errors = exc.errors()
    if errors:
        # A refused draft is a rejected submission too (GET /v1/submissions?outcome=rejected).
        record_rejection(
            state.engine,
            tenant_id=principal.tenant_id,
            api_key_id=principal.key_id,
            rules=[str(error.get("type")) for error in errors],
        )
        raise RequestValidationError(errors)
    outcome = pipeline.submit_draft(
        principal.tenant_id,
        draft,
        request_sha256=hashlib.sha256(body).hexdigest(),
        idempotency_key=idempotency_key,
        api_key_id=principal.key_id,
        strict=strict,
    )
    return _created(outcome, state.archive, state.engine)


@router.post(
    "/xml",
    operation_id="invoices-submit-xml",
    summary="Submit a finished UBL or CII e-invoice: validate, parse, store",
    status_code=201,
    response_model=InvoicePublic,
    responses={
        200: {"description": "Idempotent replay"},
        400: {},
        409: {},
        413: {},
        415: {},
        422: {},
        503: {},
    },
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
    state = request.app.state

    def submit() -> Response:  # one thread-pool hop: the pipeline and the answer
        outcome = pipeline.submit_xml(
            principal.tenant_id,
            body,
            profile=profile,
            idempotency_key=idempotency_key,
            api_key_id=principal.key_id,
        )
        return _created(outcome, state.archive, state.engine)

    return await run_in_threadpool(submit)


def _load(session: SessionDep, principal: Any, invoice_id: str) -> StoredInvoice:
    record = session.get(StoredInvoice, invoice_id)
    if record is None or record.tenant_id != principal.tenant_id:
        # Another tenant's invoice is indistinguishable from a missing one.
        raise HTTPException(404, f"no invoice {invoice_id}")
    if record.restricted and not principal.roles & RESTRICTED_READERS:
        # GDPR art. 18: after an erasure request the record is kept for the tax authority
        # (and the compliance officer answering the subject), not processed further.
        raise HTTPException(
            451,
            f"invoice {invoice_id} is restricted after an erasure request (GDPR art. 18); "
            "only the auditor and compliance roles may read it",
        )
    return record


#: Who may still read a record whose processing is restricted (GDPR art. 18).
RESTRICTED_READERS = frozenset({"auditor", "compliance"})


def _archive(request: Request) -> Archive:
    archive: Archive = request.app.state.archive
    return archive


@router.get(
    "/{invoice_id}", operation_id="invoices-get", response_model=InvoicePublic, responses={404: {}}
)
def get_invoice(
    invoice_id: str, principal: ReaderPrincipal, session: SessionDep, request: Request
) -> InvoicePublic:
    """One stored invoice (a natural person's name only for the erp and compliance roles)."""
    personal = bool(principal.roles & {"erp", "compliance"})
    return to_public(
        _load(session, principal, invoice_id), _archive(request), session, personal=personal
    )


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
    data = _archive(request).open_blob(session, record, "document")
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
        content=_archive(request).open_blob(session, record, "signature"),
        media_type="application/xml",
    )


@router.get("/{invoice_id}/data", operation_id="invoices-get-data", responses={404: {}})
def get_invoice_data(
    invoice_id: str, principal: ReaderPrincipal, session: SessionDep, request: Request
) -> Response:
    """The invoice as EN 16931 JSON (every business term) and, for drafts, the tax engine's trace."""
    record = _load(session, principal, invoice_id)
    archive = _archive(request)
    trace = archive.open_column(session, record, "trace")  # checks the record once
    body = {
        "invoice": json.loads(
            archive.open_column(session, record, "invoice", checked=True) or "{}"
        ),
        "trace": json.loads(trace) if trace else None,
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
    data = json.loads(_archive(request).open_column(session, record, "report") or "{}")
    if SVRL_TYPE in request.headers.get("accept", ""):
        return Response(content=report_from_json(data).to_svrl(), media_type=SVRL_TYPE)
    return Response(content=json.dumps(data), media_type="application/json")


@router.get("", operation_id="invoices-list", response_model=InvoicesPublic)
def list_invoices(
    principal: ReaderPrincipal,
    session: SessionDep,
    request: Request,
    number: str | None = None,
    seller: Annotated[
        str | None,
        Query(
            description="seller VAT id, legal id, electronic address, e-mail or name: exact match, "
            "ignoring case, spaces and punctuation in ids (searched through a keyed blind index)"
        ),
    ] = None,
    buyer: Annotated[
        str | None,
        Query(
            description="buyer VAT id, legal id, electronic address, e-mail or name: exact match, "
            "ignoring case, spaces and punctuation in ids (searched through a keyed blind index)"
        ),
    ] = None,
    issued_from: Annotated[date | None, Query(description="first issue date, YYYY-MM-DD")] = None,
    issued_to: Annotated[date | None, Query(description="last issue date, YYYY-MM-DD")] = None,
    status: Annotated[
        Literal[
            "accepted",
            "delivered",
            "delivery_failed",
            "acknowledged",
            "in_process",
            "under_query",
            "conditional_accept",
            "rejected",
            "approved",
            "paid",
        ]
        | None,
        Query(
            description="accepted; delivered or delivery_failed once delivery ended; then the "
            "buyer's Invoice Response (acknowledged, in_process, under_query, conditional_accept, "
            "rejected, approved, paid)"
        ),
    ] = None,
    direction: Annotated[
        Literal["inbound", "outbound"] | None,
        Query(description="outbound (issued here) or inbound (received, e.g. over Peppol AS4)"),
    ] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> InvoicesPublic:
    """Stored invoices of the caller's tenant, oldest first, filtered, a page at a time."""
    check_cursor(cursor)
    statement = select(StoredInvoice).where(StoredInvoice.tenant_id == principal.tenant_id)
    if number:
        statement = statement.where(StoredInvoice.number == number)
    archive = _archive(request)
    if seller:
        matches = archive.matching_records(session, principal.tenant_id, "seller", seller)
        statement = statement.where(col(StoredInvoice.id).in_(matches))
    if buyer:
        matches = archive.matching_records(session, principal.tenant_id, "buyer", buyer)
        statement = statement.where(col(StoredInvoice.id).in_(matches))
    if "auditor" not in principal.roles:
        # GDPR art. 18: restricted records are kept for the tax authority only.
        statement = statement.where(col(StoredInvoice.restricted).is_(False))
    if issued_from:
        statement = statement.where(StoredInvoice.issue_date >= issued_from)
    if issued_to:
        statement = statement.where(StoredInvoice.issue_date <= issued_to)
    if status:
        statement = statement.where(StoredInvoice.status == status)
    if direction:
        statement = statement.where(StoredInvoice.direction == direction)
    if cursor:
        statement = statement.where(StoredInvoice.id > cursor)
    rows = session.exec(statement.order_by(StoredInvoice.id).limit(limit + 1)).all()
    page = rows[:limit]
    return InvoicesPublic(
        data=[to_public(r, archive, session) for r in page],
        next_cursor=page[-1].id if len(rows) > limit and page else None,
    )
