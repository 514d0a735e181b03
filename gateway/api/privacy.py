"""Data-subject requests and the record of processing (GDPR arts. 15, 17, 18, 30) over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlmodel import Session

from gateway.api.deps import RequireRole
from gateway.archive.store import Archive
from gateway.auth import Principal
from gateway.db import writer
from gateway.ids import new_id
from gateway.privacy import processing, subject
from gateway.tables import AuditEvent

router = APIRouter(prefix="/v1/privacy", tags=["privacy"])

CompliancePrincipal = Annotated[Principal, Depends(RequireRole("compliance"))]


class SubjectRequest(BaseModel):
    """Who the request is about: name and e-mail together, or an identifier."""

    model_config = {"extra": "forbid"}

    name: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=300)
    identifier: str | None = Field(
        default=None,
        max_length=300,
        description="VAT id, legal id, electronic address or e-mail of the subject",
    )

    def subject(self) -> subject.Subject:
        """The domain value."""
        return subject.Subject(name=self.name, email=self.email, identifier=self.identifier)


def _audit(request: Request, principal: Principal, action: str, detail: str) -> None:
    with Session(writer(request.app.state.engine)) as session, session.begin():
        session.add(
            AuditEvent(
                id=new_id(),
                tenant_id=principal.tenant_id,
                api_key_id=principal.key_id,
                action=action,
                target=None,
                outcome="answered",
                detail=detail,
                created_at=datetime.now(UTC),
            )
        )


def _archive(request: Request) -> Archive:
    archive: Archive = request.app.state.archive
    return archive


@router.post("/subject-access", operation_id="privacy-subject-access")
async def subject_access(
    body: SubjectRequest, principal: CompliancePrincipal, request: Request
) -> dict[str, Any]:
    """Everything stored about a data subject (art. 15), with source, purpose and retention."""

    def run() -> dict[str, Any]:
        with Session(request.app.state.engine) as session:
            return subject.access(session, _archive(request), principal.tenant_id, body.subject())

    result = await run_in_threadpool(run)
    _audit(request, principal, "privacy.subject-access", subject.summary(result))
    return result


@router.post("/erasure", operation_id="privacy-erasure")
async def erasure(
    body: SubjectRequest, principal: CompliancePrincipal, request: Request
) -> dict[str, Any]:
    """Erasure (art. 17): restricted while statutory retention runs (art. 18), shredded otherwise."""

    def run() -> dict[str, Any]:
        return subject.erase(
            request.app.state.engine,
            _archive(request),
            principal.tenant_id,
            body.subject(),
            today=datetime.now(UTC).date(),
        )

    result = await run_in_threadpool(run)
    _audit(request, principal, "privacy.erasure", subject.summary(result))
    return result


@router.get("/processing", operation_id="privacy-processing")
def processing_record(principal: CompliancePrincipal, request: Request) -> dict[str, Any]:
    """The record of processing activities (art. 30) of the caller's tenant."""
    engine = request.app.state.engine
    with Session(engine) as session:
        return processing.report(
            session,
            _archive(request),
            principal.tenant_id,
            database=engine.dialect.name,
            blob_store="filesystem (sealed blobs)",
        )
