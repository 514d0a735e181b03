"""Invoice Responses (Peppol BIS 63A): the recipient of an invoice tells its sender what it decided."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from gateway.api.deps import ErpPrincipal, SessionDep
from gateway.api.input_checks import CheckedRoute
from gateway.api.invoices import _load
from gateway.audit import audit_event
from gateway.db import writer
from gateway.delivery import invoice_response, respond

router = APIRouter(prefix="/v1/invoices", tags=["invoices"], route_class=CheckedRoute)

ResponseCode = Literal["AB", "IP", "UQ", "CA", "RE", "AP", "PD"]
ReasonCode = Literal[
    "NON", "REF", "LEG", "REC", "QUA", "DEL", "PRI", "QTY", "ITM", "PAY", "UNR", "FIN", "PPD", "OTH"
]
ActionCode = Literal["NOA", "PIN", "NIN", "CNF", "CNP", "CNA", "OTH"]


class TermConcerned(BaseModel):
    """A business term the clarification is about (cac:Condition)."""

    model_config = ConfigDict(extra="forbid")

    term: str = Field(
        max_length=20, pattern=r"^BT-[0-9]{1,3}$", description="The business term, e.g. BT-13"
    )
    description: str | None = Field(default=None, max_length=500, description="What is wrong")


class ReasonIn(BaseModel):
    """A clarification reason (code list OPStatusReason)."""

    model_config = ConfigDict(extra="forbid")

    code: ReasonCode
    text: str | None = Field(default=None, max_length=1000)
    terms: list[TermConcerned] = Field(default_factory=list, max_length=20)


class ActionIn(BaseModel):
    """An action asked of the seller (code list OPStatusAction)."""

    model_config = ConfigDict(extra="forbid")

    code: ActionCode
    text: str | None = Field(default=None, max_length=1000)
    terms: list[TermConcerned] = Field(default_factory=list, max_length=20)


class InvoiceResponseCreate(BaseModel):
    """The recipient's decision on a received invoice, with its clarifications.

    AB acknowledged, IP in process, UQ under query, CA conditionally accepted,
    RE rejected, AP accepted, PD paid; CA, UQ and RE need a reason or an action.
    """

    model_config = ConfigDict(extra="forbid")

    code: ResponseCode
    reasons: list[ReasonIn] = Field(default_factory=list, max_length=20)
    actions: list[ActionIn] = Field(default_factory=list, max_length=20)
    note: str | None = Field(default=None, max_length=1000)
    effective_date: date | None = Field(
        default=None, description="When the status took effect (e.g. the payment date for PD)"
    )


class InvoiceResponsePublic(BaseModel):
    """A response recorded and queued for delivery to the seller's access point."""

    id: str
    invoice_id: str
    code: str
    status: str = Field(description="The invoice's status after this response")
    document_sha256: str = Field(description="SHA-256 of the ApplicationResponse sent")
    job_id: str | None
    created_at: datetime


def _clarifications(body: InvoiceResponseCreate) -> list[invoice_response.Clarification]:
    return [
        invoice_response.Clarification(
            kind=kind,
            code=item.code,
            text=item.text,
            terms=tuple((t.term, t.description) for t in item.terms),
        )
        for kind, items in (("reason", body.reasons), ("action", body.actions))
        for item in items
    ]


@router.post(
    "/{invoice_id}/responses",
    operation_id="invoices-respond",
    summary="Answer a received invoice with a Peppol Invoice Response (sent over AS4)",
    status_code=202,
    response_model=InvoiceResponsePublic,
    responses={404: {}, 409: {}, 422: {}},
)
async def respond_to_invoice(
    invoice_id: str,
    body: InvoiceResponseCreate,
    principal: ErpPrincipal,
    session: SessionDep,
    request: Request,
) -> InvoiceResponsePublic:
    """Records the decision in the invoice's timeline and status, and sends it to the seller."""
    record = _load(session, principal, invoice_id)  # 404 for others' invoices, 451 restricted
    session.expunge(record)
    delivery = request.app.state.delivery
    answered = await run_in_threadpool(
        respond.answer,
        delivery,
        record,
        code=body.code,
        clarifications=_clarifications(body),
        note=body.note,
        effective_date=body.effective_date,
    )
    with Session(writer(request.app.state.engine)) as audit, audit.begin():
        audit.add(
            audit_event(
                tenant_id=principal.tenant_id,
                api_key_id=principal.key_id,
                action="invoice.respond",
                target=invoice_id,
                detail=f"code {body.code}",
            )
        )
    return InvoiceResponsePublic(
        id=answered.response.id,
        invoice_id=invoice_id,
        code=answered.response.code,
        status=answered.status,
        document_sha256=answered.document_sha256,
        job_id=answered.job_id,
        created_at=datetime.now().astimezone(),
    )
