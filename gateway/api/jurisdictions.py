"""Jurisdictions: what the gateway knows of a country's VAT (rates, tax classes, mandates, retention, sources).

``egw tax jurisdiction CC`` and ``egw tax classes CC`` print the same values.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from gateway.api.deps import ReaderPrincipal
from tax_rules.pack import Mandate, Pack, Territory, jurisdiction, jurisdictions
from tax_rules.vocabulary import PRODUCT_CLASSES, RATE_BUCKETS

router = APIRouter(prefix="/v1/jurisdictions", tags=["jurisdictions"])

CountryPath = Annotated[
    str, Path(description="ISO 3166-1 alpha-2 code (or a pack alias such as EL, UK)")
]
OnQuery = Annotated[
    date | None, Query(description="the tax point date, YYYY-MM-DD (default: today)")
]


class TaxClassPublic(BaseModel):
    """One tax class a line may carry, and its rate on the date asked for."""

    tax_class: str
    kind: str  # rate_bucket, product (shared vocabulary), pack (this pack only)
    description: str | None
    rate: Decimal | None  # None for exempt (category E)
    follows: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    source: str | None = None


class TaxClassesPublic(BaseModel):
    """The tax classes of a country on a date."""

    country: str
    on: date
    pack_version: str
    classes: list[TaxClassPublic]


class RatePublic(BaseModel):
    """A dated rate or class row with its source."""

    tax_class: str
    rate: Decimal | None
    follows: str | None = None
    valid_from: date
    valid_to: date | None
    source: str
    checked: date


class RetentionPublic(BaseModel):
    """How long invoices are kept and from when."""

    years: int
    starts: str
    source: str
    checked: date


class JurisdictionPublic(BaseModel):
    """A jurisdiction pack as data."""

    country: str
    name: str
    pack_version: str
    aliases: list[str]
    is_eu: bool
    currency: str
    default_profile: str
    formats: list[str]
    rates: list[RatePublic]
    classes: list[RatePublic]
    classes_today: list[TaxClassPublic]
    mandates: list[Mandate]
    retention: RetentionPublic
    territories: list[Territory]
    sources: list[str]


class JurisdictionsPublic(BaseModel):
    """Every jurisdiction the gateway has a pack for."""

    countries: list[str]


def tax_classes(pack: Pack, on: date) -> TaxClassesPublic:
    """The classes of a pack with a rate on ``on`` (plus exempt), described."""
    rates = pack.rates_on(on)
    found: list[TaxClassPublic] = []
    for name in pack.classes_on(on):
        mapped = next((p for p in pack.class_periods(name) if p.covers(on)), None)
        row = mapped or next((p for p in pack.rate_periods(name) if p.covers(on)), None)
        kind = (
            "product"
            if name in PRODUCT_CLASSES
            else "rate_bucket"
            if name in RATE_BUCKETS
            else "pack"
        )
        found.append(
            TaxClassPublic(
                tax_class=name,
                kind=kind,
                description=PRODUCT_CLASSES.get(name) or RATE_BUCKETS.get(name),
                rate=rates.get(name),
                follows=mapped.follows if mapped else None,
                valid_from=row.valid_from if row else None,
                valid_to=row.valid_to if row else None,
                source=row.source if row else None,
            )
        )
    return TaxClassesPublic(country=pack.country, on=on, pack_version=pack.version, classes=found)


def describe(pack: Pack, on: date) -> JurisdictionPublic:
    """Everything of a pack: rates, classes, mandates, retention, territories and their sources."""
    rows = [
        RatePublic(
            tax_class=p.tax_class,
            rate=p.rate,
            valid_from=p.valid_from,
            valid_to=p.valid_to,
            source=p.source,
            checked=p.checked,
        )
        for p in pack.rates
    ]
    classes = [
        RatePublic(
            tax_class=p.tax_class,
            rate=p.rate,
            follows=p.follows,
            valid_from=p.valid_from,
            valid_to=p.valid_to,
            source=p.source,
            checked=p.checked,
        )
        for p in pack.classes
    ]
    retention = pack.retention
    sources = {r.source for r in (*rows, *classes)} | {m.source for m in pack.mandates}
    sources |= {retention.source} | {t.source for t in pack.territories}
    return JurisdictionPublic(
        country=pack.country,
        name=pack.name,
        pack_version=pack.version,
        aliases=list(pack.aliases),
        is_eu=pack.is_eu,
        currency=pack.currency,
        default_profile=pack.default_profile,
        formats=list(pack.formats),
        rates=rows,
        classes=classes,
        classes_today=tax_classes(pack, on).classes,
        mandates=sorted(pack.mandates, key=lambda m: (m.start, m.scope)),
        retention=RetentionPublic(
            years=retention.years,
            starts=retention.starts,
            source=retention.source,
            checked=retention.checked,
        ),
        territories=list(pack.territories),
        sources=sorted(sources),
    )


@router.get(
    "",
    operation_id="jurisdictions-list",
    summary="The countries the gateway has a VAT pack for",
    response_model=JurisdictionsPublic,
)
def list_jurisdictions(principal: ReaderPrincipal) -> JurisdictionsPublic:
    """Every jurisdiction pack's country code."""
    return JurisdictionsPublic(countries=jurisdictions())


@router.get(
    "/{country}",
    operation_id="jurisdictions-get",
    summary="A country's VAT rates, tax classes, e-invoicing mandates, retention and sources",
    response_model=JurisdictionPublic,
    responses={422: {"description": "no pack for that country (the problem lists them)"}},
)
def get_jurisdiction(
    country: CountryPath, principal: ReaderPrincipal, on: OnQuery = None
) -> JurisdictionPublic:
    """One jurisdiction pack as data."""
    return describe(jurisdiction(country, field="country"), on or date.today())


@router.get(
    "/{country}/tax-classes",
    operation_id="jurisdictions-tax-classes",
    summary="The tax classes a draft line may carry for this country, with their rates on a date",
    response_model=TaxClassesPublic,
    responses={422: {"description": "no pack for that country (the problem lists them)"}},
)
def get_tax_classes(
    country: CountryPath, principal: ReaderPrincipal, on: OnQuery = None
) -> TaxClassesPublic:
    """The tax classes of one jurisdiction on a date."""
    return tax_classes(jurisdiction(country, field="country"), on or date.today())
