"""Archive integrity in the console: verification runs with progress, and checkpoints on demand.

Roles as in the API: verification for compliance, auditor and admin. A checkpoint
(signing the ledger head now) is offered to compliance and admin; the API also
lets an auditor make one, the console keeps that button to those who run the archive.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from gateway.api.deps import SessionDep
from gateway.archive import checkpoint
from gateway.console import verification
from gateway.console.errors import ConsoleError
from gateway.console.pages import User
from gateway.console.render import page
from gateway.console.session import ConsoleSession, check_csrf
from gateway.db import writer

router = APIRouter(prefix="/console", include_in_schema=False)

VERIFY_ROLES = ("compliance", "auditor", "admin")
CHECKPOINT_ROLES = ("compliance", "admin")
REFRESH_SECONDS = 3


def jobs(request: Request) -> verification.VerificationJobs:
    """The app's verification runs."""
    runner: verification.VerificationJobs = request.app.state.console_verifications
    return runner


def _require_verify(user: ConsoleSession) -> None:
    user.require(*VERIFY_ROLES, to="verify the archive")


@router.get("/verification", response_class=HTMLResponse)
def verification_home(request: Request, user: User, session: SessionDep) -> Response:
    """The last verification result and the button to run one."""
    _require_verify(user)
    return page(
        request,
        "verification.html",
        {
            "user": user,
            "job": verification.last(session, user.principal.tenant_id),
            "running": False,
            "refresh": None,
            "latest": True,
        },
    )


@router.post("/verification")
def start_verification(
    request: Request, user: User, csrf: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    """Starts a verification run of the tenant's archive (or joins the one running)."""
    check_csrf(request, user, csrf)
    _require_verify(user)
    job = jobs(request).start(request.app, user.principal.tenant_id, user.principal.key_id)
    return RedirectResponse(f"/console/verification/{job.id}", status_code=303)


@router.get("/verification/{job_id}", response_class=HTMLResponse)
def verification_job(job_id: str, request: Request, user: User, session: SessionDep) -> Response:
    """One run: progress while it runs (the page reloads itself), then what it found."""
    _require_verify(user)
    job = _job(request, session, user, job_id)
    reload = job.running and request.query_params.get("reload") != "off"
    return page(
        request,
        "verification.html",
        {
            "user": user,
            "job": job,
            "running": job.running,
            "refresh": REFRESH_SECONDS if reload else None,
            "latest": False,
        },
    )


@router.get("/verification/{job_id}/status")
def verification_status(
    job_id: str, request: Request, user: User, session: SessionDep
) -> dict[str, object]:
    """Where a run stands, for the job page's script (progressive enhancement)."""
    _require_verify(user)
    job = _job(request, session, user, job_id)
    return {"status": job.status, "running": job.running, "done": job.done, "total": job.total}


def _job(
    request: Request, session: Session, user: ConsoleSession, job_id: str
) -> verification.VerificationJob:
    job = jobs(request).get(session, user.principal.tenant_id, job_id)
    if job is None:
        raise ConsoleError(404, "no such verification run in this tenant")
    return job


@router.post("/checkpoints")
async def make_checkpoint(
    request: Request, user: User, csrf: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    """Signs (and, with a TSA configured, time-stamps) the ledger head now."""
    check_csrf(request, user, csrf)
    user.require(*CHECKPOINT_ROLES, to="make a checkpoint")

    def make() -> None:
        engine = writer(request.app.state.engine)
        with Session(engine) as session, session.begin():
            checkpoint.make_checkpoint(
                session,
                user.principal.tenant_id,
                request.app.state.keys.current,
                tsa_url=request.app.state.settings.tsa_url,
            )

    await run_in_threadpool(make)
    return RedirectResponse("/console#h-archive", status_code=303)
