"""The EN 16931 model: codes, decimals, unknown fields, immutability, personal data."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from schemas.model import Invoice, InvoiceDraft, personal_data_fields
from tests.factories import full_invoice, full_invoice_data


def _errors(model, data):
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return {".".join(str(p) for p in e["loc"]): e["msg"] for e in caught.value.errors()}


def test_unknown_fields_are_errors_not_ignored():
    data = full_invoice_data()
    data["seller"]["nickname"] = "x"
    assert "seller.nickname" in _errors(Invoice, data)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("currency",), "EUX", "ISO 4217"),
        (("seller", "address", "country"), "UK", "ISO 3166"),
        (("type_code",), "999", "UNTDID 1001"),
        (("vat_breakdown", 0, "category"), "X", "UNCL5305"),
        (("payment", "means_code"), "71", "UNCL4461"),
        (("lines", 0, "unit"), "piece", "Recommendation 20"),
    ],
)
def test_code_lists_are_checked_with_a_clear_message(path, value, expected):
    data = full_invoice_data()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    errors = _errors(Invoice, data)
    field = ".".join(str(p) for p in path)
    assert field in errors
    assert expected in errors[field]


def test_amounts_allow_two_decimals_only():
    data = full_invoice_data()
    data["totals"]["amount_due"] = "100.005"
    assert "2 decimals" in _errors(Invoice, data)["totals.amount_due"]
    data["totals"]["amount_due"] = "100.000"  # trailing zeros are the same amount
    assert Invoice.model_validate(data).totals.amount_due == Decimal("100")


def test_floats_become_their_shortest_decimal_never_binary_noise():
    data = full_invoice_data()
    data["lines"][1]["unit_price"] = 0.1
    assert Invoice.model_validate(data).lines[1].unit_price == Decimal("0.1")


def test_prices_may_not_be_negative_but_quantities_may():
    data = full_invoice_data()
    data["lines"][1]["unit_price"] = "-1"
    assert "lines.1.unit_price" in _errors(Invoice, data)
    data["lines"][1]["unit_price"] = "1"
    data["lines"][1]["quantity"] = "-1"
    assert Invoice.model_validate(data).lines[1].quantity == Decimal("-1")


def test_full_card_numbers_are_refused():
    data = full_invoice_data()
    data["payment"]["card"]["account_number"] = "4111111111111111"
    assert "last 4 to 6 digits" in _errors(Invoice, data)["payment.card"]


def test_models_are_frozen():
    invoice = full_invoice()
    with pytest.raises(ValidationError):
        invoice.number = "other"


def test_complete_invoice_needs_totals_breakdown_and_line_vat():
    data = full_invoice_data()
    del data["totals"], data["vat_breakdown"], data["lines"][0]["vat_category"]
    errors = _errors(Invoice, data)
    assert {"totals", "vat_breakdown", "lines.0.vat_category"} <= set(errors)


def test_draft_accepts_tax_classes_and_the_design_example(tmp_path):
    from pathlib import Path

    text = (Path(__file__).parent.parent / "data" / "design_draft.json").read_text()
    draft = InvoiceDraft.model_validate_json(text)
    assert draft.lines[0].tax_class == "standard"
    assert draft.payment.accounts[0].account_id == "DE89370400440532013000"  # given as "iban"
    assert draft.tax_point.isoformat() == "2026-10-30"  # BT-72 before the issue date


def test_personal_data_is_tagged():
    fields = personal_data_fields(Invoice)
    assert {
        "buyer.name",
        "buyer.contact.email",
        "payment.accounts.account_id",
        "delivery.address.lines",
    } <= set(fields)
    assert "totals.amount_due" not in fields


def test_period_must_not_end_before_it_starts():
    data = full_invoice_data()
    data["invoice_period"] = {"start": "2026-10-31", "end": "2026-10-01"}
    assert "BR-29" in _errors(Invoice, data)["invoice_period"]


def test_allowance_reason_codes_come_from_uncl5189():
    data = full_invoice_data()
    data["allowances"][0]["reason_code"] = "FC"  # a UNCL7161 charge code
    errors = _errors(Invoice, data)
    assert any("BR-CL-19" in message for message in errors.values())


@pytest.mark.parametrize("quantity", ["1e30", "1000000000000000", "0.0000000000001"])
def test_numbers_outside_exact_decimal_range_are_refused(quantity):
    data = full_invoice_data()
    data["lines"][0]["quantity"] = quantity
    assert "lines.0.quantity" in _errors(Invoice, data)
