"""Jurisdiction packs: one data file per country (``tax_rules/packs/<cc>.toml``), loaded and checked once.

Every pack meets one protocol: ``rate(tax_class, on)``, ``rates_on(on)``,
``valid_rates(on)``, the retention period, the small-business exemption, the
domestic reverse-charge cases and the e-invoicing formats. Rates are ``Decimal``
from strings, each with its validity period and its legal source.

>>> jurisdiction("de").rate("food_service", date(2026, 1, 1))
Decimal('7')
>>> jurisdiction("EL").country
'GR'
"""

from __future__ import annotations

import importlib.resources
import tomllib
from collections import defaultdict
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tax_rules.errors import Problem, TaxRuleError

#: Tax classes every pack may use; packs add their own (food_service, basic_food, ...).
STANDARD_CLASSES = (
    "standard",
    "reduced",
    "reduced_2",
    "super_reduced",
    "zero",
    "parking",
    "exempt",
)


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RatePeriod(_Data):
    """One rate of one tax class over a validity period (``valid_to`` inclusive, open when None)."""

    tax_class: str
    rate: Decimal = Field(ge=0, lt=30)
    valid_from: date
    valid_to: date | None = None
    source: str = Field(min_length=3)

    def covers(self, on: date) -> bool:
        """Whether the rate applies on ``on``."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    @model_validator(mode="after")
    def _ordered(self) -> RatePeriod:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(
                f"{self.tax_class}: valid_to {self.valid_to} before valid_from {self.valid_from}"
            )
        return self


class Retention(_Data):
    """The statutory retention period of invoices."""

    years: int = Field(gt=0, le=30)
    starts: Literal["end_of_calendar_year", "issue_date"]
    source: str


class SmallBusiness(_Data):
    """The small-business VAT exemption: its name and the text the invoice must carry."""

    name: str
    reason: str
    legal_reference: str


class ReverseChargeCase(_Data):
    """A domestic reverse-charge case (the buyer owes the VAT) and the invoice text it requires."""

    case: str
    description: str
    text: str


class Pack(_Data):
    """The VAT rules of one jurisdiction."""

    country: str = Field(pattern=r"^[A-Z]{2}$")
    name: str
    vat_prefix: str
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    is_eu: bool
    default_profile: str
    formats: tuple[str, ...]
    b2g: str | None = None
    b2b: str | None = None
    note: str | None = None
    retention: Retention
    small_business: SmallBusiness
    reverse_charge: tuple[ReverseChargeCase, ...] = ()
    rates: tuple[RatePeriod, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _no_overlaps(self) -> Pack:
        by_class: dict[str, list[RatePeriod]] = defaultdict(list)
        for period in self.rates:
            by_class[period.tax_class].append(period)
        for tax_class, periods in by_class.items():
            ordered = sorted(periods, key=lambda p: p.valid_from)
            for before, after in zip(ordered, ordered[1:], strict=False):
                if before.valid_to is None or before.valid_to >= after.valid_from:
                    raise ValueError(
                        f"{self.country} {tax_class}: period from {before.valid_from} overlaps the one from {after.valid_from}"
                    )
        if "standard" not in by_class:
            raise ValueError(f"{self.country}: no standard rate")
        return self

    @property
    def tax_classes(self) -> list[str]:
        """Every tax class this pack knows (``exempt`` is always known: category E, no rate)."""
        return sorted({p.tax_class for p in self.rates} | {"exempt"})

    @property
    def retention_years(self) -> int:
        """Statutory invoice retention period in years."""
        return self.retention.years

    @property
    def retention_start(self) -> str:
        """When the retention period starts (``end_of_calendar_year``)."""
        return self.retention.starts

    @property
    def reverse_charge_cases(self) -> dict[str, ReverseChargeCase]:
        """The domestic reverse-charge cases by case code."""
        return {c.case: c for c in self.reverse_charge}

    def rate_periods(self, tax_class: str) -> list[RatePeriod]:
        """The periods of one tax class, oldest first."""
        return sorted(
            (p for p in self.rates if p.tax_class == tax_class), key=lambda p: p.valid_from
        )

    def rate(self, tax_class: str, on: date) -> Decimal:
        """The VAT rate (percent) of a tax class on a date.

        Raises:
            TaxRuleError: Unknown class (naming the pack's classes) or no rate on that date
                (naming the periods).
        """
        periods = self.rate_periods(tax_class)
        if not periods:
            raise TaxRuleError(
                [
                    Problem(
                        field="tax_class",
                        message=f"{self.country} has no tax class {tax_class!r}; known: {', '.join(self.tax_classes)}",
                        rule="tax.unknown-class",
                        value=tax_class,
                    )
                ]
            )
        for period in periods:
            if period.covers(on):
                return period.rate
        spans = ", ".join(f"{p.valid_from}..{p.valid_to or 'open'}" for p in periods)
        raise TaxRuleError(
            [
                Problem(
                    field="tax_point",
                    message=f"{self.country} has no {tax_class} rate on {on}; it has rates for {spans}",
                    rule="tax.no-rate-on-date",
                    value=on.isoformat(),
                )
            ]
        )

    def rates_on(self, on: date) -> dict[str, Decimal]:
        """Every tax class's rate on a date (classes without a rate then are left out)."""
        return {p.tax_class: p.rate for p in self.rates if p.covers(on)}

    def valid_rates(self, on: date) -> set[Decimal]:
        """The set of rates in force on a date (to check a rate an ERP states explicitly)."""
        return set(self.rates_on(on).values())


@cache
def _packs() -> dict[str, Pack]:
    packs: dict[str, Pack] = {}
    folder = importlib.resources.files("tax_rules").joinpath("packs")
    for entry in folder.iterdir():
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text("utf-8"))
        pack = Pack.model_validate(data)
        if pack.country.lower() != entry.name.removesuffix(".toml"):
            raise ValueError(f"pack {entry.name} declares country {pack.country}")
        packs[pack.country] = pack
    return packs


def jurisdictions() -> list[str]:
    """The ISO 3166 codes of every pack.

    >>> len(jurisdictions())
    30
    """
    return sorted(_packs())


def jurisdiction(country_code: str) -> Pack:
    """The pack of a country (ISO 3166-1 alpha-2, any case; ``EL`` is accepted for Greece).

    Raises:
        TaxRuleError: When no pack exists for the code; the problem lists the supported codes.
    """
    code = (country_code or "").strip().upper()
    code = {"EL": "GR", "UK": "GB"}.get(code, code)
    packs = _packs()
    if code not in packs:
        raise TaxRuleError(
            [
                Problem(
                    field="seller.address.country",
                    message=f"no jurisdiction pack for {country_code!r}; supported: {', '.join(sorted(packs))}",
                    rule="tax.unknown-country",
                    value=country_code,
                )
            ]
        )
    return packs[code]
