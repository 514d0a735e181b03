"""Every jurisdiction pack: loads, is consistent, and has the known figures (an independent table)."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tax_rules import TaxRuleError
from tax_rules.pack import jurisdiction, jurisdictions

EU = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
PACKS_DIR = Path(__file__).resolve().parents[2] / "tax_rules" / "packs"


PACK_FILES = sorted(p.stem.upper() for p in PACKS_DIR.glob("*.toml"))


def test_every_pack_file_is_a_jurisdiction_and_every_member_state_has_one():
    assert jurisdictions() == PACK_FILES
    assert set(EU) <= set(jurisdictions())
    assert all(jurisdiction(cc).is_eu == (cc in EU) for cc in jurisdictions())


@pytest.mark.parametrize("country", PACK_FILES)
def test_pack_robustness(country):
    pack = jurisdiction(country)
    header = (PACKS_DIR / f"{country.lower()}.toml").read_text().splitlines()[:3]
    assert "Legal source" in header[1]
    assert pack.retention_years > 0
    assert pack.small_business.reason
    day = date(2020, 1, 1)
    while day <= date(2026, 11, 22):  # a standard rate on every month boundary
        rate = pack.rate("standard", day)
        assert Decimal("0") < rate < Decimal("30")
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    for period in pack.rates:
        assert period.source
        # The day before and the first day of each period resolve without error.
        assert pack.rate(period.tax_class, period.valid_from) == period.rate
        if period.valid_to:
            assert pack.rate(period.tax_class, period.valid_to) == period.rate
    data = tomllib.loads((PACKS_DIR / f"{country.lower()}.toml").read_text())
    assert data["country"] == country


# The independent check: figures written by hand from the sources, not read from the packs.
KNOWN = [
    ("DE", "standard", "2020-06-30", "19"),
    ("DE", "standard", "2020-07-01", "16"),
    ("DE", "standard", "2021-01-01", "19"),
    ("DE", "reduced", "2020-12-31", "5"),
    ("DE", "food_service", "2023-12-31", "7"),
    ("DE", "food_service", "2024-01-01", "19"),
    ("DE", "food_service", "2026-01-01", "7"),
    ("NL", "short_stay_accommodation", "2025-12-31", "9"),
    ("NL", "short_stay_accommodation", "2026-01-01", "21"),
    ("SE", "food", "2026-03-31", "12"),
    ("SE", "food", "2026-04-01", "6"),
    ("SE", "food", "2027-12-31", "6"),
    ("SE", "food", "2028-01-01", "12"),
    ("AT", "basic_food", "2026-06-30", "10"),
    ("AT", "basic_food", "2026-07-01", "4.9"),
    ("BE", "accommodation", "2026-02-28", "6"),
    ("BE", "accommodation", "2026-03-01", "12"),
    ("EE", "standard", "2023-12-31", "20"),
    ("EE", "standard", "2024-01-01", "22"),
    ("EE", "standard", "2025-07-01", "24"),
    ("FI", "standard", "2024-08-31", "24"),
    ("FI", "standard", "2024-09-01", "25.5"),
    ("FI", "reduced", "2026-01-01", "13.5"),
    ("SK", "standard", "2024-12-31", "20"),
    ("SK", "standard", "2025-01-01", "23"),
    ("RO", "standard", "2025-07-31", "19"),
    ("RO", "standard", "2025-08-01", "21"),
    ("CZ", "reduced", "2023-12-31", "15"),
    ("CZ", "reduced", "2024-01-01", "12"),
    ("LT", "reduced", "2025-12-31", "9"),
    ("LT", "reduced", "2026-01-01", "12"),
    ("IE", "standard", "2020-09-01", "21"),
    ("IE", "standard", "2021-03-01", "23"),
    ("IE", "hospitality", "2026-07-01", "9"),
    ("LU", "standard", "2023-06-01", "16"),
    ("LU", "standard", "2024-01-01", "17"),
    ("CH", "standard", "2023-12-31", "7.7"),
    ("CH", "standard", "2024-01-01", "8.1"),
    ("GB", "hospitality", "2021-10-01", "12.5"),
    ("FR", "super_reduced", "2026-01-01", "2.1"),
    ("HU", "standard", "2026-01-01", "27"),
    ("ES", "basic_food", "2024-09-30", "0"),
    ("ES", "basic_food", "2024-10-01", "2"),
    ("ES", "basic_food", "2025-01-01", "4"),
    ("ES", "super_reduced", "2024-06-01", "4"),
    ("CY", "super_reduced", "2023-07-21", "3"),
    ("GR", "standard", "2026-01-01", "24"),
    ("NO", "reduced", "2026-01-01", "15"),
    # Issue 13 corrections, from the sources named in the packs.
    ("EE", "press", "2024-12-31", "5"),
    ("EE", "press", "2025-01-01", "9"),
    ("LV", "fruit_vegetables", "2023-12-31", "5"),
    ("LV", "fruit_vegetables", "2024-01-01", "12"),
    ("LV", "books", "2026-01-01", "5"),
    ("LV", "basic_food", "2026-06-30", "21"),
    ("LV", "basic_food", "2026-07-01", "12"),
    ("LV", "basic_food", "2027-07-01", "21"),
    ("MT", "reduced_3", "2024-01-01", "12"),
    ("CZ", "books", "2023-12-31", "10"),
    ("CZ", "books", "2024-01-01", "0"),
    ("SK", "books", "2024-12-31", "10"),
    ("SK", "books", "2025-01-01", "5"),
    ("SK", "basic_food", "2025-01-01", "5"),
    ("SK", "medicines", "2025-01-01", "5"),
    ("SK", "accommodation", "2025-01-01", "5"),
    ("SK", "food", "2024-12-31", "20"),
    ("SK", "food", "2025-01-01", "19"),
    ("FI", "books", "2024-12-31", "10"),
    ("FI", "books", "2025-01-01", "14"),
    ("FI", "medicines", "2025-12-31", "14"),
    ("FI", "passenger_transport", "2026-01-01", "13.5"),
    ("FI", "accommodation", "2026-01-01", "13.5"),
    ("FI", "press", "2026-01-01", "10"),
    ("LT", "books", "2025-12-31", "9"),
    ("LT", "books", "2026-01-01", "5"),
    ("LT", "energy_heating", "2025-12-31", "9"),
    ("LT", "energy_heating", "2026-01-01", "21"),
    ("IE", "restaurant_catering", "2026-07-01", "9"),
    ("IE", "hairdressing", "2026-07-01", "9"),
    ("IE", "accommodation", "2026-06-30", "13.5"),
    ("IE", "accommodation", "2026-07-01", "13.5"),
    ("NO", "raw_fish", "2026-01-01", "11.11"),
]


@pytest.mark.parametrize(("country", "tax_class", "day", "rate"), KNOWN)
def test_known_rates(country, tax_class, day, rate):
    assert jurisdiction(country).rate(tax_class, date.fromisoformat(day)) == Decimal(rate)


def test_greece_is_found_by_its_vat_prefix():
    assert jurisdiction("el").country == "GR"
    assert jurisdiction("GR").vat_prefix == "EL"


def test_errors_are_specific():
    with pytest.raises(TaxRuleError) as caught:
        jurisdiction("XX")
    assert caught.value.problems[0].rule == "tax.unknown-country"
    with pytest.raises(TaxRuleError) as caught:
        jurisdiction("DE").rate("standard", date(2019, 12, 31))
    assert "2020-01-01" in caught.value.problems[0].message
