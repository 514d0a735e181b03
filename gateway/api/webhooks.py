"""Webhook endpoints of a tenant (admin role): register (secret shown once), list, revoke, delivery log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlmodel import Session, col, select

from gateway.api.deps import AdminPrincipal, SessionDep, WriterSessionDep
from gateway.api.input_checks import CheckedRoute
from gateway.archive.envelope import associated_data, seal_text
from gateway.audit import audit_event
from gateway.delivery import queue
from gateway.delivery.service import Delivery, job_public
from gateway.delivery.tables import DeliveryJob, WebhookEndpoint
from gateway.delivery.webhook import EVENT_TYPES, check_url, new_secret
from gateway.ids import new_id
from schemas.errors import GatewayError, Problem

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], route_class=CheckedRoute)


class WebhookRefused(GatewayError):
    """A webhook registration that cannot be accepted (its URL or its event types)."""

    status_code = 422


class WebhookCreate(BaseModel):
    """A new endpoint: where to POST, and which events (default: all)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, description="https:// URL receiving the events")
    events: list[str] = Field(
        default_factory=lambda: ["*"],
        max_length=len(EVENT_TYPES) + 1,
        description="Event types, or *",
    )

    @field_validator("events")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v != "*" and v not in EVENT_TYPES]
        if unknown:
            raise ValueError(f"unknown event types {unknown}; use * or some of {list(EVENT_TYPES)}")
        return value or ["*"]


class WebhookPublic(BaseModel):
    """An endpoint as listed (never its secret)."""

    id: str
    url: str
    events: list[str]
    created_at: datetime
    revoked_at: datetime | None


class WebhookCreated(WebhookPublic):
    """A new endpoint with its signing secret: shown in this response only."""

    secret: str = Field(description="HMAC-SHA256 key of the Egw-Signature header; shown once")


def _public(endpoint: WebhookEndpoint) -> WebhookPublic:
    return WebhookPublic(
        id=endpoint.id,
        url=endpoint.url,
        events=endpoint.events.split(","),
        created_at=endpoint.created_at,
        revoked_at=endpoint.revoked_at,
    )


def _delivery(request: Request) -> Delivery:
    delivery: Delivery = request.app.state.delivery
    return delivery


def _endpoint(session: Session, tenant_id: str, endpoint_id: str) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.tenant_id != tenant_id:
        raise HTTPException(404, f"no webhook endpoint {endpoint_id}")
    return endpoint


@router.post("", operation_id="webhooks-create", status_code=201, response_model=WebhookCreated)
def create_webhook(
    body: WebhookCreate, principal: AdminPrincipal, session: WriterSessionDep, request: Request
) -> WebhookCreated:
    """Registers an endpoint; the response holds its signing secret, which is never shown again."""
    delivery = _delivery(request)
    try:
        check_url(body.url, allow_private=delivery.settings.webhook_allow_private)
    except ValueError as exc:
        raise WebhookRefused(
            "the webhook URL was refused",
            problems=[Problem(field="url", message=f"the URL {exc}", rule="webhook.url")],
        ) from None
    secret = new_secret()
    with session.begin():
        endpoint_id = new_id()
        key_id, key = delivery.archive.vault.new_key(session, principal.tenant_id)
        endpoint = WebhookEndpoint(
            id=endpoint_id,
            tenant_id=principal.tenant_id,
            url=body.url,
            events=",".join(dict.fromkeys(body.events)),
            data_key_id=key_id,
            secret_sealed=seal_text(
                key, secret, associated_data(principal.tenant_id, endpoint_id, "webhook-secret")
            ),
            created_at=datetime.now(UTC),
        )
        session.add(endpoint)
        session.add(
            audit_event(
                tenant_id=principal.tenant_id,
                api_key_id=principal.key_id,
                action="webhook.create",
                target=endpoint_id,
                detail=f"events {endpoint.events}",
            )
        )
    return WebhookCreated(**_public(endpoint).model_dump(), secret=secret)


@router.get("", operation_id="webhooks-list", response_model=list[WebhookPublic])
def list_webhooks(principal: AdminPrincipal, session: SessionDep) -> list[WebhookPublic]:
    """The tenant's endpoints, revoked ones included (without secrets)."""
    rows = session.exec(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.tenant_id == principal.tenant_id)
        .order_by(col(WebhookEndpoint.id))
    ).all()
    return [_public(r) for r in rows]


@router.delete(
    "/{endpoint_id}",
    operation_id="webhooks-revoke",
    response_model=WebhookPublic,
    responses={404: {}},
)
def revoke_webhook(
    endpoint_id: str, principal: AdminPrincipal, session: WriterSessionDep
) -> WebhookPublic:
    """Revokes an endpoint at once: nothing more is sent to it, queued events included."""
    with session.begin():
        endpoint = _endpoint(session, principal.tenant_id, endpoint_id)
        if endpoint.revoked_at is None:
            endpoint.revoked_at = datetime.now(UTC)
            session.add(endpoint)
            cancelled = queue.cancel(
                session,
                tenant_id=principal.tenant_id,
                subject_id=endpoint.id,
                reason="the endpoint was revoked",
            )
            session.add(
                audit_event(
                    tenant_id=principal.tenant_id,
                    api_key_id=principal.key_id,
                    action="webhook.revoke",
                    target=endpoint.id,
                    detail=f"{cancelled} queued deliveries cancelled",
                )
            )
    return _public(endpoint)


@router.get("/{endpoint_id}/deliveries", operation_id="webhooks-deliveries", responses={404: {}})
def list_deliveries(
    endpoint_id: str,
    principal: AdminPrincipal,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """The endpoint's delivery log, newest first: event, status, attempts, last answer code."""
    endpoint = _endpoint(session, principal.tenant_id, endpoint_id)
    jobs = session.exec(
        select(DeliveryJob)
        .where(
            DeliveryJob.tenant_id == principal.tenant_id,
            DeliveryJob.subject_id == endpoint.id,
            DeliveryJob.task == "webhook",
        )
        .order_by(col(DeliveryJob.id).desc())
        .limit(limit)
    ).all()
    return {"endpoint_id": endpoint.id, "deliveries": [job_public(j) for j in jobs]}
