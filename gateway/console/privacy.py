"""Data-subject requests in the console (compliance role only): access (art. 15), erasure (arts. 17, 18).

The subject is identified by name and e-mail together, or by one identifier (VAT
id, legal id, electronic address, e-mail), and found through the blind index by
``gateway.privacy.subject``, the same code as ``/v1/privacy``. Every form is a
POST: what identifies a person never reaches a URL, a log line or a file name.
Erasure shows what it would do first and acts only on a second, confirming form.
Each answer leaves an audit line with counts only, as the API's do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from gateway.api.deps import SessionDep
from gateway.archive import holds
from gateway.console.pages import User, _archive
from gateway.console.render import page
from gateway.console.session import ConsoleSession, check_csrf
from gateway.privacy import subject
from gateway.privacy.subject import Subject, SubjectNotIdentified
from gateway.tables import StoredInvoice

router = APIRouter(prefix="/console/privacy", include_in_schema=False)

PRIVACY_ROLES = ("compliance",)

Text = Annotated[str, Form(max_length=300)]
Token = Annotated[str, Form(max_length=200)]


@dataclass(frozen=True)
class SubjectForm:
    """The identification fields as typed (kept to fill the forms again)."""

    name: str = ""
    email: str = ""
    identifier: str = ""

    def subject(self) -> Subject:
        """The domain value (blank fields are absent)."""
        return Subject(
            name=self.name.strip() or None,
            email=self.email.strip() or None,
            identifier=self.identifier.strip() or None,
        )


def _require(user: ConsoleSession) -> None:
    user.require(*PRIVACY_ROLES, to="answer data-subject requests")


def _form_page(
    request: Request, user: ConsoleSession, form: SubjectForm, error: SubjectNotIdentified
) -> Response:
    fields = [p.field for p in error.problems if p.field]
    return page(
        request,
        "privacy.html",
        {"user": user, "form": form, "error": error.message, "error_fields": fields},
        status_code=422,
    )


def _audit(request: Request, user: ConsoleSession, action: str, result: dict[str, Any]) -> None:
    request.app.state.pipeline.audit(
        user.principal.tenant_id,
        user.principal.key_id,
        action,
        None,
        "answered",
        subject.summary(result),
    )


@router.get("", response_class=HTMLResponse)
def privacy_home(request: Request, user: User) -> Response:
    """The forms: who the request is about, then access or erasure."""
    _require(user)
    return page(
        request,
        "privacy.html",
        {"user": user, "form": SubjectForm(), "error": None, "error_fields": []},
    )


@router.post("/access")
async def subject_access(
    request: Request,
    user: User,
    csrf: Token = "",
    name: Text = "",
    email: Text = "",
    identifier: Text = "",
    download: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Everything stored about the subject (art. 15): as a page, or as a JSON download."""
    check_csrf(request, user, csrf)
    _require(user)
    form = SubjectForm(name, email, identifier)
    wanted = form.subject()

    def run() -> dict[str, Any]:
        with Session(request.app.state.engine) as session:
            return subject.access(session, _archive(request), user.principal.tenant_id, wanted)

    try:
        result = await run_in_threadpool(run)
    except SubjectNotIdentified as exc:
        return _form_page(request, user, form, exc)
    _audit(request, user, "privacy.subject-access", result)
    if download == "json":
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return Response(
            content=json.dumps(result, indent=2, ensure_ascii=False).encode(),
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="subject-access-{stamp}.json"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )
    return page(request, "privacy-access.html", {"user": user, "form": form, "answer": result})


@router.post("/erasure", response_class=HTMLResponse)
def erasure_preview(
    request: Request,
    user: User,
    session: SessionDep,
    csrf: Token = "",
    name: Text = "",
    email: Text = "",
    identifier: Text = "",
) -> Response:
    """What an erasure would do, invoice by invoice; nothing changes until it is confirmed."""
    check_csrf(request, user, csrf)
    _require(user)
    form = SubjectForm(name, email, identifier)
    tenant = user.principal.tenant_id
    archive = _archive(request)
    try:
        found = subject.find(session, archive, tenant, form.subject())
    except SubjectNotIdentified as exc:
        return _form_page(request, user, form, exc)
    whole, held = holds.held_ids(session, archive, tenant)
    today = datetime.now(UTC).date()
    plan = []
    for invoice_id in sorted(found):
        record = session.get(StoredInvoice, invoice_id)
        if record is None:
            continue
        retained = record.retain_until is not None and record.retain_until >= today
        under_hold = whole or invoice_id in held
        plan.append(
            {
                "record": record,
                "action": "restrict" if retained or under_hold else "shred",
                "why": "under legal hold"
                if under_hold
                else "statutory retention (GDPR art. 17(3)(b))"
                if retained
                else "no retention obligation left",
            }
        )
    return page(request, "privacy-erasure.html", {"user": user, "form": form, "plan": plan})


@router.post("/erasure/confirm", response_class=HTMLResponse)
async def erasure(
    request: Request,
    user: User,
    csrf: Token = "",
    name: Text = "",
    email: Text = "",
    identifier: Text = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Answers the erasure request (art. 17): restricted while retention runs (art. 18), else shredded."""
    check_csrf(request, user, csrf)
    _require(user)
    form = SubjectForm(name, email, identifier)
    if confirm != "yes":
        return page(
            request,
            "privacy.html",
            {
                "user": user,
                "form": form,
                "error": "erasure needs the confirmation form; nothing was changed",
                "error_fields": [],
            },
            status_code=422,
        )
    wanted = form.subject()

    def run() -> dict[str, Any]:
        return subject.erase(
            request.app.state.engine,
            _archive(request),
            user.principal.tenant_id,
            wanted,
            today=datetime.now(UTC).date(),
        )

    try:
        result = await run_in_threadpool(run)
    except SubjectNotIdentified as exc:
        return _form_page(request, user, form, exc)
    _audit(request, user, "privacy.erasure", result)
    return page(request, "privacy-erased.html", {"user": user, "result": result})
