"""Public API shapes (``*Public``) of the gateway's resources."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.model import Totals, VatBreakdown


class Links(BaseModel):
    """Where to fetch the parts of a stored invoice."""

    self: str
    xml: str
    signature: str | None = Field(default=None, description="Only for detached signatures")
    report: str
    data: str
    proof: str | None = None


class InvoiceWarning(BaseModel):
    """Something allowed but probably unintended; the invoice was stored as sent."""

    code: str = Field(description="Stable warning code, e.g. EGW-NEGATIVE-QUANTITY")
    field: str = Field(description="Where, as a draft path (lines.0.quantity)")
    message: str


_INVOICE_EXAMPLE: dict[str, Any] = {
    "id": "01KAZ6Q8Q2V7W3XJ5M0N9P4R6S",
    "status": "accepted",
    "direction": "outbound",
    "number": "INV-2026-0001",
    "type_code": "380",
    "issue_date": "2026-11-01",
    "currency": "EUR",
    "profile": "en16931",
    "syntax": "ubl",
    "seller": "DE811907980",
    "buyer": "DE136695976",
    "total_without_vat": "100.00",
    "vat_total": "19.00",
    "amount_due": "119.00",
    "totals": {
        "line_net_total": "100.00",
        "total_without_vat": "100.00",
        "vat_total": "19.00",
        "total_with_vat": "119.00",
        "amount_due": "119.00",
    },
    "vat_breakdown": [
        {"taxable_amount": "100.00", "vat_amount": "19.00", "category": "S", "rate": "19"}
    ],
    "document_sha256": "9f2c...e1",
    "signature_kind": "enveloped",
    "signing_key_id": "118d8019...",
    "retain_until": "2036-12-31",
    "created_at": "2026-11-01T09:30:00Z",
    "links": {
        "self": "/v1/invoices/01KAZ6Q8Q2V7W3XJ5M0N9P4R6S",
        "xml": "/v1/invoices/01KAZ6Q8Q2V7W3XJ5M0N9P4R6S/xml",
        "signature": None,
        "report": "/v1/invoices/01KAZ6Q8Q2V7W3XJ5M0N9P4R6S/report",
        "data": "/v1/invoices/01KAZ6Q8Q2V7W3XJ5M0N9P4R6S/data",
    },
    "warnings": [],
}


class InvoicePublic(BaseModel):
    """A stored e-invoice, as the API shows it."""

    model_config = ConfigDict(json_schema_extra={"examples": [_INVOICE_EXAMPLE]})

    id: str = Field(description="Gateway id (ULID)")
    status: str
    direction: str
    number: str = Field(description="BT-1")
    type_code: str = Field(description="BT-3")
    issue_date: date = Field(description="BT-2")
    currency: str = Field(description="BT-5")
    profile: str
    syntax: str
    seller: str | None = Field(
        description="Seller VAT id (BT-31), else legal id, else name; null for a natural person "
        "except in single reads by the erp and compliance roles"
    )
    seller_name: str | None = Field(default=None, description="BT-27 of an organisation")
    buyer: str | None = Field(
        description="Buyer VAT id (BT-48), else legal id, else name; null for a natural person "
        "except in single reads by the erp and compliance roles"
    )
    buyer_name: str | None = Field(default=None, description="BT-44 of an organisation")
    buyer_is_person: bool = Field(
        default=False, description="The buyer is a natural person: its data is personal data"
    )
    total_without_vat: str = Field(description="BT-109")
    vat_total: str = Field(description="BT-110")
    amount_due: str = Field(description="BT-115")
    totals: Totals = Field(description="BG-22 DOCUMENT TOTALS as completed or parsed")
    vat_breakdown: list[VatBreakdown] = Field(description="BG-23 VAT BREAKDOWN")
    document_sha256: str
    signature_kind: str | None
    signing_key_id: str | None
    retain_until: date | None
    retention_rule: str | None = Field(
        default=None, description="The jurisdiction pack's rule that set retain_until"
    )
    restricted: bool = Field(
        default=False, description="Processing restricted after an erasure request (GDPR art. 18)"
    )
    created_at: datetime
    links: Links
    warnings: list[InvoiceWarning] = Field(
        default_factory=list,
        description="Allowed by EN 16931 but worth a look (e.g. a negative quantity on a commercial invoice)",
    )
    engine: Literal["native", "official", "mixed"] | None = Field(
        default=None,
        description="Who ran the Schematron rules when the invoice was stored: the native "
        "rules, the official engine (Saxon), or both (mixed: native for the rule sets they "
        "cover completely, Saxon for the rest), as its stored report says; null in list views",
    )


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
    expires_at: AwareDatetime | None = Field(
        default=None,
        description="ISO 8601 date-time with a time zone (e.g. 2026-12-31T23:59:59Z); must be in "
        "the future. Required for auditor keys, at most the configured maximum ahead (default 90 days).",
    )


class KeyPublic(BaseModel):
    """An API key without its secret."""

    id: str
    name: str
    roles: list[str]
    display_prefix: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class KeyCreated(KeyPublic):
    """A newly created API key: ``key`` is shown this once and never again."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "01KAZ6Q8Q2V7W3XJ5M0N9P4R6T",
                    "name": "tax audit 2026",
                    "roles": ["auditor"],
                    "display_prefix": "egw_Rnb8Oo",
                    "created_at": "2026-11-01T09:30:00Z",
                    "expires_at": "2026-12-31T23:59:59Z",
                    "revoked_at": None,
                    "key": "egw_Rnb8Oo...",
                }
            ]
        }
    }

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
        default=None,
        max_length=40,
        pattern=r"^[A-Za-z0-9/_.-]*$",
        description="Gap-free series prefix (numbers are prefix + year + counter); null turns numbering off",
    )
    tax_oss: bool | None = Field(
        default=None,
        description="The tenant is registered under the One-Stop-Shop: its distance sales and "
        "electronic services to consumers in other member states use the customer's rates",
    )
    tax_distance_sales_over_threshold: bool | None = Field(
        default=None,
        description="The tenant's EU distance sales exceed EUR 10,000 (VAT Directive art. 59c); "
        "a draft's own tax_context wins over both settings",
    )


class TenantPublic(BaseModel):
    """A tenant as its admin sees it."""

    id: str
    name: str
    number_prefix: str | None
    tax_oss: bool = False
    tax_distance_sales_over_threshold: bool = False
