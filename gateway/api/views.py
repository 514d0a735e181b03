"""Readable views of a stored invoice: HTML and PDF, in the caller's language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response
from sqlmodel import Session

from gateway.api.deps import ReaderPrincipal, SessionDep
from gateway.api.invoices import RESTRICTED_READERS
from gateway.auth import Principal
from gateway.show import LANGUAGES, negotiate_language, render_html, render_pdf
from gateway.tables import StoredInvoice
from schemas.model import Invoice

router = APIRouter(prefix="/v1/invoices", tags=["invoices"])

LangQuery = Annotated[
    str | None,
    Query(description="label language (en, de); default from Accept-Language", max_length=8),
]


def stored_invoice(
    request: Request, session: Session, principal: Principal, invoice_id: str
) -> Invoice:
    """The EN 16931 content of one of the caller's tenant's invoices (404 for any other)."""
    record = session.get(StoredInvoice, invoice_id)
    if record is None or record.tenant_id != principal.tenant_id:
        # Another tenant's invoice is indistinguishable from a missing one.
        raise HTTPException(404, f"no invoice {invoice_id}")
    if record.restricted and not principal.roles & RESTRICTED_READERS:
        raise HTTPException(451, f"invoice {invoice_id} is restricted after an erasure request")
    sealed = request.app.state.archive.open_column(session, record, "invoice")
    return Invoice.model_validate_json(sealed or "{}")


def _language(lang: str | None, accept_language: str | None) -> str:
    if lang is None:
        return negotiate_language(accept_language)
    if lang not in LANGUAGES:
        raise HTTPException(422, f"lang must be one of {', '.join(LANGUAGES)}; got {lang!r}")
    return lang


@router.get(
    "/{invoice_id}/html",
    operation_id="invoices-get-html",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}, 404: {}, 422: {}},
)
def get_invoice_html(
    invoice_id: str,
    request: Request,
    principal: ReaderPrincipal,
    session: SessionDep,
    lang: LangQuery = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    """The invoice for people: every business term with name and BT number (attachments inside)."""
    chosen = _language(lang, accept_language)
    invoice = stored_invoice(request, session, principal, invoice_id)
    return Response(
        content=render_html(invoice, lang=chosen),
        media_type="text/html; charset=utf-8",
        headers={"Content-Language": chosen, "Vary": "Accept-Language"},
    )


@router.get(
    "/{invoice_id}/pdf",
    operation_id="invoices-get-pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, 404: {}, 422: {}},
)
def get_invoice_pdf(
    invoice_id: str,
    request: Request,
    principal: ReaderPrincipal,
    session: SessionDep,
    lang: LangQuery = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    """The readable invoice as PDF (printed from the same HTML; attachments embedded)."""
    chosen = _language(lang, accept_language)
    invoice = stored_invoice(request, session, principal, invoice_id)
    return Response(
        content=render_pdf(invoice, lang=chosen),
        media_type="application/pdf",
        headers={
            "Content-Language": chosen,
            "Vary": "Accept-Language",
            # The gateway id, never the number or a party name: file names hold no personal data.
            "Content-Disposition": f'attachment; filename="invoice-{invoice_id}.pdf"',
        },
    )
