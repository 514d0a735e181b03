"""The console's pages: sign-in, dashboard, search with CSV export, invoice detail and downloads.

Server-rendered (Jinja2), readable without JavaScript. Roles are those of the API:
every page here reads, so erp, compliance, auditor and admin keys may open it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session, col, select

from gateway.api.deps import SessionDep
from gateway.api.invoices import RESTRICTED_READERS
from gateway.archive import checkpoint, holds
from gateway.archive.store import Archive
from gateway.auth import authenticate
from gateway.console import dashboard as board
from gateway.console import proof, search, verification
from gateway.console.content import invoice_of, party_label, report_of
from gateway.console.errors import ConsoleError, SignInRequired
from gateway.console.render import page
from gateway.console.session import SIGN_OUT_ACTION, ConsoleSession, Sessions, check_csrf
from gateway.console.signature import check as check_signature
from gateway.show import (
    LANGUAGES,
    body_context,
    build,
    negotiate_language,
    render_pdf,
    stylesheet,
)
from gateway.tables import ApiKey, AuditEvent, StoredInvoice

router = APIRouter(prefix="/console", include_in_schema=False)

READ_ROLES = ("erp", "compliance", "auditor", "admin")


def sessions(request: Request) -> Sessions:
    """The app's console session issuer."""
    issuer: Sessions = request.app.state.console_sessions
    return issuer


def current_user(request: Request, session: SessionDep) -> ConsoleSession:
    """The signed-in user with a reading role; otherwise off to the sign-in page."""
    user = sessions(request).read(request, session)
    session.rollback()
    if user is None:
        raise SignInRequired()
    if not user.has(*READ_ROLES):
        raise ConsoleError(403, f"the console needs one of the roles: {', '.join(READ_ROLES)}")
    return user


User = Annotated[ConsoleSession, Depends(current_user)]


def _audit(
    request: Request,
    user_tenant: str,
    key_id: str | None,
    action: str,
    target: str | None,
    outcome: str,
) -> None:
    request.app.state.pipeline.audit(user_tenant, key_id, action, target, outcome, None)


