"""Jurisdiction packs: one data file per country (``tax_rules/packs/<cc>.toml``), loaded and checked once.

Every pack meets one protocol: ``rate(tax_class, on)``, ``rates_on(on)``,
``valid_rates(on)``, the retention period and its start rule, the small-business
exemption, the domestic reverse-charge cases, the product tax classes mapped by
date, the e-invoicing mandates by date and the areas outside the EU VAT territory.
Rates are ``Decimal`` from strings; every dated row names its legal source and the
day it was last checked.

A pack may have a code module beside its data (``packs/<cc>.py``, as GOBL's
``regimes/<cc>/``) for what data cannot express, such as the national Peppol rules
a seller from there must meet (see :mod:`tax_rules.national`). Adding a country is
a change in ``packs/`` only: its TOML file and, if needed, its module.

>>> jurisdiction("de").rate("food_service", date(2026, 1, 1))
Decimal('7')
>>> jurisdiction("EL").country
'GR'
"""

from __future__ import annotations

import importlib
import importlib.resources
import tomllib
from collections import defaultdict
from datetime import date
from decimal import Decimal
from functools import cache
from types import ModuleType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tax_rules.errors import PackDataError, Problem, TaxRuleError, UnknownTaxClass
from tax_rules.vocabulary import PRODUCT_CLASSES, RATE_BUCKETS

#: Tax classes every pack may use; packs add their own (food_service, basic_food, ...).
STANDARD_CLASSES = tuple(RATE_BUCKETS)


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Sourced(_Data):
    """A row of legal data: where it comes from and when that was last checked."""

    source: str = Field(min_length=3)
    checked: date


