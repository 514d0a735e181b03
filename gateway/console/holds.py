"""Legal holds in the console: list, place and lift (compliance role only).

The archive's service functions do the work (gateway.archive.holds); each action
runs in one transaction and is recorded in the tenant's ledger there.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from gateway import db
from gateway.api.deps import SessionDep
from gateway.archive import holds
from gateway.archive.errors import HoldConflict, HoldInvalid
from gateway.console.errors import ConsoleError
from gateway.console.pages import User, _archive
from gateway.console.render import page
from gateway.console.session import ConsoleSession, check_csrf

router = APIRouter(prefix="/console/holds", include_in_schema=False)

HOLD_ROLES = ("compliance",)


def _require_compliance(user: ConsoleSession) -> None:
    if not user.has(*HOLD_ROLES):
        raise ConsoleError(403, "legal holds need the compliance role")


@router.get("", response_class=HTMLResponse)
def list_holds(request: Request, user: User, session: SessionDep) -> Response:
    """The tenant's legal holds in force, and the form to place one."""
    _require_compliance(user)
    in_force = holds.in_force(session, user.principal.tenant_id)
    return page(request, "holds.html", {"user": user, "holds": in_force})


@router.post("")
def place_hold(
    request: Request,
    user: User,
    csrf: Annotated[str, Form(max_length=200)] = "",
    scope: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    invoice_id: Annotated[str, Form(max_length=26)] = "",
    buyer: Annotated[str, Form(max_length=200)] = "",
    period_from: Annotated[date | None, Form()] = None,
    period_to: Annotated[date | None, Form()] = None,
) -> Response:
    """Places a legal hold; a bad request is a 422 page naming what is missing."""
    check_csrf(request, user, csrf)
    _require_compliance(user)
    wanted = holds.HoldRequest(
        scope=scope,
        reason=reason,
        invoice_id=invoice_id or None,
        buyer=buyer or None,
        period_from=period_from,
        period_to=period_to,
    )
    try:
        with Session(db.writer(request.app.state.engine)) as session, session.begin():
            holds.place(
                session,
                _archive(request),
                user.principal.tenant_id,
                wanted,
                actor=user.principal.key_id,
            )
    except (HoldConflict, HoldInvalid) as exc:
        raise ConsoleError(422, f"the hold was not placed: {exc.message}") from None
    return RedirectResponse("/console/holds", status_code=303)


@router.post("/{hold_id}/lift")
def lift_hold(
    hold_id: str,
    request: Request,
    user: User,
    csrf: Annotated[str, Form(max_length=200)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Lifts a legal hold in force (with a reason, recorded in the ledger)."""
    check_csrf(request, user, csrf)
    _require_compliance(user)
    try:
        with Session(db.writer(request.app.state.engine)) as session, session.begin():
            holds.lift(
                session,
                request.app.state.archive,
                user.principal.tenant_id,
                hold_id,
                reason=reason,
                actor=user.principal.key_id,
            )
    except (HoldConflict, HoldInvalid) as exc:
        raise ConsoleError(422, f"the hold was not lifted: {exc.message}") from None
    return RedirectResponse("/console/holds", status_code=303)
