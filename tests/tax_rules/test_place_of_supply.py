"""Golden cases of issue 13: place of supply, OSS, K, O and third territories.

Each case asserts category, rate and exemption reason, and that the rendered
invoice passes the official EN 16931 artifacts (UBL 2.1 XSD + CEN Schematron).
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

import validators
from schemas import ubl
from schemas.model import Invoice, TaxContext
from tax_rules import TaxRuleError, complete, complete_with_trace
from tests.api.pack_drafts import gln
from tests.tax_rules.drafts import design_draft, draft
from tests.tax_rules.vat_ids import valid_vat_id


def _valid(invoice: Invoice) -> None:
    report = validators.validate(ubl.render(invoice, profile="en16931"), profile="en16931")
    assert report.valid, [(f.rule_id, f.message) for f in report.fatal]


def _only(invoice: Invoice) -> tuple[str, Decimal | None, str | None]:
    (breakdown,) = invoice.vat_breakdown
    return breakdown.category, breakdown.rate, breakdown.exemption_reason_code


def _lines(invoice: Invoice) -> set[tuple[str, Decimal | None]]:
    return {(line.vat_category, line.vat_rate) for line in invoice.lines}


def _consumer(country: str, postal_code: str = "1000") -> dict[str, Any]:
    return {
        "name": "Jane Doe",
        "is_natural_person": True,
        "address": {
            "lines": ["Rue 1"],
            "city": "Town",
            "postal_code": postal_code,
            "country": country,
        },
    }


def _business(country: str, postal_code: str = "1000", *, vat: bool = True) -> dict[str, Any]:
    party: dict[str, Any] = {
        "name": "Buyer Ltd",
        "address": {
            "lines": ["Road 1"],
            "city": "Town",
            "postal_code": postal_code,
            "country": country,
        },
    }
    if vat:
        party["vat_id"] = valid_vat_id(country, 1)
    else:
        party["legal_id"] = {"value": "REG-77", "scheme": None}
    return party


def _sale(
    buyer: dict[str, Any],
    *,
    delivered_to: str | None = None,
    postal_code: str = "1000",
    tax_class: str = "standard",
    **changes: Any,
) -> dict[str, Any]:
    data = design_draft(**changes)
    data["profile"] = "en16931"
    data["buyer"] = buyer
    data["allowances"] = []
    data["delivery"] = (
        {"address": {"city": "Town", "postal_code": postal_code, "country": delivered_to}}
        if delivered_to
        else None
    )
    data["lines"] = [
        {
            "id": "1",
            "name": "Item",
            "quantity": "2",
            "unit": "C62",
            "unit_price": "50.00",
            "tax_class": tax_class,
        }
    ]
    return data


OVER = {"eu_distance_sales_over_threshold": True}


# 1. Distance sales to consumers in other member states (OSS, arts. 33(a), 59c) ---------


def test_distance_sale_under_the_threshold_is_taxed_in_the_sellers_country():
    invoice = complete(draft(_sale(_consumer("FR"), delivered_to="FR")))
    assert _only(invoice) == ("S", Decimal("19"), None)
    _valid(invoice)


def test_distance_sale_over_the_threshold_is_taxed_at_the_customers_rate():
    invoice = complete(draft(_sale(_consumer("FR"), delivered_to="FR", tax_context=OVER)))
    assert _only(invoice) == ("S", Decimal("20"), None)
    assert invoice.totals.vat_total == Decimal("20.00")
    _valid(invoice)


def test_oss_registration_below_the_threshold_opts_for_the_customers_rate():
    invoice = complete(draft(_sale(_consumer("AT"), delivered_to="AT", tax_context={"oss": True})))
    assert _only(invoice) == ("S", Decimal("20"), None)
    _valid(invoice)


def test_the_tenant_default_applies_unless_the_draft_states_its_own():
    data = _sale(_consumer("FR"), delivered_to="FR")
    assert _only(complete(draft(data), tax_context=TaxContext(oss=True)))[1] == Decimal("20")
    data["tax_context"] = {"oss": False, "eu_distance_sales_over_threshold": False}
    assert _only(complete(draft(data), tax_context=TaxContext(oss=True)))[1] == Decimal("19")


def test_a_stated_rate_of_the_customers_country_is_accepted_when_it_taxes_the_sale():
    data = _sale(_consumer("FR"), delivered_to="FR", tax_context=OVER)
    data["lines"][0].pop("tax_class")
    data["lines"][0].update(vat_category="S", vat_rate="20")
    invoice = complete(draft(data))
    assert _only(invoice) == ("S", Decimal("20"), None)
    _valid(invoice)
    data.pop("tax_context")
    with pytest.raises(TaxRuleError) as caught:
        complete(draft(data))
    assert caught.value.problems[0].rule == "tax.rate-not-valid"


@pytest.mark.parametrize(("day", "rate"), [("2025-12-31", "14"), ("2026-01-01", "13.5")])
def test_the_product_class_is_resolved_in_the_customers_pack_on_the_tax_point(day, rate):
    data = _sale(
        _consumer("FI"), delivered_to="FI", tax_class="books", tax_context=OVER, delivery_date=day
    )
    invoice = complete(draft(data))
    assert _only(invoice) == ("S", Decimal(rate), None)
    _valid(invoice)


@pytest.mark.parametrize(("context", "rate"), [(None, "19"), (OVER, "20")])
def test_electronic_services_to_a_consumer_follow_the_threshold(context, rate):
    data = _sale(
        _consumer("FR"), supply_type="services", service_kind="electronic", tax_context=context
    )
    invoice = complete(draft(data))
    assert _only(invoice) == ("S", Decimal(rate), None)
    _valid(invoice)


def test_a_non_eu_seller_taxes_electronic_services_to_eu_consumers_there_without_threshold():
    data = _sale(_consumer("FR"), supply_type="services", service_kind="electronic")
    data["seller"] = {
        **data["seller"],
        "vat_id": valid_vat_id("GB"),
        "address": {
            "lines": ["1 High St"],
            "city": "London",
            "postal_code": "EC1A 1BB",
            "country": "GB",
        },
    }
    data["currency"] = "EUR"
    invoice = complete(draft(data))
    assert _only(invoice) == ("S", Decimal("20"), None)
    _valid(invoice)


# 2. Services taxed where they are performed (arts. 47, 48, 53, 55, 56) ------------------


def test_b2b_services_on_property_abroad_are_taxed_there_not_reverse_charged():
    data = _sale(
        _business("FR"),
        supply_type="services",
        service_kind="immovable_property",
        place_of_performance="FR",
    )
    completion = complete_with_trace(draft(data))
    assert _only(completion.invoice) == ("S", Decimal("20"), None)
    assert [w.code for w in completion.warnings] == ["tax.registration-abroad"]
    _valid(completion.invoice)


def test_b2b_services_performed_at_home_are_domestic_for_a_foreign_business():
    data = _sale(
        _business("FR"),
        supply_type="services",
        service_kind="event_admission",
        place_of_performance="DE",
    )
    invoice = complete(draft(data))
    assert _only(invoice) == ("S", Decimal("19"), None)
    _valid(invoice)


def test_general_b2b_services_to_another_member_state_stay_reverse_charged():
    invoice = complete(draft(_sale(_business("FR"), supply_type="services")))
    assert _only(invoice) == ("AE", Decimal("0"), "VATEX-EU-AE")
    _valid(invoice)


def test_restaurant_services_use_the_product_class_where_performed():
    data = _sale(
        _business("FR"),
        tax_class="restaurant_catering",
        service_kind="restaurant_catering",
        place_of_performance="DE",
    )
    invoice = complete(draft(data))
    assert _only(invoice) == ("S", Decimal("7"), None)  # DE food_service 7 % from 2026
    _valid(invoice)


def test_line_kinds_mix_reverse_charge_and_performed_there():
    data = _sale(_business("FR"), supply_type="services")
    data["lines"].append(
        {
            "id": "2",
            "name": "Hotel",
            "quantity": "1",
            "unit": "C62",
            "unit_price": "80.00",
            "tax_class": "accommodation",
            "service_kind": "short_term_hire",
            "place_of_performance": "DE",
        }
    )
    invoice = complete(draft(data))
    assert _lines(invoice) == {("AE", Decimal("0")), ("S", Decimal("7"))}
    _valid(invoice)


def test_a_performed_there_service_without_its_place_names_the_article():
    data = _sale(_business("FR"), supply_type="services", service_kind="passenger_transport")
    with pytest.raises(TaxRuleError) as caught:
        complete(draft(data))
    problem = caught.value.problems[0]
    assert problem.rule == "tax.place-of-performance-missing"
    assert problem.field == "lines[0].place_of_performance" and "art. 48" in problem.message


def test_services_performed_outside_the_eu_are_not_subject_to_eu_vat():
    data = _sale(
        _business("FR"),
        supply_type="services",
        service_kind="event_admission",
        place_of_performance="US",
    )
    invoice = complete(draft(data))
    assert _only(invoice) == ("O", Decimal("0"), "VATEX-EU-O")
    _valid(invoice)


# 3. Intra-community supply only when the goods leave the seller's country (art. 138) ---


def test_goods_to_a_foreign_business_delivered_at_home_are_domestic():
    invoice = complete(draft(_sale(_business("FR"), delivered_to="DE")))
    assert _only(invoice) == ("S", Decimal("19"), None)
    _valid(invoice)


def test_goods_leaving_for_another_member_state_are_k_and_bt80_comes_from_goods_dispatched_to():
    invoice = complete(draft(_sale(_business("FR"), goods_dispatched_to="FR")))
    assert _only(invoice) == ("K", Decimal("0"), "VATEX-EU-IC")
    assert invoice.delivery is not None and invoice.delivery.address.country == "FR"
    _valid(invoice)


def test_a_buyer_identified_only_in_the_sellers_country_gets_no_k():
    buyer = _business("FR")
    buyer["vat_id"] = valid_vat_id("DE", 3)
    invoice = complete(draft(_sale(buyer, delivered_to="FR")))
    assert _only(invoice) == ("S", Decimal("19"), None)
    _valid(invoice)


# 4. Services to businesses outside the EU are O (art. 44); consumers pay (art. 45) -------


def test_services_to_a_business_outside_the_eu_are_o_and_the_seller_vat_id_moves_to_bt32():
    completion = complete_with_trace(
        draft(_sale(_business("US", vat=False), supply_type="services"))
    )
    invoice = completion.invoice
    assert _only(invoice) == ("O", Decimal("0"), "VATEX-EU-O")
    assert invoice.seller.vat_id is None
    assert invoice.seller.tax_registration_id == design_draft()["seller"]["vat_id"]
    assert any(d["target"] == "seller.vat_id" for d in completion.trace.decisions)
    _valid(invoice)


def test_o_invoice_of_a_seller_without_legal_id_identifies_it_by_bt29():
    data = _sale(_business("CH"), supply_type="services")
    data["seller"].pop("legal_id")
    invoice = complete(draft(data))
    assert _only(invoice) == ("O", Decimal("0"), "VATEX-EU-O")
    assert invoice.seller.identifiers[0].value == data["seller"]["vat_id"]
    assert invoice.buyer.vat_id is None and invoice.buyer.identifiers
    _valid(invoice)


def test_general_services_to_a_consumer_outside_the_eu_carry_the_sellers_vat():
    invoice = complete(draft(_sale(_consumer("US"), supply_type="services")))
    assert _only(invoice) == ("S", Decimal("19"), None)
    _valid(invoice)


def test_goods_to_a_buyer_outside_the_eu_need_a_delivery_country_to_be_an_export():
    with pytest.raises(TaxRuleError) as caught:
        complete(draft(_sale(_business("US", vat=False))))
    assert caught.value.problems[0].rule == "tax.export-needs-delivery-country"
    invoice = complete(draft(_sale(_business("US", vat=False), delivered_to="US")))
    assert _only(invoice) == ("G", Decimal("0"), "VATEX-EU-G")
    _valid(invoice)


@pytest.mark.parametrize(
    ("country", "supply", "category", "words"),
    [
        ("GB", "goods", "G", "s. 30(6)"),
        ("GB", "services", "O", "Outside the scope of UK VAT"),
        ("CH", "services", "O", "Art. 8 Abs. 1 MWSTG"),
        ("NO", "services", "G", "§ 6-22"),
        ("NO", "goods", "G", "§ 6-21"),
    ],
)
def test_non_eu_sellers_use_their_own_exemption_wording(country, supply, category, words):
    data = _sale(_business("FR"), delivered_to="FR", supply_type=supply)
    data["seller"] = {
        **data["seller"],
        "vat_id": valid_vat_id(country),
        "address": {
            "lines": ["Street 1"],
            "city": "City",
            "postal_code": "1000",
            "country": country,
        },
    }
    invoice = complete(draft(data))
    (breakdown,) = invoice.vat_breakdown
    assert breakdown.category == category and words in (breakdown.exemption_reason or "")
    assert breakdown.exemption_reason_code is None  # VATEX-EU codes are for EU sellers
    _valid(invoice)


# 5. Areas outside the EU VAT territory, from the postcode ------------------------------


@pytest.mark.parametrize(
    ("country", "postal_code", "category"),
    [
        ("ES", "35001", "G"),
        ("ES", "28001", "K"),
        ("DE", "78266", "G"),
        ("FI", "22100", "G"),
        ("FR", "97400", "G"),
    ],
)
def test_goods_delivered_to_third_territories_are_exports(country, postal_code, category):
    data = _sale(_business(country, postal_code), delivered_to=country, postal_code=postal_code)
    if country == "DE":
        data["buyer"]["vat_id"] = None  # a Büsingen business has no EU VAT id
        data["buyer"]["legal_id"] = {"value": "REG-1", "scheme": None}
    invoice = complete(draft(data))
    assert _only(invoice)[0] == category
    _valid(invoice)


@pytest.mark.parametrize(("postal_code", "category"), [("38001", "O"), ("08001", "AE")])
def test_services_to_a_canary_islands_business_are_outside_eu_vat(postal_code, category):
    invoice = complete(draft(_sale(_business("ES", postal_code), supply_type="services")))
    assert _only(invoice)[0] == category
    _valid(invoice)


def test_a_seller_in_a_third_territory_is_refused_clearly():
    data = _sale(_business("ES"), delivered_to="ES")
    data["seller"] = copy.deepcopy(data["seller"])
    data["seller"]["vat_id"] = valid_vat_id("ES")
    data["seller"]["address"] = {
        "lines": ["Calle 1"],
        "city": "Las Palmas",
        "postal_code": "35001",
        "country": "ES",
    }
    with pytest.raises(TaxRuleError) as caught:
        complete(draft(data))
    assert caught.value.problems[0].rule == "tax.seller-outside-vat-territory"


def test_o_beside_taxed_lines_is_refused_by_br_o_11_alone():
    data = _sale(_business("BE"), supply_type="services")
    data["lines"].append(
        {
            "id": "2",
            "name": "Concert",
            "quantity": "1",
            "unit": "C62",
            "unit_price": "10.00",
            "tax_class": "standard",
            "service_kind": "event_admission",
            "place_of_performance": "US",
        }
    )
    with pytest.raises(TaxRuleError) as caught:
        complete(draft(data))
    assert {p.rule for p in caught.value.problems} == {"BR-O-11"}


# The same decisions under Peppol BIS Billing 3.0 (official rules from ../shared/artifacts).


def _peppol(data: dict[str, Any]) -> dict[str, Any]:
    data["profile"] = "peppol-bis-3"
    data["buyer"]["electronic_address"] = {"value": gln("400000200000"), "scheme": "0088"}
    return data


@pytest.mark.parametrize(
    ("data", "category"),
    [
        (lambda: _sale(_business("US", vat=False), supply_type="services"), "O"),
        (lambda: _sale(_business("FR"), goods_dispatched_to="FR"), "K"),
        (lambda: _sale(_business("ES", "35001"), delivered_to="ES", postal_code="35001"), "G"),
        (lambda: _sale(_consumer("FR"), delivered_to="FR", tax_context=OVER), "S"),
        (
            lambda: _sale(
                _business("FR"),
                supply_type="services",
                service_kind="immovable_property",
                place_of_performance="FR",
            ),
            "S",
        ),
    ],
    ids=["art44-O", "K-dispatched", "canary-G", "oss-S", "performed-there-S"],
)
def test_place_of_supply_decisions_pass_peppol_bis_3(data, category, artifacts_dir):
    invoice = complete(draft(_peppol(data())))
    assert _only(invoice)[0] == category
    report = validators.validate(
        ubl.render(invoice, profile="peppol-bis-3"), profile="peppol-bis-3"
    )
    assert report.valid, [(f.rule_id, f.message) for f in report.fatal]


def test_a_buyer_with_only_a_non_eu_vat_id_gets_no_k():
    buyer = _business("FR")
    buyer["vat_id"] = valid_vat_id("GB", 2)
    invoice = complete(draft(_sale(buyer, delivered_to="FR")))
    assert _only(invoice) == ("S", Decimal("19"), None)  # taxed at departure, under the threshold
    _valid(invoice)


@pytest.mark.parametrize("syntax", ["ubl", "cii"])
def test_o_invoice_of_a_german_seller_passes_xrechnung(syntax, artifacts_dir):
    from schemas import cii
    from tests.api.pack_drafts import pack_draft

    data = pack_draft("DE", "DE-O-1")
    data["supply_type"] = "services"
    data["buyer"] = {
        "name": "Buyer Inc",
        "legal_id": {"value": "EIN-1", "scheme": None},
        "electronic_address": {"value": gln("400000200000"), "scheme": "0088"},
        "address": {
            "lines": ["1 Main St"],
            "city": "Boston",
            "postal_code": "02110",
            "country": "US",
        },
    }
    invoice = complete(draft(data))
    assert _only(invoice) == ("O", Decimal("0"), "VATEX-EU-O")  # BT-119 0: BR-DE-14
    assert all(line.vat_rate is None for line in invoice.lines)  # BR-O-05
    render = ubl.render if syntax == "ubl" else cii.render
    report = validators.validate(render(invoice, profile="xrechnung-3"), profile="xrechnung-3")
    assert report.valid, [(f.rule_id, f.message) for f in report.fatal]


@pytest.mark.parametrize(
    ("tax_registration_id", "decision"),
    [
        (None, "moved to BT-32"),
        ("12/345/67890", "left out (BT-32 and a seller identifier are already given)"),
    ],
)
def test_the_trace_says_where_the_seller_vat_id_went(tax_registration_id, decision):
    data = _sale(_business("US", vat=False), supply_type="services")
    data["seller"]["tax_registration_id"] = tax_registration_id
    completion = complete_with_trace(draft(data))
    (moved,) = [d for d in completion.trace.decisions if d["target"] == "seller.vat_id"]
    assert moved["decision"] == decision
    assert completion.invoice.seller.tax_registration_id == (
        tax_registration_id or data["seller"]["vat_id"]
    )
    _valid(completion.invoice)
