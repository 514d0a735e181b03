"""Errors: each a TaxRuleError with the field path, a message and the rule."""

from __future__ import annotations

from datetime import date

import pytest

from tax_rules import TaxRuleError, complete
from tax_rules.pack import jurisdiction
from tests.tax_rules.drafts import domestic_de, draft


def _problem(data, **expected):
    with pytest.raises(TaxRuleError) as caught:
        complete(draft(data))
    assert "status_code" not in vars(type(caught.value))  # the gateway maps types to statuses
    for problem in caught.value.problems:
        if all(getattr(problem, k) == v for k, v in expected.items()):
            assert problem.message
            return problem
    raise AssertionError(f"no problem {expected} in {caught.value.problems}")


def test_unknown_country_lists_the_supported_ones():
    data = domestic_de()
    data["seller"]["address"]["country"] = "US"
    problem = _problem(data, rule="tax.unknown-country")
    assert problem.field == "seller.address.country"
    assert "DE" in problem.message and "SE" in problem.message


def test_unknown_tax_class_names_the_pack_classes():
    data = domestic_de()
    data["lines"][0]["tax_class"] = "luxury"
    problem = _problem(data, rule="tax.unknown-class")
    assert problem.field == "lines[0].tax_class"
    assert "food_service" in problem.message


def test_explicit_rate_not_valid_on_the_date_names_the_valid_rates():
    data = domestic_de(delivery_date="2020-08-01", issue_date="2020-08-01")
    data["lines"][0].update(tax_class=None, vat_category="S", vat_rate="19")
    problem = _problem(data, rule="tax.rate-not-valid")
    assert problem.field == "lines[0].vat_rate"
    assert "16 %" in problem.message and "5 %" in problem.message  # the COVID-19 rates of 2020


def test_class_without_rate_on_the_date():
    data = domestic_de(delivery_date="2019-06-01", issue_date="2019-06-01")
    problem = _problem(data, rule="tax.no-rate-on-date")
    assert "2019-06-01" in problem.message


def test_invalid_vat_id_names_the_field():
    data = domestic_de()
    data["buyer"]["vat_id"] = "DE123456789"
    problem = _problem(data, field="buyer.vat_id")
    assert problem.rule == "vat-id.check-digit"
    assert problem.value == "DE123456789"


def test_stated_totals_that_differ_show_both_values_and_the_rule():
    data = domestic_de()
    data["totals"] = {
        "line_net_total": "120.00",
        "allowance_total": "5.00",
        "total_without_vat": "115.00",
        "vat_total": "19.46",
        "total_with_vat": "134.46",
        "amount_due": "134.46",
    }
    problem = _problem(data, field="totals.total_with_vat")
    assert problem.rule == "BR-CO-15"
    assert "134.46" in problem.message and "134.45" in problem.message


def test_stated_line_net_amount_is_checked():
    data = domestic_de()
    data["lines"][0]["net_amount"] = "99.99"
    problem = _problem(data, field="lines[0].net_amount")
    assert "100.00" in problem.message


def test_exempt_line_without_reason_fires_br_e_10():
    data = domestic_de()
    data["lines"][0]["tax_class"] = "exempt"
    _problem(data, rule="BR-E-10")


def test_rates_change_on_their_dates():
    de = jurisdiction("DE")
    assert str(de.rate("standard", date(2020, 6, 30))) == "19"
    assert str(de.rate("standard", date(2020, 7, 1))) == "16"
    assert str(de.rate("food_service", date(2025, 12, 31))) == "19"
    assert str(de.rate("food_service", date(2026, 1, 1))) == "7"


def test_amounts_beyond_the_model_range_are_a_tax_rule_error_not_a_crash():
    data = domestic_de()
    data["lines"][0]["quantity"] = "999999999999999"
    data["lines"][0]["unit_price"] = "999999999999999"
    problem = _problem(data, rule="EN16931-model")
    assert "too large" in problem.message
