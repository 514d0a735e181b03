"""Sweeps over the model: every field has a path in each syntax binding, and a fixture fills it (issue 16.1).

"Has a path" is proven both ways: a fixture's value of the field is rendered and
read back unchanged. A field a syntax cannot hold is listed below with the
reason, and the sweep checks that it is indeed not carried (so the list cannot
go stale).
"""

from __future__ import annotations

from typing import Any

import pytest

from schemas import syntax, terms
from schemas.model import Invoice, InvoiceDraft
from tests.factories import full_invoice
from tests.schemas.fixtures import drafts, exempt_invoice, tax_point_code_invoice

_NOT_A_TERM = (
    "not an EN 16931 term: the gateway's own GDPR marker, kept in its record, "
    "which no e-invoice syntax carries"
)
NOT_REPRESENTABLE: dict[str, dict[str, str]] = {
    "ubl": {"seller.is_natural_person": _NOT_A_TERM, "buyer.is_natural_person": _NOT_A_TERM},
    "cii": {"seller.is_natural_person": _NOT_A_TERM, "buyer.is_natural_person": _NOT_A_TERM},
}


def invoices() -> list[Invoice]:
    """Every complete invoice fixture."""
    return [
        make(type_code=code)
        for make in (full_invoice, exempt_invoice, tax_point_code_invoice)
        for code in ("380", "381")
    ]


def _empty(value: Any) -> bool:
    return value is None or value is False or value == ""


def leaf_values(data: Any, prefix: str = "") -> dict[str, list[Any]]:
    """Non-empty leaf values by model path (list positions written ``[]``, as terms.fields does)."""
    found: dict[str, list[Any]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            for path, values in leaf_values(value, f"{prefix}{key}.").items():
                found.setdefault(path, []).extend(values)
    elif isinstance(data, list):
        for item in data:
            for path, values in leaf_values(item, f"{prefix[:-1]}[].").items():
                found.setdefault(path, []).extend(values)
    elif not _empty(data):
        found[prefix[:-1]] = [data]
    return found


@pytest.mark.parametrize("name", syntax.names())
def test_every_model_field_has_a_path_in_the_binding(name):
    binding = syntax.get(name)
    listed = NOT_REPRESENTABLE[name]
    carried: set[str] = set()
    lost: dict[str, str] = {}
    for invoice in invoices():
        before = leaf_values(invoice.model_dump(mode="json"))
        after = leaf_values(binding.parse(binding.render(invoice)).model_dump(mode="json"))
        for path, values in before.items():
            kept = sorted(map(str, after.get(path, [])))
            if path in listed:
                assert not kept, f"{path} is listed as not representable in {name} but is carried"
            elif kept == sorted(map(str, values)):
                carried.add(path)
            else:
                lost[path] = f"{values!r} became {after.get(path)!r} ({invoice.type_code})"
    assert not lost, lost
    every_field = {path for path, _ in terms.fields(Invoice)}
    unproven = every_field - carried - set(listed)
    assert not unproven, f"no fixture shows these fields carried by {name}: {sorted(unproven)}"
    assert set(listed) <= every_field, "the not-representable list names fields the model lacks"


def test_every_model_field_is_filled_by_some_fixture():
    filled: set[str] = set()
    for invoice in invoices():
        filled |= set(leaf_values(invoice.model_dump(mode="json")))
    for draft in drafts():
        filled |= set(leaf_values(InvoiceDraft.model_validate(draft).model_dump(mode="json")))
    for model in (Invoice, InvoiceDraft):
        empty = sorted(path for path, _ in terms.fields(model) if path not in filled)
        assert not empty, f"{model.__name__} fields empty in every fixture: {empty}"


def test_every_business_term_of_the_model_is_recorded_once():
    found = [term for _, term in terms.fields(Invoice) if term is not None]
    assert len(found) == len(set(found)), sorted(t for t in found if found.count(t) > 1)
    assert {path for path, term in terms.fields(Invoice) if term is None} == set(
        NOT_REPRESENTABLE["ubl"]
    )


@pytest.mark.parametrize("name", syntax.names())
def test_the_sweep_fixtures_pass_the_official_rules(name, artifacts_dir):
    import validators

    binding = syntax.get(name)
    for invoice in invoices():
        report = validators.validate(binding.render(invoice), profile="en16931")
        assert report.valid, (invoice.type_code, [(f.rule_id, f.message) for f in report.fatal])


def test_draft_only_fields_are_derived_from_the_models():
    from schemas.model import AllowanceCharge, AllowanceChargeDraft, InvoiceLine, LineDraft

    derived = terms.draft_only_fields()
    # (A superset as the draft grows: every draft-only field is one the invoice lacks.)
    assert not derived & set(Invoice.model_fields)
    assert derived >= {
        "profile",
        "syntax",
        "supply_type",
        "vat_regime",
        "reverse_charge_case",
        "exemption_reason",
        "exemption_reason_code",
        "paid_amount",
        "rounding_amount",
        "vat_total_accounting_currency",
    }
    assert terms.draft_only_fields(LineDraft, InvoiceLine) == {
        "tax_class",
        "service_kind",
        "place_of_performance",
    }
    assert terms.draft_only_fields(AllowanceChargeDraft, AllowanceCharge) == {"tax_class"}


def test_every_field_of_every_model_records_its_business_term_or_says_it_has_none():
    import inspect

    from pydantic import BaseModel

    from schemas import model

    undeclared = []
    for name, cls in vars(model).items():
        if not (inspect.isclass(cls) and issubclass(cls, BaseModel)) or name.startswith("_"):
            continue
        for field, info in cls.model_fields.items():
            extra = info.json_schema_extra
            has_term = isinstance(extra, dict) and "bt" in extra
            if not has_term and not (info.description or "").startswith("Not an EN 16931 term"):
                undeclared.append(f"{name}.{field}")
    assert not undeclared, (
        "give these fields json_schema_extra=term(...) or a description starting "
        f"'Not an EN 16931 term': {undeclared}"
    )
