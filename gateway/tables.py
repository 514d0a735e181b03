"""Database tables (SQLModel): tenants, API keys, stored invoices, number series, audit events.

Amounts are stored as text (exact ``Decimal`` strings) so that SQLite and
PostgreSQL hold the same values; queries never do arithmetic on them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Tenant(SQLModel, table=True):
    """A customer of the gateway: every record belongs to exactly one tenant."""

    id: str = Field(primary_key=True, max_length=26)
    name: str = Field(max_length=200)
    number_prefix: str | None = Field(
        default=None, max_length=40, description="Gap-free series prefix, e.g. INV-"
    )
    created_at: datetime


class ApiKey(SQLModel, table=True):
    """An API key: stored as a SHA-256 hash only, shown once, revocable, optionally time-boxed."""

    __tablename__ = "api_key"

    id: str = Field(primary_key=True, max_length=26)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=26)
    name: str = Field(max_length=200)
    key_hash: str = Field(unique=True, max_length=64)
    display_prefix: str = Field(max_length=16)
    roles: str = Field(
        max_length=200, description="Comma-separated roles: erp, compliance, auditor, admin"
    )
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class StoredInvoice(SQLModel, table=True):
    """One accepted e-invoice: its metadata, its documents (by blob hash) and its reports."""

    __tablename__ = "invoice"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key", name="uq_invoice_idempotency"),
        UniqueConstraint(
            "tenant_id", "direction", "seller_key", "number", name="uq_invoice_number"
        ),
    )

    id: str = Field(primary_key=True, max_length=26)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=26)
    direction: str = Field(
        max_length=10, description="outbound (rendered here) or inbound (received XML)"
    )
    status: str = Field(max_length=20, default="accepted")
    profile: str = Field(max_length=40)
    syntax: str = Field(max_length=20)
    number: str = Field(max_length=200, index=True)
    type_code: str = Field(max_length=3)
    issue_date: date = Field(index=True)
    currency: str = Field(max_length=3)
    seller_key: str = Field(max_length=200, description="Seller VAT id, else legal id, else name")
    seller_name: str = Field(max_length=300)
    buyer_key: str = Field(max_length=200, index=True)
    total_without_vat: str = Field(max_length=40)
    vat_total: str = Field(max_length=40)
    amount_due: str = Field(max_length=40)
    document_sha256: str = Field(max_length=64)
    signature_sha256: str | None = Field(default=None, max_length=64)
    signature_kind: str | None = Field(default=None, max_length=20)
    signing_key_id: str | None = Field(default=None, max_length=64)
    retain_until: date | None = None
    report_json: str = Field(sa_column=Column(Text, nullable=False))
    invoice_json: str = Field(sa_column=Column(Text, nullable=False))
    trace_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    idempotency_key: str | None = Field(default=None, max_length=200)
    request_sha256: str | None = Field(default=None, max_length=64)
    created_at: datetime


class NumberSeries(SQLModel, table=True):
    """The last number given in one tenant's gap-free series for one year."""

    __tablename__ = "number_series"

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=26)
    year: int = Field(primary_key=True)
    last_value: int = 0


class AuditEvent(SQLModel, table=True):
    """Who did what, when, with which outcome. Never holds personal data."""

    __tablename__ = "audit_event"

    id: str = Field(primary_key=True, max_length=26)
    tenant_id: str | None = Field(default=None, index=True, max_length=26)
    api_key_id: str | None = Field(default=None, max_length=26)
    action: str = Field(max_length=60)
    target: str | None = Field(default=None, max_length=200)
    outcome: str = Field(max_length=20)
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime
