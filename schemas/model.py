"""EN 16931-1:2017 semantic data model of the core invoice, as typed values.

Every business group (BG-1..BG-32) and business term (BT-1..BT-165) of the core
invoice has a place here; each field's description starts with its BT/BG number.
Money, quantities and rates are ``Decimal`` (strings on the wire, never floats).

Two top-level models share one vocabulary:

* :class:`InvoiceDraft` is what an ERP sends (DESIGN.md, "The draft contract"):
  totals, VAT breakdown and line VAT may be left for the tax engine to complete;
  lines and allowances may name a ``tax_class`` instead of a VAT category.
* :class:`Invoice` is a complete invoice: every line has its net amount and VAT
  category, the totals (BG-22) and the VAT breakdown (BG-23) are present. It is
  what the syntax bindings render and what they parse into.

Unknown fields are an error, not ignored. Fields that can hold personal data are
tagged (``personal_data_fields``) so that the archive can encrypt them and logs
can leave them out.

>>> draft = InvoiceDraft.model_validate({
...     "number": "INV-1", "issue_date": "2026-11-01", "currency": "EUR",
...     "seller": {"name": "S GmbH", "address": {"country": "DE"}},
...     "buyer": {"name": "B SARL", "address": {"country": "FR"}},
...     "lines": [{"id": "1", "name": "Widget", "quantity": "2", "unit": "C62",
...                "unit_price": "10.00", "tax_class": "standard"}]})
>>> draft.lines[0].quantity * draft.lines[0].unit_price
Decimal('20.00')
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic.config import JsonDict  # defined there; pydantic.json_schema only re-imports it

from schemas import codelist

# ---------------------------------------------------------------------------
# Value types
# ---------------------------------------------------------------------------

PERSONAL: JsonDict = {"x-personal-data": True}
"""Field marker: the value can identify a natural person (GDPR)."""

TermSpec = str | dict[str, str]
"""The business term a field holds: ``"BT-31"`` or a group ``"BG-4"``; in a group used in
several places (an address, a contact, an allowance) a mapping from the enclosing group to
the term (``{"BG-5": "BT-37", "BG-8": "BT-52"}``); in an identifier, ``"^"`` is the term of
the field holding it and ``"^-1"`` that term's scheme (``BT-29-1``)."""


def term(bt: TermSpec, *, personal: bool = False) -> JsonDict:
    """Field metadata as data: the EN 16931 business term or group a field holds.

    ``schemas.terms.business_term`` resolves it for a path in the model.

    >>> term("BT-41", personal=True)
    {'bt': 'BT-41', 'x-personal-data': True}
    """
    extra: JsonDict = {"bt": bt if isinstance(bt, str) else dict(bt.items())}
    if personal:
        extra.update(PERSONAL)
    return extra


def _no_float(value: Any) -> Any:
    # Floats are accepted for convenience but converted through their shortest
    # repr, so 0.1 becomes Decimal("0.1") and not 0.1000000000000000055...
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return value


# Largest magnitude the gateway accepts for any number: 15 integer digits, so that
# every product and sum the EN 16931 rules ask for stays exact in a 28-digit Decimal
# context (a trillion of anything is already beyond any invoice).
_LIMIT_DIGITS = 15


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number")
    # adjusted() (the exponent of the leading digit) instead of abs(): abs() of
    # "1e999999999" overflows the decimal context and raised instead of refusing.
    if value and value.adjusted() >= _LIMIT_DIGITS:
        raise ValueError(f"{value} is too large: numbers must stay below 10^15")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -12:
        raise ValueError(f"{value} has too many decimals: at most 12")
    return value


def _max_two_decimals(value: Decimal) -> Decimal:
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and value != value.quantize(Decimal("0.01")):
        raise ValueError(f"an amount may have at most 2 decimals (EN 16931 BR-DEC), got {value}")
    return value


Number = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_finite)]
"""A decimal quantity, price or percentage with any number of decimals."""

Amount = Annotated[
    Decimal, BeforeValidator(_no_float), AfterValidator(_finite), AfterValidator(_max_two_decimals)
]
"""A monetary amount with at most two decimals (EN 16931 BR-DEC rules)."""

Percent = Annotated[
    Decimal, BeforeValidator(_no_float), AfterValidator(_finite), Field(ge=0, le=100)
]
"""A percentage between 0 and 100 (VAT rates)."""


def _code(name: str, allowed: frozenset[str]) -> AfterValidator:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"{value!r} is not a {name} code")
        return value

    return AfterValidator(check)


def _currency(value: str) -> str:
    if not codelist.is_currency(value):
        raise ValueError(f"{value!r} is not an ISO 4217 currency code (such as EUR)")
    return value


def _country(value: str) -> str:
    if not codelist.is_country(value):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (such as DE)")
    return value


_UNIT_PATTERN = re.compile(r"^[A-Z0-9]{1,3}$")


def _unit(value: str) -> str:
    if not _UNIT_PATTERN.match(value):
        raise ValueError(f"{value!r} is not a UN/ECE Recommendation 20/21 unit code (such as C62)")
    return value


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(_strip), Field(min_length=1)]
"""A non-empty text, surrounding white space removed."""

CurrencyCode = Annotated[str, BeforeValidator(_strip), AfterValidator(_currency)]
CountryCode = Annotated[str, BeforeValidator(_strip), AfterValidator(_country)]
UnitCode = Annotated[str, BeforeValidator(_strip), AfterValidator(_unit)]
VatCategory = Annotated[
    str, BeforeValidator(_strip), _code("UNCL5305 VAT category", codelist.VAT_CATEGORY_CODES)
]
PaymentMeansCode = Annotated[
    str, BeforeValidator(_strip), _code("UNCL4461 payment means", codelist.PAYMENT_MEANS_CODES)
]
DocumentTypeCode = Annotated[
    str,
    BeforeValidator(lambda v: str(v).strip() if isinstance(v, int | str) else v),
    _code(
        "UNTDID 1001 invoice or credit note type",
        codelist.INVOICE_TYPE_CODES | codelist.CREDIT_NOTE_TYPE_CODES,
    ),
]