class _Dated(_Sourced):
    valid_from: date
    valid_to: date | None = None

    def covers(self, on: date) -> bool:
        """Whether the row applies on ``on`` (``valid_to`` inclusive, open when None)."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    @model_validator(mode="after")
    def _ordered(self) -> _Dated:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} before valid_from {self.valid_from}")
        return self


class RatePeriod(_Dated):
    """One rate of one tax class over a validity period."""

    tax_class: str
    rate: Decimal = Field(ge=0, lt=30)


class ClassPeriod(_Dated):
    """A product tax class (shared vocabulary) mapped to a rate, or to a rate bucket, over a period."""

    tax_class: str
    rate: Decimal | None = Field(default=None, ge=0, lt=30)
    follows: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> ClassPeriod:
        if (self.rate is None) == (self.follows is None):
            raise ValueError(f"{self.tax_class}: give either rate or follows (a rate bucket)")
        if self.tax_class not in PRODUCT_CLASSES:
            raise ValueError(
                f"{self.tax_class!r} is not a product class of the shared vocabulary; "
                f"known: {', '.join(sorted(PRODUCT_CLASSES))}"
            )
        return self


class Retention(_Sourced):
    """The statutory retention period of invoices and when it starts."""

    years: int = Field(gt=0, le=30)
    starts: Literal["end_of_calendar_year", "end_of_fiscal_year", "issue_date"]


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


class VatIdRoute(_Data):
    """Which python-stdnum module checks the VAT ids that start with a prefix."""

    prefix: str = Field(pattern=r"^[A-Z]{2}$")
    module: str = Field(pattern=r"^stdnum(\.[a-z_]+)+$")


class ExemptionTexts(_Data):
    """The invoice wording (BT-120) and code (BT-121) a pack uses for zero-rated or out-of-scope supplies."""

    export: str
    export_code: str | None = None
    outside_scope: str
    outside_scope_code: str | None = None
    services_abroad: Literal["O", "G"] = "O"


class Mandate(_Sourced):
    """One e-invoicing or e-reporting obligation: who, from when, in which format and model."""

    scope: Literal["b2g", "b2b_issue", "b2b_receive", "b2c", "cross_border"]
    start: date
    end: date | None = None
    taxpayers: str = Field(min_length=2)
    formats: tuple[str, ...] = Field(min_length=1)
    network: str
    model: Literal["post_audit", "reporting", "clearance"]
    threshold: str | None = None
    note: str | None = None

    def in_force(self, on: date) -> bool:
        """Whether the obligation has started (and not ended) on ``on``."""
        return self.start <= on and (self.end is None or on <= self.end)


class Territory(_Sourced):
    """An area of the country outside the EU VAT territory (art. 6 VAT Directive), by postcode."""

    name: str
    postcodes: tuple[str, ...] = Field(min_length=1)

    def contains(self, postal_code: str | None) -> bool:
        """Whether a postcode lies in the area (prefix match, spaces and dashes ignored)."""
        if not postal_code:
            return False
        compact = postal_code.replace(" ", "").replace("-", "").upper()
        return any(compact.startswith(prefix) for prefix in self.postcodes)


class Pack(_Data):
    """The VAT rules of one jurisdiction."""

    country: str = Field(pattern=r"^[A-Z]{2}$")
    name: str
    version: str = Field(pattern=r"^\d{4}\.\d{1,2}\.\d+$")
    aliases: tuple[str, ...] = ()
    vat_prefix: str
    vat_ids: tuple[VatIdRoute, ...] = ()
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    is_eu: bool
    default_profile: str
    formats: tuple[str, ...]
    b2g: str | None = None
    b2b: str | None = None
    note: str | None = None
    retention: Retention
    small_business: SmallBusiness
    exemption_texts: ExemptionTexts | None = None
    reverse_charge: tuple[ReverseChargeCase, ...] = ()
    rates: tuple[RatePeriod, ...] = Field(min_length=1)
    classes: tuple[ClassPeriod, ...] = ()
    mandates: tuple[Mandate, ...] = ()
    territories: tuple[Territory, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Pack:
        for rows, kind in ((self.rates, "rate"), (self.classes, "class")):
            by_class: dict[str, list[_Dated]] = defaultdict(list)
            for period in rows:
                by_class[period.tax_class].append(period)
            for tax_class, periods in by_class.items():
                ordered = sorted(periods, key=lambda p: p.valid_from)
                for before, after in zip(ordered, ordered[1:], strict=False):
                    if before.valid_to is None or before.valid_to >= after.valid_from:
                        raise ValueError(
                            f"{self.country} {kind} {tax_class}: period from {before.valid_from} "
                            f"overlaps the one from {after.valid_from}"
                        )
        rate_classes = {p.tax_class for p in self.rates}
        if "standard" not in rate_classes:
            raise ValueError(f"{self.country}: no standard rate")
        both = rate_classes & {p.tax_class for p in self.classes}
        if both:
            raise ValueError(f"{self.country}: {sorted(both)} are both rate rows and class rows")
        for period in self.classes:
            if period.follows is not None and period.follows not in rate_classes:
                raise ValueError(
                    f"{self.country} {period.tax_class} follows {period.follows!r}, which has no rate"
                )
        if not self.is_eu and not self.vat_ids:
            raise ValueError(f"{self.country}: a non-EU pack names its VAT id module (vat_ids)")
        return self

    @property
    def tax_classes(self) -> list[str]:
        """Every tax class this pack knows (``exempt`` is always known: category E, no rate)."""
        return sorted(
            {p.tax_class for p in self.rates} | {p.tax_class for p in self.classes} | {"exempt"}
        )

    def classes_on(self, on: date) -> list[str]:
        """The tax classes that have a rate on a date, plus ``exempt``."""
        return sorted(set(self.rates_on(on)) | {"exempt"})

    @property
    def retention_years(self) -> int:
        """Statutory invoice retention period in years."""
        return self.retention.years

    @property
    def retention_start(self) -> str:
        """When the retention period starts (``end_of_calendar_year``, ...)."""
        return self.retention.starts

    @property
    def reverse_charge_cases(self) -> dict[str, ReverseChargeCase]:
        """The domestic reverse-charge cases by case code."""
        return {c.case: c for c in self.reverse_charge}

    @property
    def vat_id_routes(self) -> tuple[VatIdRoute, ...]:
        """The VAT id prefixes of this country and the stdnum module that checks each."""
        if self.vat_ids:
            return self.vat_ids
        return (VatIdRoute(prefix=self.vat_prefix[:2], module="stdnum.eu.vat"),)

    def rate_periods(self, tax_class: str) -> list[RatePeriod]:
        """The rate periods of one tax class, oldest first."""
        return sorted(
            (p for p in self.rates if p.tax_class == tax_class), key=lambda p: p.valid_from
        )

    def class_periods(self, tax_class: str) -> list[ClassPeriod]:
        """The mapping periods of one product class, oldest first."""
        return sorted(
            (p for p in self.classes if p.tax_class == tax_class), key=lambda p: p.valid_from
        )

    def rate(self, tax_class: str, on: date) -> Decimal:
        """The VAT rate (percent) of a tax class on a date.

        Raises:
            UnknownTaxClass: The pack has no such class (the problem lists the classes it has
                on that date).
            TaxRuleError: The class has no rate on that date (naming the periods).
        """
        mapped = self.class_periods(tax_class)
        periods: list[RatePeriod] | list[ClassPeriod] = mapped or self.rate_periods(tax_class)
        if not periods:
            raise UnknownTaxClass(
                country=self.country, tax_class=tax_class, known=self.classes_on(on)
            )
        for period in periods:
            if period.covers(on):
                if isinstance(period, ClassPeriod) and period.follows is not None:
                    return self.rate(period.follows, on)
                assert period.rate is not None  # a class row has a rate or follows a bucket
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
        found = {p.tax_class: p.rate for p in self.rates if p.covers(on)}
        for period in self.classes:
            if period.covers(on):
                if period.rate is not None:
                    found[period.tax_class] = period.rate
                elif period.follows in found:
                    found[period.tax_class] = found[period.follows]
        return found

    def valid_rates(self, on: date) -> set[Decimal]:
        """The set of rates in force on a date (to check a rate an ERP states explicitly)."""
        return set(self.rates_on(on).values())

    def mandates_on(self, on: date) -> list[Mandate]:
        """The e-invoicing obligations in force on a date."""
        return [m for m in self.mandates if m.in_force(on)]

    def territory(self, postal_code: str | None) -> Territory | None:
        """The area outside the EU VAT territory a postcode lies in, if any."""
        return next((t for t in self.territories if t.contains(postal_code)), None)

    @property
    def module(self) -> ModuleType | None:
        """The pack's code module (``packs/<cc>.py``), when it has one."""
        return _modules().get(self.country)