# -- sign-in and sign-out ---------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    """The sign-in form: one field for the API key."""
    response = HTMLResponse("")
    token = sessions(request).login_token(response, request)
    return page(request, "login.html", {"csrf": token, "error": None}, response=response)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    api_key: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Checks the key once and starts a session; the key itself is never stored or shown."""
    issuer = sessions(request)
    issuer.check_login_token(request, csrf)
    principal = authenticate(session, api_key.strip()) if api_key.strip() else None
    record = session.get(ApiKey, principal.key_id) if principal else None
    session.rollback()
    if principal is None or record is None:
        refused = HTMLResponse("", status_code=401)
        token = issuer.login_token(refused, request)
        return page(
            request,
            "login.html",
            {"csrf": token, "error": "Unknown, revoked or expired API key."},
            response=refused,
            status_code=401,
        )
    response = RedirectResponse("/console", status_code=303)
    issuer.start(response, request, record)
    _audit(request, principal.tenant_id, principal.key_id, "console.sign-in", None, "ok")
    return response


@router.post("/logout")
def logout(
    request: Request, user: User, csrf: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    """Ends the session: the cookie goes, and the session id is recorded as signed out."""
    check_csrf(request, user, csrf)
    _audit(
        request,
        user.principal.tenant_id,
        user.principal.key_id,
        SIGN_OUT_ACTION,
        user.session_id,
        "ok",
    )
    response = RedirectResponse("/console/login", status_code=303)
    Sessions.end(response)
    return response


# -- dashboard ----------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, user: User, session: SessionDep) -> Response:
    """Submissions per day, top rejection rules, records due for purge."""
    today = datetime.now(UTC).date()
    tenant = user.principal.tenant_id
    data = board.collect(session, tenant, today=today)
    return page(
        request,
        "dashboard.html",
        {
            "user": user,
            "board": data,
            "chart": board.chart_svg(data.days),
            "today": today,
            "holds_in_force": len(holds.in_force(session, tenant)),
            "checkpoint": checkpoint.latest(session, tenant),
            "verification": verification.last(session, tenant),
        },
    )


# -- search -------------------------------------------------------------------------


@router.get("/invoices", response_class=HTMLResponse)
def invoices(request: Request, user: User, session: SessionDep) -> Response:
    """The search form and one page of results."""
    form, errors = search.parse_form(dict(request.query_params))
    archive = _archive(request)
    auditor = user.has("auditor")
    try:
        rows, next_cursor = search.page(
            session, archive, user.principal.tenant_id, form, auditor=auditor
        )
    except search.CursorError as exc:
        errors["cursor"] = str(exc)
        form = form.model_copy(update={"cursor": None})
        rows, next_cursor = search.page(
            session, archive, user.principal.tenant_id, form, auditor=auditor
        )
    return page(
        request,
        "invoices.html",
        {
            "user": user,
            "form": form,
            "errors": errors,
            "rows": rows,
            "party_label": party_label,
            "next_cursor": next_cursor,
            "sort_keys": search.SortKey.__args__,  # type: ignore[attr-defined]
        },
        status_code=400 if errors else 200,
    )


@router.get("/invoices.csv")
def invoices_csv(request: Request, user: User, session: SessionDep) -> Response:
    """The whole result list of a search as CSV (the filters of the search page)."""
    form, errors = search.parse_form(dict(request.query_params))
    if errors:
        field, message = next(iter(errors.items()))
        raise ConsoleError(400, f"cannot export: {field}: {message}")
    body = "".join(
        search.export_rows(
            session,
            _archive(request),
            user.principal.tenant_id,
            form,
            auditor=user.has("auditor"),
        )
    )
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Response(
        content=body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="invoices-{stamp}.csv"'},
    )


# -- one invoice --------------------------------------------------------------------


def _archive(request: Request) -> Archive:
    archive: Archive = request.app.state.archive
    return archive


def _record(session: Session, user: ConsoleSession, invoice_id: str) -> StoredInvoice:
    record = session.get(StoredInvoice, invoice_id)
    if record is None or record.tenant_id != user.principal.tenant_id:
        # Another tenant's invoice is indistinguishable from a missing one.
        raise ConsoleError(404, "no such invoice in this tenant's archive")
    if record.restricted and not user.principal.roles & RESTRICTED_READERS:
        raise ConsoleError(
            451, "this invoice is restricted after an erasure request (GDPR art. 18)"
        )
    return record


def _language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    return negotiate_language(request.headers.get("accept-language"))


@router.get("/invoices/{invoice_id}", response_class=HTMLResponse)
def invoice_page(invoice_id: str, request: Request, user: User, session: SessionDep) -> Response:
    """The readable invoice, its validation report, signature status, audit trail and downloads."""
    record = _record(session, user, invoice_id)
    archive = _archive(request)
    invoice = invoice_of(session, archive, record)
    lang = _language(request)
    view = build(
        invoice,
        lang=lang,
        attachment_href=lambda index, _: f"/console/invoices/{record.id}/attachments/{index}",
    )
    report = report_of(session, archive, record)
    trail = session.exec(
        select(AuditEvent)
        .where(AuditEvent.tenant_id == record.tenant_id, AuditEvent.target == record.id)
        .order_by(col(AuditEvent.created_at))
    ).all()
    status = check_signature(session, archive, record, request.app.state.keys)
    proof_status = proof.status(session, archive, record, request.app.state.proof_trees)
    timeline = proof.timeline(session, record)
    return page(
        request,
        "invoice.html",
        {
            "user": user,
            "record": record,
            "report": report,
            "findings": report.get("findings", []),
            "signature": status,
            "trail": trail,
            "proof": proof_status,
            "timeline": timeline,
            "lang": lang,
            **body_context(view, top=3),
        },
    )


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content=content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
        },
    )


@router.get("/invoices/{invoice_id}/xml")
def download_xml(invoice_id: str, request: Request, user: User, session: SessionDep) -> Response:
    """The stored e-invoice, byte for byte."""
    record = _record(session, user, invoice_id)
    data = _archive(request).open_blob(session, record, "document")
    return _download(data, "application/xml", f"invoice-{record.id}.xml")


@router.get("/invoices/{invoice_id}/signature")
def download_signature(
    invoice_id: str, request: Request, user: User, session: SessionDep
) -> Response:
    """The detached signature (documents signed inside carry it in the XML)."""
    record = _record(session, user, invoice_id)
    if not record.signature_sha256:
        raise ConsoleError(404, "this document carries its signature inside; download the XML")
    data = _archive(request).open_blob(session, record, "signature")
    return _download(data, "application/xml", f"invoice-{record.id}-signature.xml")


@router.get("/invoices/{invoice_id}/report")
def download_report(invoice_id: str, request: Request, user: User, session: SessionDep) -> Response:
    """The stored validation report (JSON)."""
    record = _record(session, user, invoice_id)
    report = report_of(session, _archive(request), record)
    return _download(
        json.dumps(report).encode(), "application/json", f"invoice-{record.id}-report.json"
    )


@router.get("/invoices/{invoice_id}/pdf")
def download_pdf(invoice_id: str, request: Request, user: User, session: SessionDep) -> Response:
    """The readable invoice as PDF."""
    record = _record(session, user, invoice_id)
    invoice = invoice_of(session, _archive(request), record)
    pdf = render_pdf(invoice, lang=_language(request))
    return _download(pdf, "application/pdf", f"invoice-{record.id}.pdf")


@router.get("/invoices/{invoice_id}/attachments/{index}")
def download_attachment(
    invoice_id: str, index: int, request: Request, user: User, session: SessionDep
) -> Response:
    """An attachment embedded in the invoice (BT-125), always as a download, never shown inline."""
    record = _record(session, user, invoice_id)
    invoice = invoice_of(session, _archive(request), record)
    attached = [d.attachment for d in invoice.supporting_documents if d.attachment]
    if not 0 <= index < len(attached):
        raise ConsoleError(
            404, f"this invoice has {len(attached)} attachment(s); no number {index}"
        )
    attachment = attached[index]
    # The file name comes from the document: keep it to safe characters for the header.
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in attachment.filename)[:100]
    return _download(attachment.content, "application/octet-stream", safe or f"attachment-{index}")


@router.get("/assets/invoice.css")
def invoice_stylesheet() -> Response:
    """The readable invoice's stylesheet (shared with the stand-alone HTML)."""
    return Response(
        content=stylesheet(),
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=3600"},
    )
