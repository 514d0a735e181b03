"""Golden cases: the VAT category the engine chooses, and the official rules accept it."""

from __future__ import annotations

from decimal import Decimal

import pytest

import validators
from schemas import ubl
from tax_rules import TaxRuleError, complete, complete_with_trace
from tests.tax_rules.drafts import design_draft, domestic_de, draft


def _valid(invoice) -> None:
    report = validators.validate(ubl.render(invoice, profile="en16931"), profile="en16931")
    assert report.valid, [(f.rule_id, f.message) for f in report.fatal]


def _categories(invoice) -> set[tuple[str, Decimal | None]]:
    return {(b.category, b.rate) for b in invoice.vat_breakdown}


def test_de_to_fr_goods_is_an_intra_community_supply_as_design_md_says():
    invoice = complete(draft(design_draft()))
    assert _categories(invoice) == {("K", Decimal("0"))}
    assert invoice.vat_breakdown[0].exemption_reason_code == "VATEX-EU-IC"
    assert invoice.totals.total_without_vat == Decimal("115.00")
    assert invoice.totals.amount_due == Decimal("115.00")
    _valid(invoice)


def test_de_domestic_is_19_and_7_percent_as_design_md_says():
    invoice = complete(draft(domestic_de()))
    assert _categories(invoice) == {("S", Decimal("19")), ("S", Decimal("7"))}
    by_rate = {b.rate: b for b in invoice.vat_breakdown}
    assert by_rate[Decimal("19")].taxable_amount == Decimal("95.00")  # 100 - 5 allowance
    assert by_rate[Decimal("19")].vat_amount == Decimal("18.05")
    assert by_rate[Decimal("7")].vat_amount == Decimal("1.40")
    assert invoice.totals.amount_due == Decimal("134.45")
    _valid(invoice)


def test_de_to_fr_services_is_reverse_charge():
    invoice = complete(draft(design_draft(supply_type="services")))
    assert _categories(invoice) == {("AE", Decimal("0"))}
    assert invoice.vat_breakdown[0].exemption_reason_code == "VATEX-EU-AE"
    _valid(invoice)


def test_de_to_us_goods_is_an_export():
    data = design_draft()
    data["buyer"] = {
        "name": "Buyer Inc",
        "address": {
            "lines": ["1 Main St"],
            "city": "Boston",
            "postal_code": "02110",
            "country": "US",
        },
    }
    data["delivery"] = {"address": {"city": "Boston", "country": "US"}}
    invoice = complete(draft(data))
    assert _categories(invoice) == {("G", Decimal("0"))}
    assert invoice.vat_breakdown[0].exemption_reason_code == "VATEX-EU-G"
    _valid(invoice)


def test_de_small_business_is_exempt_with_the_pack_reason():
    data = domestic_de(vat_regime="small_business")
    data["seller"]["tax_registration_id"] = "12/345/67890"
    invoice = complete(draft(data))
    assert _categories(invoice) == {("E", Decimal("0"))}
    assert "§ 19 UStG" in invoice.vat_breakdown[0].exemption_reason
    _valid(invoice)


def test_de_construction_reverse_charge_carries_the_13b_text():
    invoice = complete(
        draft(domestic_de(reverse_charge_case="construction", supply_type="services"))
    )
    assert _categories(invoice) == {("AE", Decimal("0"))}
    assert "13b UStG" in invoice.vat_breakdown[0].exemption_reason
    _valid(invoice)


def test_not_subject_to_vat_is_category_o_without_vat_ids():
    data = domestic_de(vat_regime="not_subject")
    data["seller"]["vat_id"] = None
    data["seller"]["legal_id"] = {"value": "HRB 12345", "scheme": None}
    data["buyer"]["vat_id"] = None
    data["seller"]["electronic_address"] = {"value": "seller@example.com", "scheme": "EM"}
    data["buyer"]["electronic_address"] = {"value": "buyer@example.com", "scheme": "EM"}
    invoice = complete(draft(data))
    assert _categories(invoice) == {("O", Decimal("0"))}
    assert invoice.totals.vat_total == Decimal("0.00")
    _valid(invoice)


def test_not_subject_with_vat_ids_is_refused_by_br_o_02():
    with pytest.raises(TaxRuleError) as caught:
        complete(draft(domestic_de(vat_regime="not_subject")))
    assert "BR-O-02" in {p.rule for p in caught.value.problems}


def test_intra_community_supply_without_delivery_information_names_both_rules():
    data = design_draft(delivery_date=None, delivery=None)
    with pytest.raises(TaxRuleError) as caught:
        complete(draft(data))
    rules = {p.rule for p in caught.value.problems}
    assert {"BR-IC-11", "BR-IC-12"} <= rules


def test_trace_explains_every_total():
    completion = complete_with_trace(draft(domestic_de()))
    targets = {step.target for step in completion.trace.steps}
    assert {
        "totals.line_net_total",
        "totals.total_without_vat",
        "totals.vat_total",
        "totals.amount_due",
    } <= targets
    rules = {step.rule for step in completion.trace.steps}
    assert {"BR-CO-10", "BR-CO-13", "BR-CO-14", "BR-CO-15", "BR-CO-16", "BR-CO-17"} <= rules
    assert "BR-CO-15" in completion.trace.explain()
    assert completion.trace.to_json()["steps"][0]["inputs"]["quantity"] == "10"
