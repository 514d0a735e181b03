"""Audit events: who did what, when, with which outcome. Never personal data, never a secret.

An event names an action (``key.create``, ``tenant.update``, ``invoice.read``), its
target by gateway id or route path, and a detail made of roles, rule ids, field
names or counts. Callers add the event to the transaction that does the work, so
the work and its record commit together.
"""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.ids import new_id
from gateway.tables import AuditEvent

_DETAIL_MAX = 2000


def audit_event(
    *,
    tenant_id: str | None,
    api_key_id: str | None,
    action: str,
    target: str | None = None,
    outcome: str = "ok",
    detail: str | None = None,
) -> AuditEvent:
    """One audit event, ready to add to a session (``api_key_id`` None: the command line)."""
    return AuditEvent(
        id=new_id(),
        tenant_id=tenant_id,
        api_key_id=api_key_id,
        action=action,
        target=target[:200] if target else None,
        outcome=outcome,
        detail=detail[:_DETAIL_MAX] if detail else None,
        created_at=datetime.now(UTC),
    )
