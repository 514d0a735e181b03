"""Auditor exports in the console: start one for a period, follow its progress, download the ZIP.

The work is the API's (``gateway.api.archive.start_export_job``: one ExportJob row,
one thread, the ZIP stored sealed); these pages only start it, show its progress
(the job page refreshes itself while the job runs, no script needed) and hand out
the file. Roles as in the API: compliance and auditor. An auditor's export
includes records whose processing is restricted (GDPR art. 18), as the API's does.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session, col, select

from gateway.api.archive import open_export, start_export_job, stream_export
from gateway.api.deps import SessionDep
from gateway.archive import jobs
from gateway.console.errors import ConsoleError
from gateway.console.pages import User, _archive
from gateway.console.render import page
from gateway.console.session import ConsoleSession, check_csrf
from gateway.tables import ExportJob

router = APIRouter(prefix="/console/exports", include_in_schema=False)

EXPORT_ROLES = ("compliance", "auditor")
RUNNING = ("queued", "running")
REFRESH_SECONDS = 3


def _require(user: ConsoleSession) -> None:
    user.require(*EXPORT_ROLES, to="make or download auditor exports")


def _job(session: Session, user: ConsoleSession, job_id: str) -> ExportJob:
    jobs.sweep(session.get_bind().engine)  # a job whose worker died shows failed, not running
    job = session.get(ExportJob, job_id)
    if job is None or job.tenant_id != user.principal.tenant_id:
        raise ConsoleError(404, "no such export in this tenant")
    return job


def _recent(session: Session, tenant_id: str) -> list[ExportJob]:
    return list(
        session.exec(
            select(ExportJob)
            .where(ExportJob.tenant_id == tenant_id)
            .order_by(col(ExportJob.created_at).desc())
            .limit(20)
        ).all()
    )


def parse_period(first: str, last: str) -> tuple[date | None, date | None, dict[str, str]]:
    """The period of a form (two ISO dates), with an error per field that cannot be read."""
    errors: dict[str, str] = {}
    parsed: list[date | None] = []
    for name, text in (("period_from", first), ("period_to", last)):
        try:
            parsed.append(date.fromisoformat(text.strip()))
        except ValueError:
            parsed.append(None)
            errors[name] = "expected a date as YYYY-MM-DD" if text.strip() else "required"
    start, end = parsed
    if start and end and start > end:
        errors["period_to"] = f"the period ends ({end}) before it starts ({start})"
    return start, end, errors


@router.get("", response_class=HTMLResponse)
def list_exports(request: Request, user: User, session: SessionDep) -> Response:
    """The form to start an export, and the tenant's recent exports."""
    _require(user)
    return page(
        request,
        "exports.html",
        {
            "user": user,
            "jobs": _recent(session, user.principal.tenant_id),
            "errors": {},
            "form": {},
        },
    )


@router.post("")
def start_export(
    request: Request,
    user: User,
    session: SessionDep,
    csrf: Annotated[str, Form(max_length=200)] = "",
    period_from: Annotated[str, Form(max_length=20)] = "",
    period_to: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Starts an export of the issue dates in a period; off to its progress page."""
    check_csrf(request, user, csrf)
    _require(user)
    start, end, errors = parse_period(period_from, period_to)
    if errors or start is None or end is None:
        return page(
            request,
            "exports.html",
            {
                "user": user,
                "jobs": _recent(session, user.principal.tenant_id),
                "errors": errors,
                "form": {"period_from": period_from, "period_to": period_to},
            },
            status_code=422,
        )
    job = start_export_job(
        request.app,
        tenant_id=user.principal.tenant_id,
        requested_by=user.principal.key_id,
        period_from=start,
        period_to=end,
        include_restricted=user.has("auditor"),
    )
    return RedirectResponse(f"/console/exports/{job.id}", status_code=303)


@router.get("/{job_id}", response_class=HTMLResponse)
def export_job(job_id: str, request: Request, user: User, session: SessionDep) -> Response:
    """One export: progress while it runs (the page reloads itself), the download when done."""
    _require(user)
    job = _job(session, user, job_id)
    running = job.status in RUNNING
    reload = running and request.query_params.get("reload") != "off"
    return page(
        request,
        "export.html",
        {
            "user": user,
            "job": job,
            "running": running,
            "refresh": REFRESH_SECONDS if reload else None,
        },
    )


@router.get("/{job_id}/status")
def export_status(job_id: str, user: User, session: SessionDep) -> dict[str, object]:
    """Where an export stands, for the job page's script (progressive enhancement)."""
    _require(user)
    job = _job(session, user, job_id)
    return {
        "status": job.status,
        "running": job.status in RUNNING,
        "done": job.progress,
        "total": job.total,
    }


@router.get("/{job_id}/download")
def download_export(job_id: str, request: Request, user: User, session: SessionDep) -> Response:
    """The export ZIP (check it with ``egw archive verify-export`` or its README)."""
    _require(user)
    job = _job(session, user, job_id)
    if job.status != "done" or job.file_ref is None or job.data_key_id is None:
        raise ConsoleError(409, f"this export is {job.status}, not ready to download")
    return stream_export(open_export(session, _archive(request), job), job.id)
