"""Delivery tables (SQLModel): the durable job queue, webhook endpoints, received AS4 messages.

None of these columns holds personal data: jobs name invoices and endpoints by id,
webhook secrets are sealed under a data key, and e-mail addresses are read from
the sealed invoice at send time instead of being copied here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel


class DeliveryJob(SQLModel, table=True):
    """One unit of delivery work: an invoice over one channel, or one webhook event to one endpoint.

    ``dedupe_key`` is unique: enqueueing the same (invoice, channel) twice is a no-op,
    so one invoice is never delivered twice over one channel.
    """

    __tablename__ = "delivery_job"
    __table_args__ = (
        Index("ix_delivery_job_due", "status", "run_after"),
        Index("ix_delivery_job_subject", "tenant_id", "subject_id"),
    )

    id: str = Field(primary_key=True, max_length=26)
    tenant_id: str = Field(foreign_key="tenant.id", max_length=26)
    task: str = Field(max_length=40, description="peppol, email, webhook, mlr")
    dedupe_key: str = Field(unique=True, max_length=200)
    subject_id: str = Field(max_length=26, description="The invoice or webhook endpoint")
    invoice_id: str | None = Field(default=None, max_length=26)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=12, description="todo, doing, done, dead, cancelled")
    attempts: int = 0
    max_attempts: int = 8
    run_after: datetime
    lease_until: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    last_code: int | None = None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None


class WebhookEndpoint(SQLModel, table=True):
    """A tenant's webhook URL with its signing secret (sealed; shown once at creation)."""

    __tablename__ = "webhook_endpoint"

    id: str = Field(primary_key=True, max_length=26)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=26)
    url: str = Field(max_length=2000)
    events: str = Field(max_length=500, description="Comma-separated event types, or *")
    data_key_id: str = Field(max_length=26)
    secret_sealed: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime
    revoked_at: datetime | None = None


class As4Inbound(SQLModel, table=True):
    """An AS4 user message received here (by MessageId): a repeated one is answered, not archived again.

    The signal answered (receipt or error) is sealed: under the data key of the
    invoice the message belongs to (and ledgered with it), or, when it belongs to
    none (a rejected invoice, a response to no invoice of ours), under a data key of
    its own. ``receipt`` held it in clear before revision 0012 and is emptied.
    """

    __tablename__ = "as4_inbound"

    message_id: str = Field(primary_key=True, max_length=300)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=26)
    invoice_id: str | None = Field(default=None, max_length=26)
    outcome: str = Field(max_length=20, description="accepted, rejected, response")
    receipt: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    receipt_content_type: str = Field(max_length=300)
    receipt_sha256: str | None = Field(default=None, max_length=64)
    receipt_ref: str | None = Field(default=None, max_length=200)
    data_key_id: str | None = Field(default=None, max_length=26)
    received_at: datetime
