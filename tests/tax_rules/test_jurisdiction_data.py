"""Pack data beyond rates: sources and checked dates, classes, mandates, retention, modules, VAT-id routes."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from schemas.model import InvoiceDraft
from tax_rules import TaxWarning, UnknownTaxClass, complete_with_trace, retain_until
from tax_rules.mandate import warnings as mandate_warnings
from tax_rules.national import requirements
from tax_rules.pack import Pack, find, jurisdiction, jurisdictions, vat_id_route
from tax_rules.vat_id import check
from tax_rules.vocabulary import PRODUCT_CLASSES, SHARED_CLASSES
from tests.api.pack_drafts import national_adjustments, pack_draft

PACKS_DIR = Path(__file__).resolve().parents[2] / "tax_rules" / "packs"
PACK_FILES = sorted(PACKS_DIR.glob("*.toml"))
SOURCED_TABLES = ("rates", "classes", "mandates", "territories")


def _rows(data: dict) -> list[tuple[str, dict]]:
    rows = [("retention", data["retention"])]
    for table in SOURCED_TABLES:
        rows += [(f"{table}[{i}]", row) for i, row in enumerate(data.get(table, []))]
    return rows


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.stem)
def test_every_row_has_a_source_and_a_checked_date(path):
    data = tomllib.loads(path.read_text("utf-8"))
    for where, row in _rows(data):
        assert isinstance(row.get("source"), str) and len(row["source"]) >= 3, (path.name, where)
        assert isinstance(row.get("checked"), date), (path.name, where, "no checked date")
        assert date(2020, 1, 1) <= row["checked"] <= date.today(), (path.name, where)


def test_a_row_without_a_checked_date_does_not_load():
    data = tomllib.loads((PACKS_DIR / "de.toml").read_text("utf-8"))
    del data["rates"][0]["checked"]
    with pytest.raises(ValidationError, match="checked"):
        Pack.model_validate(data)


@pytest.mark.parametrize("country", jurisdictions())
def test_every_class_row_resolves_on_its_first_and_last_day(country):
    pack = jurisdiction(country)
    for period in pack.classes:
        assert period.tax_class in PRODUCT_CLASSES
        for day in filter(None, (period.valid_from, period.valid_to)):
            rate = pack.rate(period.tax_class, day)
            assert rate == (
                period.rate if period.rate is not None else pack.rate(period.follows, day)
            )
    assert set(pack.tax_classes) >= {"standard", "exempt"}


def test_an_unknown_class_lists_the_classes_of_that_date():
    with pytest.raises(UnknownTaxClass) as caught:
        jurisdiction("FI").rate("luxury", date(2026, 1, 1))
    problem = caught.value.problems[0].as_dict()
    assert problem["rule"] == "tax.unknown-class"
    assert {"books", "standard", "exempt"} <= set(problem["allowed"])
    assert "egw tax classes FI" in problem["message"]


def test_an_unmapped_product_class_is_not_guessed():
    # PT maps no product classes yet: 'books' is refused with the list, not given a bucket's rate.
    with pytest.raises(UnknownTaxClass):
        jurisdiction("PT").rate("books", date(2026, 1, 1))
    assert "books" in SHARED_CLASSES


def test_aliases_and_vat_id_routes_come_from_the_packs():
    assert jurisdiction("EL").country == "GR" and jurisdiction("uk").country == "GB"
    assert find("US") is None
    assert vat_id_route("XI123456782")[0].country == "GB"
    assert vat_id_route("CHE116281710MWST")[1].module == "stdnum.ch.vat"
    assert vat_id_route("ATU13585627")[0].country == "AT"
    assert vat_id_route("US123") is None
    assert check("buyer.vat_id", "NO974760673MVA") is None
    assert check("buyer.vat_id", "NO974760674MVA").rule == "vat-id.check-digit"


@pytest.mark.parametrize(
    ("country", "issued", "until", "version_field"),
    [
        ("DE", date(2026, 3, 5), date(2034, 12, 31), "2026.11.2"),
        ("RO", date(2026, 3, 5), date(2031, 12, 31), "2026.11.2"),
        ("FI", date(2026, 12, 31), date(2032, 12, 31), "2026.11.2"),
        ("FI", date(2027, 1, 1), date(2033, 12, 31), "2026.11.2"),
    ],
)
def test_retain_until_counts_from_the_packs_start_rule(country, issued, until, version_field):
    decision = retain_until(country, issued)
    assert decision.until == until
    assert decision.pack_version == version_field and decision.source


def test_retain_until_other_start_rules():
    fi = jurisdiction("FI")
    assert retain_until(fi, date(2026, 7, 1), fiscal_year_end=(6, 30)).until == date(2033, 6, 30)
    by_issue = fi.model_copy(
        update={"retention": fi.retention.model_copy(update={"starts": "issue_date"})}
    )
    assert retain_until(by_issue, date(2028, 2, 29)).until == date(2034, 2, 28)


def test_retention_figures_of_issue_13():
    assert (jurisdiction("RO").retention_years, jurisdiction("FI").retention_years) == (5, 6)
    assert "unverified" in jurisdiction("LV").retention.source


KNOWN_MANDATES = [
    ("BE", "b2b_issue", "2026-01-01"),
    ("PL", "b2b_receive", "2026-02-01"),
    ("PL", "b2b_issue", "2026-02-01"),
    ("DE", "b2b_receive", "2025-01-01"),
    ("DE", "b2b_issue", "2027-01-01"),
    ("FR", "b2b_receive", "2026-09-01"),
    ("GR", "b2b_issue", "2026-03-02"),
    ("LV", "b2b_issue", "2028-01-01"),
    ("IE", "b2b_issue", "2028-11-01"),
    ("SK", "b2b_issue", "2027-01-01"),
    ("HR", "b2b_issue", "2026-01-01"),
    ("GB", "b2b_issue", "2029-04-01"),
    ("AT", "cross_border", "2030-07-01"),
]


@pytest.mark.parametrize(("country", "scope", "start"), KNOWN_MANDATES)
def test_known_mandate_dates(country, scope, start):
    starts = {m.start for m in jurisdiction(country).mandates if m.scope == scope}
    assert date.fromisoformat(start) in starts


def _domestic(country: str, day: str) -> InvoiceDraft:
    data = pack_draft(country, f"{country}-1")
    data.update(issue_date=day, delivery_date=day, profile="en16931")
    return InvoiceDraft.model_validate(data)


@pytest.mark.parametrize(
    ("country", "day", "warned"),
    [
        ("PL", "2026-01-31", False),
        ("PL", "2026-02-01", True),
        ("IT", "2026-11-02", True),
        ("DE", "2027-06-01", False),  # EN 16931 is what DE asks for: the gateway produces it
        ("BE", "2026-06-01", False),  # Peppol BIS: produced
    ],
)
def test_a_mandate_for_a_format_the_gateway_cannot_produce_is_a_warning(country, day, warned):
    draft = _domestic(country, day)
    found = mandate_warnings(draft, jurisdiction(country), on=draft.issue_date)
    assert bool(found) == warned
    completion = complete_with_trace(draft)
    codes = [w.code for w in completion.warnings]
    assert ("tax.mandate-format-not-produced" in codes) == warned
    assert all(isinstance(w, TaxWarning) and w.source for w in completion.warnings)


@pytest.mark.parametrize(
    ("country", "rules"),
    [
        ("DK", {"DK-R-014"}),
        ("NL", {"NL-R-003"}),
        ("SE", {"SE-R-003", "SE-R-005"}),  # REG-1: not numeric
        ("GR", {"GR-R-002", "GR-R-009"}),
    ],
)
def test_national_peppol_requirements_live_beside_the_pack(country, rules):
    assert jurisdiction(country).module is not None
    bare = InvoiceDraft.model_validate({**pack_draft(country, "X-1"), "profile": "peppol-bis-3"})
    assert {p.rule for p in requirements(bare, jurisdiction(country))} == rules
    adjusted = national_adjustments(country, pack_draft(country, "X-1"))
    fixed = InvoiceDraft.model_validate({**adjusted, "profile": "peppol-bis-3"})
    assert requirements(fixed, jurisdiction(country)) == []
    assert requirements(bare.model_copy(update={"profile": "en16931"}), jurisdiction(country)) == []


def test_a_broken_pack_file_is_a_pack_data_error_naming_the_file(monkeypatch, tmp_path):
    import tax_rules.pack as pack_module
    from tax_rules.errors import PackDataError

    (tmp_path / "xx.toml").write_text('country = "XX"\n')

    class Folder:
        def iterdir(self):
            return iter([tmp_path / "xx.toml"])

    monkeypatch.setattr(pack_module, "_folder", Folder)
    pack_module._packs.cache_clear()
    try:
        with pytest.raises(PackDataError) as caught:
            pack_module.jurisdictions()
        assert caught.value.problems[0].field == "xx.toml"
        assert "name" in caught.value.problems[0].message  # the missing fields are named
    finally:
        monkeypatch.undo()
        pack_module._packs.cache_clear()
    assert "DE" in pack_module.jurisdictions()


def test_italian_peppol_requirements():
    data = {**pack_draft("IT", "X-1"), "profile": "peppol-bis-3"}
    assert {
        p.rule for p in requirements(InvoiceDraft.model_validate(data), jurisdiction("IT"))
    } == {"IT-R-001"}
    data["seller"] = {**data["seller"], "tax_registration_id": "RSSMRA80A01H501U"}
    data["seller"]["address"] = {"country": "IT", "city": "Roma"}
    problems = requirements(InvoiceDraft.model_validate(data), jurisdiction("IT"))
    assert {(p.field, p.rule) for p in problems} == {
        ("seller.address.lines", "IT-R-002"),
        ("seller.address.postal_code", "IT-R-004"),
    }
