"""Submissions: every attempt to submit an invoice, accepted or rejected, from the audit trail.

A rejected submission stores no document and no record; what remains is its
audit event (time, API key, the ids of the rules that failed). This router lists
those events, so an ERP or a compliance officer can find what was refused. It
shows rule ids and field names, never document content.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from gateway.api.deps import ReaderPrincipal, SessionDep
from gateway.api.input_checks import CheckedRoute
from gateway.api.pagination import check_cursor
from gateway.api.problems import problem_responses
from gateway.audit import audit_event
from gateway.db import writer
from gateway.tables import AuditEvent

router = APIRouter(prefix="/v1/submissions", tags=["submissions"], route_class=CheckedRoute)

# Audit actions of submissions (the pipeline records both accepted and rejected ones).
SUBMIT_ACTIONS = ("invoice.submit", "invoice.submit-xml")
_RULES_PREFIX = "rules:"


class SubmissionPublic(BaseModel):
    """One submission attempt."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "01KAZ6Q8Q2V7W3XJ5M0N9P4R6S",
                    "outcome": "rejected",
                    "received_at": "2026-11-02T09:30:00Z",
                    "invoice_id": None,
                    "rules": ["BR-CO-15", "BR-S-08"],
                    "api_key_id": "01KAZ6Q8Q2V7W3XJ5M0N9P4R6T",
                }
            ]
        }
    }

    id: str = Field(description="Audit event id (ULID)")
    outcome: Literal["accepted", "rejected"]
    received_at: datetime
    invoice_id: str | None = Field(description="The stored invoice, when accepted")
    rules: list[str] = Field(
        description="Ids of the rules or checks that refused it (empty when accepted)"
    )
    api_key_id: str | None = Field(description="The key that submitted it")


class SubmissionsPublic(BaseModel):
    """One page of submissions, oldest first."""

    data: list[SubmissionPublic]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= to get the next page; null on the last page"
    )


def _rules(detail: str | None) -> list[str]:
    if not detail or not detail.startswith(_RULES_PREFIX):
        return []
    listed = detail[len(_RULES_PREFIX) :].split(",")
    return [rule.strip() for rule in listed if rule.strip() and rule.strip() != "none"]


def _public(event: AuditEvent) -> SubmissionPublic:
    accepted = event.outcome == "accepted"
    created = event.created_at if event.created_at.tzinfo else event.created_at.replace(tzinfo=UTC)
    return SubmissionPublic(
        id=event.id,
        outcome="accepted" if accepted else "rejected",
        received_at=created,
        invoice_id=event.target if accepted else None,
        rules=[] if accepted else _rules(event.detail),
        api_key_id=event.api_key_id,
    )


def record_rejection(engine: object, *, tenant_id: str, api_key_id: str, rules: list[str]) -> None:
    """Records a submission refused before the pipeline (the draft does not fit the contract)."""
    with Session(writer(engine), expire_on_commit=False) as session, session.begin():  # type: ignore[arg-type]
        session.add(
            audit_event(
                tenant_id=tenant_id,
                api_key_id=api_key_id,
                action="invoice.submit",
                outcome="rejected",
                detail=f"{_RULES_PREFIX} " + (", ".join(sorted(set(rules))) or "none"),
            )
        )


@router.get(
    "",
    operation_id="submissions-list",
    response_model=SubmissionsPublic,
    responses=problem_responses(401, 403, 422),
)
def list_submissions(
    principal: ReaderPrincipal,
    session: SessionDep,
    outcome: Annotated[
        Literal["accepted", "rejected"] | None, Query(description="accepted or rejected")
    ] = None,
    received_from: Annotated[
        date | None, Query(description="first day received, YYYY-MM-DD (UTC)")
    ] = None,
    received_to: Annotated[
        date | None, Query(description="last day received, YYYY-MM-DD (UTC)")
    ] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SubmissionsPublic:
    """Submission attempts of the caller's tenant, oldest first: time, outcome, and the failed rule ids."""
    check_cursor(cursor)
    statement = select(AuditEvent).where(
        AuditEvent.tenant_id == principal.tenant_id,
        AuditEvent.action.in_(SUBMIT_ACTIONS),  # type: ignore[attr-defined]
    )
    if outcome:
        statement = statement.where(AuditEvent.outcome == outcome)
    if received_from:
        start = datetime.combine(received_from, time.min, tzinfo=UTC)
        statement = statement.where(AuditEvent.created_at >= start)
    if received_to:
        end = datetime.combine(received_to + timedelta(days=1), time.min, tzinfo=UTC)
        statement = statement.where(AuditEvent.created_at < end)
    if cursor:
        statement = statement.where(AuditEvent.id > cursor)
    rows = session.exec(statement.order_by(AuditEvent.id).limit(limit + 1)).all()
    page = rows[:limit]
    return SubmissionsPublic(
        data=[_public(r) for r in page],
        next_cursor=page[-1].id if len(rows) > limit and page else None,
    )
