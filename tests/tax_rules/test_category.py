"""Explicit VAT categories from the ERP: checked against the pack of the taxing country."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tax_rules import TaxRuleError
from tax_rules.category import explicit
from tax_rules.pack import jurisdiction

DE = jurisdiction("DE")
ON = date(2026, 11, 1)


def _explicit(category: str, rate: str | None, reason: str | None = None, code: str | None = None):
    return explicit(
        field="lines[0]",
        category=category,
        rate=Decimal(rate) if rate is not None else None,
        pack=DE,
        on=ON,
        exemption_reason=reason,
        exemption_code=code,
    )


@pytest.mark.parametrize(
    ("category", "rate", "expected"),
    [
        ("S", "19", ("S", Decimal("19"), None)),
        ("Z", "0", ("Z", Decimal("0"), None)),
        ("K", None, ("K", Decimal("0"), "VATEX-EU-IC")),
        ("AE", "0", ("AE", Decimal("0"), "VATEX-EU-AE")),
        ("G", "0", ("G", Decimal("0"), "VATEX-EU-G")),
        ("O", None, ("O", None, "VATEX-EU-O")),
        ("L", "7", ("L", Decimal("7"), None)),
    ],
)
def test_stated_categories_are_completed(category, rate, expected):
    treatment = _explicit(category, rate)
    assert (treatment.category, treatment.rate, treatment.exemption_code) == expected


def test_exempt_needs_its_reason_and_keeps_the_erps():
    with pytest.raises(TaxRuleError) as caught:
        _explicit("E", "0")
    assert caught.value.problems[0].rule == "BR-E-10"
    treatment = _explicit("E", None, reason="Art. 132 VAT Directive", code="VATEX-EU-132")
    assert (treatment.exemption_reason, treatment.exemption_code) == (
        "Art. 132 VAT Directive",
        "VATEX-EU-132",
    )


@pytest.mark.parametrize(
    ("category", "rate", "rule"),
    [
        ("O", "0.5", "BR-O-05"),
        ("K", "5", "BR-IC-05"),
        ("G", "19", "BR-G-05"),
        ("S", "20", "tax.rate-not-valid"),
    ],
)
def test_a_rate_that_does_not_fit_the_category_names_the_rule(category, rate, rule):
    with pytest.raises(TaxRuleError) as caught:
        _explicit(category, rate)
    problem = caught.value.problems[0]
    assert problem.rule == rule and problem.field == "lines[0].vat_rate"
