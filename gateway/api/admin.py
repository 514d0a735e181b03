"""Administration: tenants and API keys (admin role)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request
from sqlmodel import select

from gateway.api.deps import AdminPrincipal, SessionDep
from gateway.api.schemas import (
    KeyCreate,
    KeyCreated,
    KeyPublic,
    SigningKeyPublic,
    TenantCreate,
    TenantCreated,
    TenantPublic,
    TenantUpdate,
)
from gateway.auth import ROLES, create_key
from gateway.ids import new_id
from gateway.tables import ApiKey, Tenant

router = APIRouter(prefix="/v1/admin", tags=["admin"])


def _public(record: ApiKey) -> KeyPublic:
    return KeyPublic(
        id=record.id,
        name=record.name,
        roles=record.roles.split(","),
        display_prefix=record.display_prefix,
        created_at=record.created_at,
        expires_at=record.expires_at,
        revoked_at=record.revoked_at,
    )


def _check_roles(roles: list[str], expires_at: datetime | None) -> None:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise HTTPException(422, f"unknown roles {', '.join(unknown)}; known: {', '.join(ROLES)}")
    if "auditor" in roles and expires_at is None:
        raise HTTPException(422, "auditor keys are time-boxed: give expires_at")


@router.post("/keys", operation_id="admin-create-key", status_code=201, response_model=KeyCreated)
def create_api_key(body: KeyCreate, principal: AdminPrincipal, session: SessionDep) -> KeyCreated:
    """Creates an API key of the caller's tenant; its secret is in this response only."""
    _check_roles(body.roles, body.expires_at)
    with session.begin():
        record, token = create_key(
            session,
            tenant_id=principal.tenant_id,
            name=body.name,
            roles=body.roles,
            expires_at=body.expires_at,
        )
    return KeyCreated(**_public(record).model_dump(), key=token)


@router.get("/keys", operation_id="admin-list-keys", response_model=list[KeyPublic])
def list_api_keys(principal: AdminPrincipal, session: SessionDep) -> list[KeyPublic]:
    """The API keys of the caller's tenant (never their secrets)."""
    rows = session.exec(
        select(ApiKey).where(ApiKey.tenant_id == principal.tenant_id).order_by(ApiKey.id)
    ).all()
    return [_public(r) for r in rows]


@router.delete(
    "/keys/{key_id}", operation_id="admin-revoke-key", response_model=KeyPublic, responses={404: {}}
)
def revoke_api_key(key_id: str, principal: AdminPrincipal, session: SessionDep) -> KeyPublic:
    """Revokes a key of the caller's tenant at once."""
    with session.begin():
        record = session.get(ApiKey, key_id)
        if record is None or record.tenant_id != principal.tenant_id:
            raise HTTPException(404, f"no key {key_id}")
        if record.revoked_at is None:
            record.revoked_at = datetime.now(UTC)
            session.add(record)
    session.refresh(record)
    return _public(record)


@router.post(
    "/tenants", operation_id="admin-create-tenant", status_code=201, response_model=TenantCreated
)
def create_tenant(
    body: TenantCreate, principal: AdminPrincipal, session: SessionDep
) -> TenantCreated:
    """Creates a tenant with its first admin key (shown once). The creator gets no access to it."""
    with session.begin():
        tenant = Tenant(
            id=new_id(),
            name=body.name,
            number_prefix=body.number_prefix,
            created_at=datetime.now(UTC),
        )
        session.add(tenant)
        session.flush()
        record, token = create_key(
            session, tenant_id=tenant.id, name="initial admin", roles=["admin"]
        )
    return TenantCreated(
        id=tenant.id,
        name=tenant.name,
        admin_key=KeyCreated(**_public(record).model_dump(), key=token),
    )


@router.get(
    "/signing-keys", operation_id="admin-list-signing-keys", response_model=list[SigningKeyPublic]
)
def list_signing_keys(principal: AdminPrincipal, request: Request) -> list[SigningKeyPublic]:
    """The gateway's signing keys (certificates only), the current one marked."""
    ring = request.app.state.keys
    current = ring.current.key_id
    return [
        SigningKeyPublic(
            key_id=key.key_id,
            subject=key.subject,
            issuer=key.certificate.issuer.rfc4514_string(),
            algorithm=key.algorithm,
            not_before=key.certificate.not_valid_before_utc,
            not_after=key.certificate.not_valid_after_utc,
            current=key.key_id == current,
            certificate_pem=key.certificate_pem().decode("ascii"),
        )
        for key in ring.keys()
    ]


@router.patch("/tenant", operation_id="admin-update-tenant", response_model=TenantPublic)
def update_tenant(
    body: TenantUpdate, principal: AdminPrincipal, session: SessionDep
) -> TenantPublic:
    """Sets the caller's tenant number series prefix (null: drafts must carry their number)."""
    with session.begin():
        tenant = session.get(Tenant, principal.tenant_id)
        if tenant is None:
            raise HTTPException(404, "no such tenant")
        tenant.number_prefix = body.number_prefix
        session.add(tenant)
    return TenantPublic(id=tenant.id, name=tenant.name, number_prefix=tenant.number_prefix)