class _Model(BaseModel):
    """Base of every model value: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# ---------------------------------------------------------------------------
# Shared groups
# ---------------------------------------------------------------------------


class Identifier(_Model):
    """An identifier with an optional identification scheme (ISO 6523 ICD, EAS, ...)."""

    value: Text = Field(description="The identifier.", json_schema_extra=term("^"))
    scheme: str | None = Field(
        default=None,
        description="Scheme identifier (the BT-n-1 of the identifier's term).",
        json_schema_extra=term("^-1"),
    )

    @model_validator(mode="before")
    @classmethod
    def _from_plain_text(cls, data: Any) -> Any:
        return {"value": data} if isinstance(data, str) else data


class Address(_Model):
    """A postal address (BG-5 seller, BG-8 buyer, BG-12 tax representative, BG-15 deliver-to).

    The ``lines`` are address lines 1-3 (e.g. BT-35, BT-36, BT-162 for the seller).
    """

    lines: tuple[Text, ...] = Field(
        default=(),
        max_length=3,
        description="BT-35/36/162, BT-50/51/163, BT-64/65/164, BT-75/76/165 Address lines 1 to 3.",
        json_schema_extra=term(
            {
                "BG-5": "BT-35/BT-36/BT-162",
                "BG-8": "BT-50/BT-51/BT-163",
                "BG-12": "BT-64/BT-65/BT-164",
                "BG-15": "BT-75/BT-76/BT-165",
            },
            personal=True,
        ),
    )
    city: Text | None = Field(
        default=None,
        description="BT-37/52/66/77 City.",
        json_schema_extra=term(
            {"BG-5": "BT-37", "BG-8": "BT-52", "BG-12": "BT-66", "BG-15": "BT-77"}
        ),
    )
    postal_code: Text | None = Field(
        default=None,
        description="BT-38/53/67/78 Post code.",
        json_schema_extra=term(
            {"BG-5": "BT-38", "BG-8": "BT-53", "BG-12": "BT-67", "BG-15": "BT-78"}, personal=True
        ),
    )
    subdivision: Text | None = Field(
        default=None,
        description="BT-39/54/68/79 Country subdivision.",
        json_schema_extra=term(
            {"BG-5": "BT-39", "BG-8": "BT-54", "BG-12": "BT-68", "BG-15": "BT-79"}
        ),
    )
    country: CountryCode = Field(
        description="BT-40/55/69/80 Country code (ISO 3166-1 alpha-2).",
        json_schema_extra=term(
            {"BG-5": "BT-40", "BG-8": "BT-55", "BG-12": "BT-69", "BG-15": "BT-80"}
        ),
    )


class Contact(_Model):
    """BG-6 SELLER CONTACT / BG-9 BUYER CONTACT."""

    name: Text | None = Field(
        default=None,
        description="BT-41/56 Contact point.",
        json_schema_extra=term({"BG-6": "BT-41", "BG-9": "BT-56"}, personal=True),
    )
    phone: Text | None = Field(
        default=None,
        description="BT-42/57 Contact telephone number.",
        json_schema_extra=term({"BG-6": "BT-42", "BG-9": "BT-57"}, personal=True),
    )
    email: Text | None = Field(
        default=None,
        description="BT-43/58 Contact email address.",
        json_schema_extra=term({"BG-6": "BT-43", "BG-9": "BT-58"}, personal=True),
    )


class Period(_Model):
    """A period: BG-14 INVOICING PERIOD (BT-73, BT-74) or BG-26 INVOICE LINE PERIOD (BT-134, BT-135)."""

    start: date | None = Field(
        default=None,
        description="BT-73/134 Period start date.",
        json_schema_extra=term({"BG-14": "BT-73", "BG-26": "BT-134"}),
    )
    end: date | None = Field(
        default=None,
        description="BT-74/135 Period end date.",
        json_schema_extra=term({"BG-14": "BT-74", "BG-26": "BT-135"}),
    )

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.start and self.end and self.end < self.start:
            raise ValueError(
                f"the period ends ({self.end}) before it starts ({self.start}) (BR-29/BR-30)"
            )
        return self


class Note(_Model):
    """BG-1 INVOICE NOTE. A plain string is accepted as the note text."""

    subject_code: str | None = Field(
        default=None,
        description="BT-21 Invoice note subject code.",
        json_schema_extra=term("BT-21"),
    )
    text: Text = Field(description="BT-22 Invoice note.", json_schema_extra=term("BT-22"))

    @model_validator(mode="before")
    @classmethod
    def _from_plain_text(cls, data: Any) -> Any:
        return {"text": data} if isinstance(data, str) else data


# ---------------------------------------------------------------------------
# Parties
# ---------------------------------------------------------------------------


class _Party(_Model):
    name: Text = Field(
        description="BT-27 Seller name / BT-44 Buyer name.",
        json_schema_extra=term({"BG-4": "BT-27", "BG-7": "BT-44"}, personal=True),
    )
    trading_name: Text | None = Field(
        default=None,
        description="BT-28/45 Trading name.",
        json_schema_extra=term({"BG-4": "BT-28", "BG-7": "BT-45"}, personal=True),
    )
    identifiers: tuple[Identifier, ...] = Field(
        default=(),
        description="BT-29/46 Party identifier(s) with scheme BT-29-1/46-1.",
        json_schema_extra=term({"BG-4": "BT-29", "BG-7": "BT-46"}),
    )
    legal_id: Identifier | None = Field(
        default=None,
        description="BT-30/47 Legal registration identifier (scheme BT-30-1/47-1).",
        json_schema_extra=term({"BG-4": "BT-30", "BG-7": "BT-47"}),
    )
    vat_id: Text | None = Field(
        default=None,
        description="BT-31/48 VAT identifier, with country prefix.",
        json_schema_extra=term({"BG-4": "BT-31", "BG-7": "BT-48"}),
    )
    electronic_address: Identifier | None = Field(
        default=None,
        description="BT-34/49 Electronic address with its EAS scheme (BT-34-1/49-1).",
        json_schema_extra=term({"BG-4": "BT-34", "BG-7": "BT-49"}, personal=True),
    )
    address: Address = Field(
        description="BG-5 / BG-8 Postal address.",
        json_schema_extra=term({"BG-4": "BG-5", "BG-7": "BG-8"}),
    )
    contact: Contact | None = Field(
        default=None,
        description="BG-6 / BG-9 Contact.",
        json_schema_extra=term({"BG-4": "BG-6", "BG-7": "BG-9"}),
    )
    is_natural_person: bool = Field(
        default=False,
        description="Not an EN 16931 term: the party is a natural person, so its name, "
        "address and contact are personal data (GDPR) and, for a buyer, the supply is B2C.",
    )


class Seller(_Party):
    """BG-4 SELLER."""

    tax_registration_id: Text | None = Field(
        default=None,
        description="BT-32 Seller tax registration identifier (local tax number).",
        json_schema_extra=term("BT-32"),
    )
    additional_legal_info: Text | None = Field(
        default=None,
        description="BT-33 Seller additional legal information.",
        json_schema_extra=term("BT-33"),
    )


class Buyer(_Party):
    """BG-7 BUYER."""

    identifiers: tuple[Identifier, ...] = Field(
        default=(),
        max_length=1,
        description="BT-46 Buyer identifier (scheme BT-46-1).",
        json_schema_extra=term("BT-46"),
    )


class Payee(_Model):
    """BG-10 PAYEE, when someone other than the seller is paid."""

    name: Text = Field(
        description="BT-59 Payee name.", json_schema_extra=term("BT-59", personal=True)
    )
    identifier: Identifier | None = Field(
        default=None,
        description="BT-60 Payee identifier (scheme BT-60-1).",
        json_schema_extra=term("BT-60"),
    )
    legal_id: Identifier | None = Field(
        default=None,
        description="BT-61 Payee legal registration identifier (scheme BT-61-1).",
        json_schema_extra=term("BT-61"),
    )


class TaxRepresentative(_Model):
    """BG-11 SELLER TAX REPRESENTATIVE PARTY."""

    name: Text = Field(
        description="BT-62 Seller tax representative name.", json_schema_extra=term("BT-62")
    )
    vat_id: Text = Field(
        description="BT-63 Seller tax representative VAT identifier.",
        json_schema_extra=term("BT-63"),
    )
    address: Address = Field(
        description="BG-12 Seller tax representative postal address.",
        json_schema_extra=term("BG-12"),
    )


class Delivery(_Model):
    """BG-13 DELIVERY INFORMATION (the actual delivery date BT-72 is ``Invoice.delivery_date``)."""

    party_name: Text | None = Field(
        default=None,
        description="BT-70 Deliver to party name.",
        json_schema_extra=term("BT-70", personal=True),
    )
    location_id: Identifier | None = Field(
        default=None,
        description="BT-71 Deliver to location identifier (scheme BT-71-1).",
        json_schema_extra=term("BT-71"),
    )
    address: Address | None = Field(
        default=None, description="BG-15 Deliver to address.", json_schema_extra=term("BG-15")
    )


# ---------------------------------------------------------------------------
# Payment
# ---------------------------------------------------------------------------


class CreditTransfer(_Model):
    """BG-17 CREDIT TRANSFER: an account the buyer pays into."""

    account_id: Text = Field(
        validation_alias=AliasChoices("account_id", "iban"),
        description="BT-84 Payment account identifier (IBAN for SEPA).",
        json_schema_extra=term("BT-84", personal=True),
    )
    account_name: Text | None = Field(
        default=None,
        description="BT-85 Payment account name.",
        json_schema_extra=term("BT-85", personal=True),
    )
    service_provider_id: Text | None = Field(
        default=None,
        validation_alias=AliasChoices("service_provider_id", "bic"),
        description="BT-86 Payment service provider identifier (BIC).",
        json_schema_extra=term("BT-86"),
    )


class PaymentCard(_Model):
    """BG-18 PAYMENT CARD INFORMATION."""

    account_number: Text = Field(
        description="BT-87 Payment card primary account number (only the last 4 to 6 digits).",
        json_schema_extra=term("BT-87", personal=True),
    )
    holder_name: Text | None = Field(
        default=None,
        description="BT-88 Payment card holder name.",
        json_schema_extra=term("BT-88", personal=True),
    )

    @model_validator(mode="after")
    def _masked(self) -> PaymentCard:
        digits = re.sub(r"\D", "", self.account_number)
        if len(digits) > 6:
            raise ValueError(
                "BT-87 may hold only the last 4 to 6 digits of the card number, never the full number"
            )
        return self


class DirectDebit(_Model):
    """BG-19 DIRECT DEBIT."""

    mandate_reference: Text | None = Field(
        default=None,
        description="BT-89 Mandate reference identifier.",
        json_schema_extra=term("BT-89"),
    )
    creditor_id: Text | None = Field(
        default=None,
        description="BT-90 Bank assigned creditor identifier.",
        json_schema_extra=term("BT-90"),
    )
    debited_account_id: Text | None = Field(
        default=None,
        description="BT-91 Debited account identifier.",
        json_schema_extra=term("BT-91", personal=True),
    )


class Payment(_Model):
    """BG-16 PAYMENT INSTRUCTIONS, with the payment terms (BT-20)."""

    means_code: PaymentMeansCode | None = Field(
        default=None,
        description="BT-81 Payment means type code (UNCL4461).",
        json_schema_extra=term("BT-81"),
    )
    means_text: Text | None = Field(
        default=None, description="BT-82 Payment means text.", json_schema_extra=term("BT-82")
    )
    remittance_information: Text | None = Field(
        default=None, description="BT-83 Remittance information.", json_schema_extra=term("BT-83")
    )
    accounts: tuple[CreditTransfer, ...] = Field(
        default=(), description="BG-17 CREDIT TRANSFER.", json_schema_extra=term("BG-17")
    )
    card: PaymentCard | None = Field(
        default=None, description="BG-18 PAYMENT CARD INFORMATION.", json_schema_extra=term("BG-18")
    )
    direct_debit: DirectDebit | None = Field(
        default=None, description="BG-19 DIRECT DEBIT.", json_schema_extra=term("BG-19")
    )
    terms: Text | None = Field(
        default=None, description="BT-20 Payment terms.", json_schema_extra=term("BT-20")
    )


# ---------------------------------------------------------------------------
# References and attachments
# ---------------------------------------------------------------------------


class PrecedingInvoice(_Model):
    """BG-3 PRECEDING INVOICE REFERENCE."""

    number: Text = Field(
        description="BT-25 Preceding Invoice reference.", json_schema_extra=term("BT-25")
    )
    issue_date: date | None = Field(
        default=None,
        description="BT-26 Preceding Invoice issue date.",
        json_schema_extra=term("BT-26"),
    )


class Attachment(_Model):
    """BT-125 Attached document, with its MIME code (BT-125-1) and filename (BT-125-2)."""

    content: bytes = Field(
        description="BT-125 Attached document (base64 in JSON).", json_schema_extra=term("BT-125")
    )
    mime_code: Text = Field(
        description="BT-125-1 Attached document Mime code.", json_schema_extra=term("BT-125-1")
    )
    filename: Text = Field(
        description="BT-125-2 Attached document Filename.", json_schema_extra=term("BT-125-2")
    )

    model_config = ConfigDict(
        frozen=True, extra="forbid", ser_json_bytes="base64", val_json_bytes="base64"
    )


class SupportingDocument(_Model):
    """BG-24 ADDITIONAL SUPPORTING DOCUMENTS."""

    id: Text = Field(
        description="BT-122 Supporting document reference.", json_schema_extra=term("BT-122")
    )
    description: Text | None = Field(
        default=None,
        description="BT-123 Supporting document description.",
        json_schema_extra=term("BT-123"),
    )
    external_uri: Text | None = Field(
        default=None,
        description="BT-124 External document location.",
        json_schema_extra=term("BT-124"),
    )
    attachment: Attachment | None = Field(
        default=None, description="BT-125 Attached document.", json_schema_extra=term("BT-125")
    )


# ---------------------------------------------------------------------------
# Allowances, charges, totals, VAT breakdown
# ---------------------------------------------------------------------------


class _AllowanceChargeFields(_Model):
    amount: Amount = Field(
        description="BT-92/99 Document level allowance/charge amount.",
        json_schema_extra=term({"BG-20": "BT-92", "BG-21": "BT-99"}),
    )
    base_amount: Amount | None = Field(
        default=None,
        description="BT-93/100 Base amount.",
        json_schema_extra=term({"BG-20": "BT-93", "BG-21": "BT-100"}),
    )
    percentage: Number | None = Field(
        default=None,
        description="BT-94/101 Percentage (no rule bounds it: a negative or above-100 value is "
        "accepted, as EN 16931 accepts it).",
        json_schema_extra=term({"BG-20": "BT-94", "BG-21": "BT-101"}),
    )
    vat_category: VatCategory | None = Field(
        default=None,
        description="BT-95/102 VAT category code (UNCL5305).",
        json_schema_extra=term({"BG-20": "BT-95", "BG-21": "BT-102"}),
    )
    vat_rate: Percent | None = Field(
        default=None,
        description="BT-96/103 VAT rate.",
        json_schema_extra=term({"BG-20": "BT-96", "BG-21": "BT-103"}),
    )
    reason: Text | None = Field(
        default=None,
        description="BT-97/104 Reason.",
        json_schema_extra=term({"BG-20": "BT-97", "BG-21": "BT-104"}),
    )
    reason_code: Text | None = Field(
        default=None,
        description="BT-98/105 Reason code (UNCL5189 allowances, UNCL7161 charges).",
        json_schema_extra=term({"BG-20": "BT-98", "BG-21": "BT-105"}),
    )

    @model_validator(mode="after")
    def _has_reason(self) -> _AllowanceChargeFields:
        if self.reason is None and self.reason_code is None:
            raise ValueError("give a reason or a reason code (BR-33/BR-38)")
        return self


class AllowanceCharge(_AllowanceChargeFields):
    """BG-20 DOCUMENT LEVEL ALLOWANCES or BG-21 DOCUMENT LEVEL CHARGES (by the list holding it)."""

    vat_category: VatCategory = Field(
        description="BT-95/102 VAT category code (UNCL5305).",
        json_schema_extra=term({"BG-20": "BT-95", "BG-21": "BT-102"}),
    )


class AllowanceChargeDraft(_AllowanceChargeFields):
    """A document level allowance or charge as an ERP sends it: VAT by ``tax_class`` or explicit."""

    tax_class: Text | None = Field(
        default=None,
        description="Not an EN 16931 term: the jurisdiction pack's tax class (standard, reduced, ...) "
        "from which the engine derives BT-95/102 and BT-96/103.",
    )


class LineAllowanceCharge(_Model):
    """BG-27 INVOICE LINE ALLOWANCES or BG-28 INVOICE LINE CHARGES (by the list holding it)."""

    amount: Amount = Field(
        description="BT-136/141 Line allowance/charge amount.",
        json_schema_extra=term({"BG-27": "BT-136", "BG-28": "BT-141"}),
    )
    base_amount: Amount | None = Field(
        default=None,
        description="BT-137/142 Base amount.",
        json_schema_extra=term({"BG-27": "BT-137", "BG-28": "BT-142"}),
    )
    percentage: Number | None = Field(
        default=None,
        description="BT-138/143 Percentage (unbounded, as for BT-94/101).",
        json_schema_extra=term({"BG-27": "BT-138", "BG-28": "BT-143"}),
    )
    reason: Text | None = Field(
        default=None,
        description="BT-139/144 Reason.",
        json_schema_extra=term({"BG-27": "BT-139", "BG-28": "BT-144"}),
    )
    reason_code: Text | None = Field(
        default=None,
        description="BT-140/145 Reason code.",
        json_schema_extra=term({"BG-27": "BT-140", "BG-28": "BT-145"}),
    )

    @model_validator(mode="after")
    def _has_reason(self) -> LineAllowanceCharge:
        if self.reason is None and self.reason_code is None:
            raise ValueError("give a reason or a reason code (BR-42/BR-44)")
        return self


class Totals(_Model):
    """BG-22 DOCUMENT TOTALS (rules BR-CO-10 to BR-CO-16 bind them together)."""

    line_net_total: Amount = Field(
        description="BT-106 Sum of Invoice line net amount.", json_schema_extra=term("BT-106")
    )
    allowance_total: Amount | None = Field(
        default=None,
        description="BT-107 Sum of allowances on document level.",
        json_schema_extra=term("BT-107"),
    )
    charge_total: Amount | None = Field(
        default=None,
        description="BT-108 Sum of charges on document level.",
        json_schema_extra=term("BT-108"),
    )
    total_without_vat: Amount = Field(
        description="BT-109 Invoice total amount without VAT.", json_schema_extra=term("BT-109")
    )
    vat_total: Amount | None = Field(
        default=None,
        description="BT-110 Invoice total VAT amount.",
        json_schema_extra=term("BT-110"),
    )
    vat_total_accounting_currency: Amount | None = Field(
        default=None,
        description="BT-111 Invoice total VAT amount in accounting currency.",
        json_schema_extra=term("BT-111"),
    )
    total_with_vat: Amount = Field(
        description="BT-112 Invoice total amount with VAT.", json_schema_extra=term("BT-112")
    )
    paid_amount: Amount | None = Field(
        default=None, description="BT-113 Paid amount.", json_schema_extra=term("BT-113")
    )
    rounding_amount: Amount | None = Field(
        default=None, description="BT-114 Rounding amount.", json_schema_extra=term("BT-114")
    )
    amount_due: Amount = Field(
        description="BT-115 Amount due for payment.", json_schema_extra=term("BT-115")
    )


class VatBreakdown(_Model):
    """BG-23 VAT BREAKDOWN: one entry per VAT category and rate."""

    taxable_amount: Amount = Field(
        description="BT-116 VAT category taxable amount.", json_schema_extra=term("BT-116")
    )
    vat_amount: Amount = Field(
        description="BT-117 VAT category tax amount.", json_schema_extra=term("BT-117")
    )
    category: VatCategory = Field(
        description="BT-118 VAT category code (UNCL5305).", json_schema_extra=term("BT-118")
    )
    rate: Percent | None = Field(
        default=None, description="BT-119 VAT category rate.", json_schema_extra=term("BT-119")
    )
    exemption_reason: Text | None = Field(
        default=None,
        description="BT-120 VAT exemption reason text.",
        json_schema_extra=term("BT-120"),
    )
    exemption_reason_code: Text | None = Field(
        default=None,
        description="BT-121 VAT exemption reason code (VATEX).",
        json_schema_extra=term("BT-121"),
    )


# ---------------------------------------------------------------------------
# Lines
# ---------------------------------------------------------------------------


class Classification(_Model):
    """BT-158 Item classification identifier, with scheme (BT-158-1) and version (BT-158-2)."""

    value: Text = Field(
        description="BT-158 Item classification identifier.", json_schema_extra=term("BT-158")
    )
    scheme: Text | None = Field(
        default=None,
        description="BT-158-1 Scheme identifier (UNTDID 7143).",
        json_schema_extra=term("BT-158-1"),
    )
    version: Text | None = Field(
        default=None,
        description="BT-158-2 Scheme version identifier.",
        json_schema_extra=term("BT-158-2"),
    )


class ItemAttribute(_Model):
    """BG-32 ITEM ATTRIBUTES."""

    name: Text = Field(description="BT-160 Item attribute name.", json_schema_extra=term("BT-160"))
    value: Text = Field(
        description="BT-161 Item attribute value.", json_schema_extra=term("BT-161")
    )


class _LineFields(_Model):
    id: Text = Field(
        description="BT-126 Invoice line identifier.", json_schema_extra=term("BT-126")
    )
    note: Text | None = Field(
        default=None, description="BT-127 Invoice line note.", json_schema_extra=term("BT-127")
    )
    object_id: Identifier | None = Field(
        default=None,
        description="BT-128 Invoice line object identifier (scheme BT-128-1).",
        json_schema_extra=term("BT-128"),
    )
    quantity: Number = Field(
        description="BT-129 Invoiced quantity.", json_schema_extra=term("BT-129")
    )
    unit: UnitCode = Field(
        description="BT-130 Invoiced quantity unit of measure code (UN/ECE Rec 20/21).",
        json_schema_extra=term("BT-130"),
    )
    net_amount: Amount | None = Field(
        default=None,
        description="BT-131 Invoice line net amount.",
        json_schema_extra=term("BT-131"),
    )
    order_line_reference: Text | None = Field(
        default=None,
        description="BT-132 Referenced purchase order line reference.",
        json_schema_extra=term("BT-132"),
    )
    accounting_reference: Text | None = Field(
        default=None,
        description="BT-133 Invoice line Buyer accounting reference.",
        json_schema_extra=term("BT-133"),
    )
    period: Period | None = Field(
        default=None, description="BG-26 INVOICE LINE PERIOD.", json_schema_extra=term("BG-26")
    )
    allowances: tuple[LineAllowanceCharge, ...] = Field(
        default=(), description="BG-27 INVOICE LINE ALLOWANCES.", json_schema_extra=term("BG-27")
    )
    charges: tuple[LineAllowanceCharge, ...] = Field(
        default=(), description="BG-28 INVOICE LINE CHARGES.", json_schema_extra=term("BG-28")
    )
    # BG-29 PRICE DETAILS
    unit_price: Number = Field(
        ge=0,
        description="BG-29 BT-146 Item net price (never negative, BR-27).",
        json_schema_extra=term("BT-146"),
    )
    price_discount: Number | None = Field(
        default=None,
        ge=0,
        description="BT-147 Item price discount (gross price minus net price).",
        json_schema_extra=term("BT-147"),
    )
    gross_price: Number | None = Field(
        default=None,
        ge=0,
        description="BT-148 Item gross price (never negative, BR-28).",
        json_schema_extra=term("BT-148"),
    )
    base_quantity: Number | None = Field(
        default=None,
        gt=0,
        description="BT-149 Item price base quantity.",
        json_schema_extra=term("BT-149"),
    )
    base_quantity_unit: UnitCode | None = Field(
        default=None,
        description="BT-150 Item price base quantity unit of measure code.",
        json_schema_extra=term("BT-150"),
    )
    # BG-30 LINE VAT INFORMATION
    vat_category: VatCategory | None = Field(
        default=None,
        description="BG-30 BT-151 Invoiced item VAT category code (UNCL5305).",
        json_schema_extra=term("BT-151"),
    )
    vat_rate: Percent | None = Field(
        default=None, description="BT-152 Invoiced item VAT rate.", json_schema_extra=term("BT-152")
    )
    # BG-31 ITEM INFORMATION
    name: Text = Field(description="BG-31 BT-153 Item name.", json_schema_extra=term("BT-153"))
    description: Text | None = Field(
        default=None, description="BT-154 Item description.", json_schema_extra=term("BT-154")
    )
    seller_item_id: Text | None = Field(
        default=None,
        description="BT-155 Item Seller's identifier.",
        json_schema_extra=term("BT-155"),
    )
    buyer_item_id: Text | None = Field(
        default=None,
        description="BT-156 Item Buyer's identifier.",
        json_schema_extra=term("BT-156"),
    )
    standard_item_id: Identifier | None = Field(
        default=None,
        description="BT-157 Item standard identifier (scheme BT-157-1, ISO 6523 ICD).",
        json_schema_extra=term("BT-157"),
    )
    classifications: tuple[Classification, ...] = Field(
        default=(),
        description="BT-158 Item classification identifier(s).",
        json_schema_extra=term("BT-158"),
    )
    origin_country: CountryCode | None = Field(
        default=None, description="BT-159 Item country of origin.", json_schema_extra=term("BT-159")
    )
    attributes: tuple[ItemAttribute, ...] = Field(
        default=(), description="BG-32 ITEM ATTRIBUTES.", json_schema_extra=term("BG-32")
    )


class InvoiceLine(_LineFields):
    """BG-25 INVOICE LINE of a complete invoice: net amount and VAT category are known."""

    net_amount: Amount = Field(
        description="BT-131 Invoice line net amount.", json_schema_extra=term("BT-131")
    )
    vat_category: VatCategory = Field(
        description="BG-30 BT-151 Invoiced item VAT category code (UNCL5305).",
        json_schema_extra=term("BT-151"),
    )


ServiceKind = Literal[
    "general",
    "immovable_property",
    "passenger_transport",
    "event_admission",
    "restaurant_catering",
    "short_term_hire",
    "electronic",
]
"""What kind of service a line is, which decides its place of supply (VAT Directive arts. 44-59c)."""


class TaxContext(_Model):
    """Not an EN 16931 term: the seller's distance-selling status (overrides the tenant's tax profile)."""

    oss: bool = Field(
        default=False,
        description="Not an EN 16931 term: the seller is registered under the One-Stop-Shop "
        "(below the threshold this is "
        "the art. 59c(3) option: the customer's country taxes distance sales).",
    )
    eu_distance_sales_over_threshold: bool = Field(
        default=False,
        description="Not an EN 16931 term: the seller's EU-wide distance sales and electronic "
        "services to consumers in "
        "other member states exceed EUR 10,000 this or last year (art. 59c VAT Directive).",
    )


class LineDraft(_LineFields):
    """BG-25 INVOICE LINE as an ERP sends it: the engine derives what is left out."""

    service_kind: ServiceKind | None = Field(
        default=None,
        description="Not an EN 16931 term: the kind of service (a line with a kind is a service); "
        "default the draft's service_kind.",
    )
    place_of_performance: CountryCode | None = Field(
        default=None,
        description="Not an EN 16931 term: where the service is performed or the property lies "
        "(ISO 3166-1), for the kinds taxed there; default the draft's.",
    )

    tax_class: Text | None = Field(
        default=None,
        description="Not an EN 16931 term: the jurisdiction pack's tax class (standard, reduced, ...) "
        "from which the engine derives BT-151 and BT-152.",
    )


# ---------------------------------------------------------------------------
# The invoice
# ---------------------------------------------------------------------------


class _InvoiceFields(_Model):
    number: Text = Field(description="BT-1 Invoice number.", json_schema_extra=term("BT-1"))
    issue_date: date = Field(description="BT-2 Invoice issue date.", json_schema_extra=term("BT-2"))
    type_code: DocumentTypeCode = Field(
        default="380",
        description="BT-3 Invoice type code (UNTDID 1001; 380 commercial invoice, 381 credit note).",
        json_schema_extra=term("BT-3"),
    )
    currency: CurrencyCode = Field(
        description="BT-5 Invoice currency code (ISO 4217).", json_schema_extra=term("BT-5")
    )
    tax_currency: CurrencyCode | None = Field(
        default=None,
        description="BT-6 VAT accounting currency code (ISO 4217).",
        json_schema_extra=term("BT-6"),
    )
    tax_point_date: date | None = Field(
        default=None, description="BT-7 Value added tax point date.", json_schema_extra=term("BT-7")
    )
    tax_point_date_code: Text | None = Field(
        default=None,
        description="BT-8 Value added tax point date code (UNTDID 2005: 3, 35, 432).",
        json_schema_extra=term("BT-8"),
    )
    due_date: date | None = Field(
        default=None, description="BT-9 Payment due date.", json_schema_extra=term("BT-9")
    )
    buyer_reference: Text | None = Field(
        default=None,
        description="BT-10 Buyer reference (the Leitweg-ID for German B2G).",
        json_schema_extra=term("BT-10"),
    )
    project_reference: Text | None = Field(
        default=None, description="BT-11 Project reference.", json_schema_extra=term("BT-11")
    )
    contract_reference: Text | None = Field(
        default=None, description="BT-12 Contract reference.", json_schema_extra=term("BT-12")
    )
    purchase_order_reference: Text | None = Field(
        default=None, description="BT-13 Purchase order reference.", json_schema_extra=term("BT-13")
    )
    sales_order_reference: Text | None = Field(
        default=None, description="BT-14 Sales order reference.", json_schema_extra=term("BT-14")
    )
    receiving_advice_reference: Text | None = Field(
        default=None,
        description="BT-15 Receiving advice reference.",
        json_schema_extra=term("BT-15"),
    )
    despatch_advice_reference: Text | None = Field(
        default=None,
        description="BT-16 Despatch advice reference.",
        json_schema_extra=term("BT-16"),
    )
    tender_reference: Text | None = Field(
        default=None, description="BT-17 Tender or lot reference.", json_schema_extra=term("BT-17")
    )
    invoiced_object_id: Identifier | None = Field(
        default=None,
        description="BT-18 Invoiced object identifier (scheme BT-18-1).",
        json_schema_extra=term("BT-18"),
    )
    buyer_accounting_reference: Text | None = Field(
        default=None,
        description="BT-19 Buyer accounting reference.",
        json_schema_extra=term("BT-19"),
    )
    notes: tuple[Note, ...] = Field(
        default=(), description="BG-1 INVOICE NOTE.", json_schema_extra=term("BG-1")
    )
    business_process: Text | None = Field(
        default=None,
        description="BG-2 BT-23 Business process type (ProfileID in UBL).",
        json_schema_extra=term("BT-23"),
    )
    customization_id: Text | None = Field(
        default=None,
        description="BG-2 BT-24 Specification identifier. Set by the renderer from the profile; "
        "kept as found when parsing.",
        json_schema_extra=term("BT-24"),
    )
    preceding_invoices: tuple[PrecedingInvoice, ...] = Field(
        default=(), description="BG-3 PRECEDING INVOICE REFERENCE.", json_schema_extra=term("BG-3")
    )
    seller: Seller = Field(description="BG-4 SELLER.", json_schema_extra=term("BG-4"))
    buyer: Buyer = Field(description="BG-7 BUYER.", json_schema_extra=term("BG-7"))
    payee: Payee | None = Field(
        default=None, description="BG-10 PAYEE.", json_schema_extra=term("BG-10")
    )
    tax_representative: TaxRepresentative | None = Field(
        default=None,
        description="BG-11 SELLER TAX REPRESENTATIVE PARTY.",
        json_schema_extra=term("BG-11"),
    )
    delivery: Delivery | None = Field(
        default=None, description="BG-13 DELIVERY INFORMATION.", json_schema_extra=term("BG-13")
    )
    delivery_date: date | None = Field(
        default=None, description="BT-72 Actual delivery date.", json_schema_extra=term("BT-72")
    )
    invoice_period: Period | None = Field(
        default=None, description="BG-14 INVOICING PERIOD.", json_schema_extra=term("BG-14")
    )
    payment: Payment | None = Field(
        default=None,
        description="BG-16 PAYMENT INSTRUCTIONS and BT-20 payment terms.",
        json_schema_extra=term("BG-16"),
    )
    supporting_documents: tuple[SupportingDocument, ...] = Field(
        default=(),
        description="BG-24 ADDITIONAL SUPPORTING DOCUMENTS.",
        json_schema_extra=term("BG-24"),
    )

    @property
    def is_credit_note(self) -> bool:
        """Whether UBL renders this document as a ``CreditNote`` (BT-3 is a credit note code)."""
        return codelist.is_credit_note_type(self.type_code)

    @property
    def tax_point(self) -> date:
        """The date whose VAT rates apply: BT-7, else delivery (BT-72), else period end, else issue date."""
        if self.tax_point_date:
            return self.tax_point_date
        if self.delivery_date:
            return self.delivery_date
        if self.invoice_period and self.invoice_period.end:
            return self.invoice_period.end
        return self.issue_date


def _check_allowance_reason_codes(invoice: Any) -> None:
    """Allowance reason codes (BT-98, BT-140) come from UNCL5189 (BR-CL-19)."""
    codes = [a.reason_code for a in invoice.allowances] + [
        a.reason_code for line in invoice.lines for a in line.allowances
    ]
    wrong = sorted({c for c in codes if c is not None and c not in codelist.ALLOWANCE_REASON_CODES})
    if wrong:
        raise ValueError(
            f"allowance reason codes {', '.join(wrong)} are not UNCL5189 codes (BR-CL-19); "
            "charges use UNCL7161 (such as FC for freight)"
        )


class Invoice(_InvoiceFields):
    """A complete EN 16931 invoice or credit note: what is rendered, validated, signed and archived."""

    allowances: tuple[AllowanceCharge, ...] = Field(
        default=(), description="BG-20 DOCUMENT LEVEL ALLOWANCES.", json_schema_extra=term("BG-20")
    )
    charges: tuple[AllowanceCharge, ...] = Field(
        default=(), description="BG-21 DOCUMENT LEVEL CHARGES.", json_schema_extra=term("BG-21")
    )
    totals: Totals = Field(description="BG-22 DOCUMENT TOTALS.", json_schema_extra=term("BG-22"))
    vat_breakdown: tuple[VatBreakdown, ...] = Field(
        min_length=1,
        description="BG-23 VAT BREAKDOWN (at least one, BR-CO-18).",
        json_schema_extra=term("BG-23"),
    )
    lines: tuple[InvoiceLine, ...] = Field(
        min_length=1,
        description="BG-25 INVOICE LINE (at least one, BR-16).",
        json_schema_extra=term("BG-25"),
    )

    @model_validator(mode="after")
    def _allowance_codes(self) -> Invoice:
        _check_allowance_reason_codes(self)
        return self


class InvoiceDraft(_InvoiceFields):
    """What an ERP submits (DESIGN.md, "The draft contract"); the tax engine completes it."""

    number: Text | None = Field(  # type: ignore[assignment]
        default=None,
        description="BT-1 Invoice number; when left out, the gateway assigns the next number of "
        "the tenant's gap-free series.",
        json_schema_extra=term("BT-1"),
    )

    profile: Text | None = Field(
        default=None,
        description="Not an EN 16931 term: the output profile (en16931, peppol-bis-3, xrechnung-3); "
        "default from the seller's jurisdiction pack.",
    )
    syntax: Literal["ubl", "cii"] | None = Field(
        default=None,
        description="Not an EN 16931 term: the output syntax; default from the profile.",
    )
    supply_type: Literal["goods", "services"] = Field(
        default="goods",
        description="Not an EN 16931 term: what is supplied, which decides cross-border VAT "
        "(intra-community supply K for goods, reverse charge AE for services).",
    )
    vat_regime: Literal["normal", "small_business", "not_subject"] = Field(
        default="normal",
        description="Not an EN 16931 term: the seller's VAT status for this invoice: normal, "
        "small-business exemption (category E with the pack's reason), or not subject to VAT (O).",
    )
    tax_context: TaxContext | None = Field(
        default=None,
        description="Not an EN 16931 term: OSS registration and the distance-sales threshold; "
        "when given it wins over the tenant's tax profile.",
    )
    service_kind: ServiceKind | None = Field(
        default=None,
        description="Not an EN 16931 term: the kind of service of every line without its own "
        "(general, immovable_property, passenger_transport, event_admission, restaurant_catering, "
        "short_term_hire, electronic); a kind makes the lines services.",
    )
    place_of_performance: CountryCode | None = Field(
        default=None,
        description="Not an EN 16931 term: where the services are performed (ISO 3166-1).",
    )
    goods_dispatched_to: CountryCode | None = Field(
        default=None,
        description="Not an EN 16931 term: the country the goods are dispatched or transported to, "
        "when it is not the deliver-to country (BT-80).",
    )
    reverse_charge_case: Text | None = Field(
        default=None,
        description="Not an EN 16931 term: a domestic reverse-charge case of the seller's pack "
        "(such as DE construction), making the lines AE with the pack's invoice text.",
    )
    exemption_reason: Text | None = Field(
        default=None,
        description="BT-120 VAT exemption reason text for lines the pack makes exempt (tax class "
        "exempt, category E); the engine supplies the text for K, AE, G, O and small businesses.",
        json_schema_extra=term("BT-120"),
    )
    exemption_reason_code: Text | None = Field(
        default=None,
        description="BT-121 VAT exemption reason code (VATEX) for exempt lines.",
        json_schema_extra=term("BT-121"),
    )
    paid_amount: Amount | None = Field(
        default=None, description="BT-113 Paid amount (an input).", json_schema_extra=term("BT-113")
    )
    rounding_amount: Amount | None = Field(
        default=None,
        description="BT-114 Rounding amount (an input).",
        json_schema_extra=term("BT-114"),
    )
    vat_total_accounting_currency: Amount | None = Field(
        default=None,
        description="BT-111 Invoice total VAT amount in the VAT accounting currency (BT-6), "
        "converted by the ERP at the rate it must use.",
        json_schema_extra=term("BT-111"),
    )
    allowances: tuple[AllowanceChargeDraft, ...] = Field(
        default=(), description="BG-20 DOCUMENT LEVEL ALLOWANCES.", json_schema_extra=term("BG-20")
    )
    charges: tuple[AllowanceChargeDraft, ...] = Field(
        default=(), description="BG-21 DOCUMENT LEVEL CHARGES.", json_schema_extra=term("BG-21")
    )
    totals: Totals | None = Field(
        default=None,
        description="BG-22 DOCUMENT TOTALS; if given, checked against the computed ones.",
        json_schema_extra=term("BG-22"),
    )
    vat_breakdown: tuple[VatBreakdown, ...] = Field(
        default=(),
        description="BG-23 VAT BREAKDOWN; if given, checked against the computed one.",
        json_schema_extra=term("BG-23"),
    )
    lines: tuple[LineDraft, ...] = Field(
        min_length=1,
        description="BG-25 INVOICE LINE (at least one, BR-16).",
        json_schema_extra=term("BG-25"),
    )

    @model_validator(mode="after")
    def _allowance_codes(self) -> InvoiceDraft:
        _check_allowance_reason_codes(self)
        return self


# ---------------------------------------------------------------------------
# Personal data
# ---------------------------------------------------------------------------


def personal_data_fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Lists the dotted paths of the fields tagged as personal data, nested models included.

    >>> "seller.contact.email" in personal_data_fields(Invoice)
    True
    """
    paths: list[str] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get("x-personal-data"):
            paths.append(path)
        for nested in _nested_models(info.annotation):
            paths.extend(personal_data_fields(nested, f"{path}."))
    return paths


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()) or ():
        found.extend(_nested_models(arg))
    return found
