"""Database tables (SQLModel): tenants, API keys, stored invoices, number series, audit events.

Amounts are stored as text (exact ``Decimal`` strings) so that SQLite and
PostgreSQL hold the same values; queries never do arithmetic on them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Tenant(SQLModel, table=True):
    """A customer of the gateway: every record belongs to exactly one tenant."""

    id: str = Field(primary_key=True, max_length=26)
    name: str = Field(max_length=200)
    number_prefix: str | None = Field(
        default=None, max_length=40, description="Gap-free series prefix, e.g. INV-"
    )
    tax_oss: bool = Field(
        default=False, description="Registered under the One-Stop-Shop (VAT Directive art. 369a)"
    )
    tax_distance_sales_over_threshold: bool = Field(
        default=False,
        description="EU distance sales and electronic services over EUR 10,000 (art. 59c)",
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
    seller_key: str = Field(
        max_length=200,
        description="Seller VAT id, else legal id, else name; a keyed token (h:...) for a natural person",
    )
    seller_name: str | None = Field(
        default=None, max_length=300, description="Clear name of an organisation; None for a person"
    )
    buyer_key: str = Field(
        max_length=200,
        index=True,
        description="Buyer VAT id, else legal id, else name; a keyed token (h:...) for a natural person",
    )
    buyer_name: str | None = Field(
        default=None, max_length=300, description="Clear name of an organisation; None for a person"
    )
    buyer_is_person: bool = Field(default=False)
    total_without_vat: str = Field(max_length=40)
    vat_total: str = Field(max_length=40)
    amount_due: str = Field(max_length=40)
    document_sha256: str = Field(max_length=64)
    signature_sha256: str | None = Field(default=None, max_length=64)
    signature_kind: str | None = Field(default=None, max_length=20)
    signing_key_id: str | None = Field(default=None, max_length=64)
    retain_until: date | None = None
    retention_rule: str | None = Field(
        default=None,
        max_length=200,
        description="Which pack rule set retain_until (and its version)",
    )
    restricted: bool = Field(
        default=False, description="GDPR art. 18: processing restricted after an erasure request"
    )
    data_key_id: str | None = Field(
        default=None, max_length=26, description="The record's data key"
    )
    document_ref: str | None = Field(
        default=None, max_length=64, description="Blob of the sealed document (SHA-256 of the seal)"
    )
    signature_ref: str | None = Field(default=None, max_length=64)
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


class DataKey(SQLModel, table=True):
    """A record's data key, stored only wrapped by a key-encryption key; shredding empties it."""

    __tablename__ = "data_key"

    id: str = Field(primary_key=True, max_length=26)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=26)
    kek_id: str | None = Field(default=None, max_length=16)
    wrapped: str | None = Field(
        default=None, max_length=120, description="base64 of the wrapped key"
    )
    created_at: datetime
    destroyed_at: datetime | None = None


class KeyMaterial(SQLModel, table=True):
    """Gateway-wide secrets (the blind-index key), stored wrapped by the KEK."""

    __tablename__ = "key_material"

    name: str = Field(primary_key=True, max_length=40)
    kek_id: str = Field(max_length=16)
    wrapped: str = Field(max_length=120)
    created_at: datetime


class PartyIndex(SQLModel, table=True):
    """Blind index: keyed tokens of a party's identifiers, for exact search without clear text."""

    __tablename__ = "party_index"
    __table_args__ = (Index("ix_party_index_lookup", "tenant_id", "role", "token"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", max_length=26)
    invoice_id: str = Field(foreign_key="invoice.id", index=True, max_length=26)
    role: str = Field(max_length=10, description="buyer or seller")
    token: str = Field(max_length=64)


class LedgerHead(SQLModel, table=True):
    """The newest entry of a tenant's ledger; its row lock serialises appends."""

    __tablename__ = "ledger_head"

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=26)
    size: int = 0
    head_hash: str = Field(max_length=64)


class LedgerEntry(SQLModel, table=True):
    """One archive event, hash-chained to the previous one of the same tenant. Never updated."""

    __tablename__ = "ledger_entry"
    __table_args__ = (Index("ix_ledger_entry_record", "tenant_id", "record_id"),)

    tenant_id: str = Field(foreign_key="tenant.id", primary_key=True, max_length=26)
    seq: int = Field(primary_key=True, description="0, 1, 2, ... per tenant, no gaps")
    kind: str = Field(max_length=40)
    record_id: str | None = Field(default=None, max_length=26)
    body: str = Field(sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64)
    created_at: datetime


class Checkpoint(SQLModel, table=True):
    """A signed tree head of a tenant's ledger, optionally time-stamped (RFC 3161)."""

    __tablename__ = "checkpoint"

    id: str = Field(primary_key=True, max_length=26)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=26)
    tree_size: int
    root_hash: str = Field(max_length=64)
    created_at: datetime
    statement: str = Field(sa_column=Column(Text, nullable=False))
    signature: str = Field(sa_column=Column(Text, nullable=False))
    signing_key_id: str = Field(max_length=64)
    timestamp_token: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    timestamp_note: str | None = Field(default=None, max_length=300)


class LegalHold(SQLModel, table=True):
    """A legal hold: nothing it covers is purged while it is in force."""

    __tablename__ = "legal_hold"

    id: str = Field(primary_key=True, max_length=26)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=26)
    scope: str = Field(max_length=10, description="invoice, buyer, period or tenant")
    invoice_id: str | None = Field(default=None, max_length=26)
    buyer_token: str | None = Field(default=None, max_length=64)
    period_from: date | None = None
    period_to: date | None = None
    reason_sealed: str = Field(sa_column=Column(Text, nullable=False))
    placed_at: datetime
    placed_by: str | None = Field(default=None, max_length=26)
    lifted_at: datetime | None = None
    lifted_by: str | None = Field(default=None, max_length=26)


class ExportJob(SQLModel, table=True):
    """An auditor export being built or ready (the ZIP is stored sealed)."""

    __tablename__ = "export_job"

    id: str = Field(primary_key=True, max_length=26)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=26)
    period_from: date
    period_to: date
    status: str = Field(max_length=12, description="queued, running, done, failed")
    progress: int = 0
    total: int = 0
    data_key_id: str | None = Field(default=None, max_length=26)
    file_ref: str | None = Field(default=None, max_length=200)
    error: str | None = Field(default=None, max_length=300)
    requested_by: str | None = Field(default=None, max_length=26)
    created_at: datetime
    finished_at: datetime | None = None
