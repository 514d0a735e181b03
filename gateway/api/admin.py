"""Administration: a tenant's API keys and settings (admin role); new tenants (platform role).

Every change here is an audit event in the same transaction as the change.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request
from sqlmodel import select

from gateway.api.deps import (
    AdminPrincipal,
    PlatformPrincipal,
    SessionDep,
    WriterSessionDep,
    key_cache,
)
from gateway.api.input_checks import CheckedRoute
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
from gateway.audit import audit_event
from gateway.auth import check_key_request, create_key
from gateway.ids import new_id
from gateway.tables import ApiKey, Tenant

router = APIRouter(prefix="/v1/admin", tags=["admin"], route_class=CheckedRoute)


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


def _key_detail(record: ApiKey) -> str:
    expiry = record.expires_at.isoformat(timespec="seconds") if record.expires_at else "never"
    return f"roles {record.roles}; expires {expiry}"


@router.post(
    "/keys",
    operation_id="admin-create-key",
    status_code=201,
    response_model=KeyCreated,
)
def create_api_key(
    body: KeyCreate, principal: AdminPrincipal, session: WriterSessionDep, request: Request
) -> KeyCreated:
    """Creates an API key of the caller's tenant; its secret is in this response only.

    Auditor keys must expire, within the configured maximum (default 90 days); no
    key may expire in the past. Only a platform key may create another platform key.
    """
    check_key_request(
        body.roles,
        body.expires_at,
        auditor_max_days=request.app.state.settings.auditor_key_max_days,
    )
    if "platform" in body.roles and "platform" not in principal.roles:
        raise HTTPException(403, "only a platform key may create a platform key")
    with session.begin():
        record, token = create_key(
            session,
            tenant_id=principal.tenant_id,
            name=body.name,
            roles=body.roles,
            expires_at=body.expires_at,
        )
        session.add(
            audit_event(
                tenant_id=principal.tenant_id,
                api_key_id=principal.key_id,
                action="key.create",
                target=record.id,
                detail=_key_detail(record),
            )
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
def revoke_api_key(
    key_id: str, principal: AdminPrincipal, session: WriterSessionDep, request: Request
) -> KeyPublic:
    """Revokes a key of the caller's tenant at once (other worker processes: within a second)."""
    with session.begin():
        record = session.get(ApiKey, key_id)
        if record is None or record.tenant_id != principal.tenant_id:
            raise HTTPException(404, f"no key {key_id}")
        if record.revoked_at is None:
            record.revoked_at = datetime.now(UTC)
            session.add(record)
            session.add(
                audit_event(
                    tenant_id=principal.tenant_id,
                    api_key_id=principal.key_id,
                    action="key.revoke",
                    target=record.id,
                    detail=_key_detail(record),
                )
            )
    key_cache(request).forget(key_id)  # after the commit: a read now sees the revocation
    session.refresh(record)
    return _public(record)


@router.post(
    "/tenants", operation_id="admin-create-tenant", status_code=201, response_model=TenantCreated
)
def create_tenant(
    body: TenantCreate, principal: PlatformPrincipal, session: WriterSessionDep
) -> TenantCreated:
    """Creates a tenant with its first admin key (shown once); platform keys only.

    The creator gets no access to the new tenant's data. A tenant admin cannot
    create tenants.
    """
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
        for tenant_id in {principal.tenant_id, tenant.id}:
            # Recorded in both tenants' trails: the platform's and the new tenant's.
            session.add(
                audit_event(
                    tenant_id=tenant_id,
                    api_key_id=principal.key_id,
                    action="tenant.create",
                    target=tenant.id,
                    detail=f"initial admin key {record.id}",
                )
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
    body: TenantUpdate, principal: AdminPrincipal, session: WriterSessionDep
) -> TenantPublic:
    """Changes the caller's tenant: number series prefix (null: drafts carry their number), tax profile.

    Only the fields sent are changed.
    """
    changes = []
    with session.begin():
        tenant = session.get(Tenant, principal.tenant_id)
        if tenant is None:
            raise HTTPException(404, "no such tenant")
        for name in ("number_prefix", "tax_oss", "tax_distance_sales_over_threshold"):
            if name not in body.model_fields_set:
                continue
            value = getattr(body, name)
            if name != "number_prefix" and value is None:
                raise HTTPException(422, f"{name} must be true or false")
            changes.append(f"{name} {getattr(tenant, name)!r} -> {value!r}")
            setattr(tenant, name, value)
        session.add(tenant)
        session.add(
            audit_event(
                tenant_id=tenant.id,
                api_key_id=principal.key_id,
                action="tenant.update",
                target=tenant.id,
                detail="; ".join(changes) or "no change",
            )
        )
    return TenantPublic(
        id=tenant.id,
        name=tenant.name,
        number_prefix=tenant.number_prefix,
        tax_oss=tenant.tax_oss,
        tax_distance_sales_over_threshold=tenant.tax_distance_sales_over_threshold,
    )