def _folder() -> importlib.resources.abc.Traversable:
    return importlib.resources.files("tax_rules").joinpath("packs")


@cache
def _packs() -> dict[str, Pack]:
    packs: dict[str, Pack] = {}
    for entry in _folder().iterdir():
        if not entry.name.endswith(".toml"):
            continue
        try:
            pack = Pack.model_validate(tomllib.loads(entry.read_text("utf-8")))
        except (tomllib.TOMLDecodeError, ValidationError) as exc:
            raise PackDataError(entry.name, str(exc)) from None
        if pack.country.lower() != entry.name.removesuffix(".toml"):
            raise PackDataError(entry.name, f"the file declares country {pack.country}")
        packs[pack.country] = pack
    return packs


@cache
def _modules() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for entry in _folder().iterdir():
        stem = entry.name.removesuffix(".py")
        if entry.name.endswith(".py") and len(stem) == 2 and stem.upper() in _packs():
            found[stem.upper()] = importlib.import_module(f"tax_rules.packs.{stem}")
    return found


@cache
def _aliases() -> dict[str, str]:
    return {alias: pack.country for pack in _packs().values() for alias in pack.aliases}


def jurisdictions() -> list[str]:
    """The ISO 3166 codes of every pack.

    >>> "DE" in jurisdictions() and "EL" not in jurisdictions()
    True
    """
    return sorted(_packs())


def find(country_code: str | None) -> Pack | None:
    """The pack of a country or one of its aliases (any case), or None when there is none.

    >>> find("uk").country, find("US")
    ('GB', None)
    """
    code = (country_code or "").strip().upper()
    packs = _packs()
    return packs.get(_aliases().get(code, code))


def jurisdiction(country_code: str, *, field: str = "seller.address.country") -> Pack:
    """The pack of a country (ISO 3166-1 alpha-2, any case; a pack's aliases such as ``EL`` too).

    Raises:
        TaxRuleError: When no pack exists for the code; the problem lists the supported codes.
    """
    pack = find(country_code)
    if pack is None:
        raise TaxRuleError(
            [
                Problem(
                    field=field,
                    message=f"no jurisdiction pack for {country_code!r}; supported: {', '.join(jurisdictions())}",
                    rule="tax.unknown-country",
                    value=country_code,
                )
            ]
        )
    return pack


@cache
def _vat_id_routes() -> dict[str, tuple[Pack, VatIdRoute]]:
    return {
        route.prefix: (pack, route) for pack in _packs().values() for route in pack.vat_id_routes
    }


def vat_id_route(vat_id: str) -> tuple[Pack, VatIdRoute] | None:
    """The pack and stdnum module that check a VAT id, from the id's prefix and the packs' data.

    >>> pack, route = vat_id_route("CHE-116.281.710 MWST")
    >>> pack.country, route.module
    ('CH', 'stdnum.ch.vat')
    """
    return _vat_id_routes().get(vat_id.strip()[:2].upper())
