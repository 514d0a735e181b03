"""Public API shapes (``*Public``) of the gateway's resources."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from schemas.model import Totals, VatBreakdown


class Links(BaseModel):
    """Where to fetch the parts of a stored invoice."""

    self: str
    xml: str
    signature: str | None
    report: str
    data: str


class InvoicePublic(BaseModel):
    """A stored e-invoice, as the API shows it."""

    id: str = Field(description="Gateway id (ULID)")
    status: str
    direction: str
    number: str = Field(description="BT-1")
    type_code: str = Field(description="BT-3")
    issue_date: date = Field(description="BT-2")
    currency: str = Field(description="BT-5")
    profile: str
    syntax: str
    seller: str = Field(description="Seller VAT id (BT-31), else legal id, else name")
    buyer: str = Field(description="Buyer VAT id (BT-48), else legal id, else name")
    total_without_vat: str = Field(description="BT-109")
    vat_total: str = Field(description="BT-110")
    amount_due: str = Field(description="BT-115")
    totals: Totals = Field(description="BG-22 DOCUMENT TOTALS as completed or parsed")
    vat_breakdown: list[VatBreakdown] = Field(description="BG-23 VAT BREAKDOWN")
    document_sha256: str
    signature_kind: str | None
    signing_key_id: str | None
    retain_until: date | None
    created_at: datetime
    links: Links


class InvoicesPublic(BaseModel):
    """One page of stored invoices."""

    data: list[InvoicePublic]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= to get the next page; null on the last page"
    )


class KeyCreate(BaseModel):
    """A new API key of the caller's tenant."""

    model_config = {"extra": "forbid"}

    name: str = Field(min_length=1, max_length=200)
    roles: list[str] = Field(min_length=1, description="erp, compliance, auditor, admin")
    expires_at: datetime | None = Field(
        default=None, description="Required for auditor keys: access is time-boxed"
    )


class KeyPublic(BaseModel):
    """An API key without its secret."""

    id: str
    name: str
    roles: list[str]
    display_prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class KeyCreated(KeyPublic):
    """A newly created API key: ``key`` is shown this once and never again."""

    key: str


class TenantCreate(BaseModel):
    """A new tenant."""

    model_config = {"extra": "forbid"}

    name: str = Field(min_length=1, max_length=200)
    number_prefix: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9/_.-]*$")


class TenantCreated(BaseModel):
    """A new tenant and its first admin key (shown once)."""

    id: str
    name: str
    admin_key: KeyCreated


class SigningKeyPublic(BaseModel):
    """A signing key as the API shows it: its certificate facts, never the private key."""

    key_id: str = Field(description="Hex SHA-256 fingerprint of the certificate")
    subject: str
    issuer: str
    algorithm: str
    not_before: datetime
    not_after: datetime
    current: bool
    certificate_pem: str


class TenantUpdate(BaseModel):
    """Settings of the caller's tenant."""

    model_config = {"extra": "forbid"}

    number_prefix: str | None = Field(
        max_length=40,
        pattern=r"^[A-Za-z0-9/_.-]*$",
        description="Gap-free series prefix (numbers are prefix + year + counter); null turns numbering off",
    )


class TenantPublic(BaseModel):
    """A tenant as its admin sees it."""

    id: str
    name: str
    number_prefix: str | None
