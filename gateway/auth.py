"""API keys and roles: keys are random tokens shown once and stored only as SHA-256 hashes.

Roles: ``erp`` (submit, read its tenant's submissions), ``compliance`` (read and
search the tenant's archive), ``auditor`` (read-only, time-boxed by the key's
expiry), ``admin`` (tenants, keys). A key never sees another tenant's data.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, select

from gateway.ids import new_id
from gateway.tables import ApiKey

ROLES = ("erp", "compliance", "auditor", "admin")
KEY_PREFIX = "egw_"


def hash_key(token: str) -> str:
    """The stored form of a key. Keys are 256-bit random tokens, so a plain SHA-256 suffices."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: which key, which tenant, which roles."""

    key_id: str
    tenant_id: str
    roles: frozenset[str]


def create_key(
    session: Session,
    *,
    tenant_id: str,
    name: str,
    roles: list[str],
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Creates a key; returns the stored record and the token, which is never shown again."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(
            f"roles must be some of {', '.join(ROLES)}; got {', '.join(sorted(roles)) or 'none'}"
        )
    token = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(
        id=new_id(),
        tenant_id=tenant_id,
        name=name,
        key_hash=hash_key(token),
        display_prefix=token[:10],
        roles=",".join(sorted(set(roles))),
        created_at=datetime.now(UTC),
        expires_at=expires_at,
    )
    session.add(record)
    return record, token


def authenticate(session: Session, token: str) -> Principal | None:
    """The principal of a token, or None when it is unknown, revoked or expired."""
    record = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(token))).first()
    if record is None or record.revoked_at is not None:
        return None
    if record.expires_at is not None:
        expires = (
            record.expires_at if record.expires_at.tzinfo else record.expires_at.replace(tzinfo=UTC)
        )
        if expires <= datetime.now(UTC):
            return None
    return Principal(
        key_id=record.id, tenant_id=record.tenant_id, roles=frozenset(record.roles.split(","))
    )
