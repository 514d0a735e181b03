"""Who judges a rendered draft: native rules when they cover the whole rule set, else Saxon."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.synthetic import invoice_with_lines
from schemas import ubl
from schemas.model import InvoiceDraft
from tax_rules import complete_with_trace
from tests.api.drafts import api_draft
from validators import validate
from validators.native import judge
from validators.native.audit import schematron_findings
from validators.native.xpath2 import NativeEvaluationError


@pytest.fixture(scope="module")
def rendered() -> bytes:
    invoice = complete_with_trace(InvoiceDraft.model_validate(api_draft("J-1"))).invoice
    return ubl.render(invoice)


def _keys(report):
    return Counter((f.rule_id, f.severity, f.location) for f in report.findings)


def test_a_fully_covered_profile_is_judged_natively_with_the_official_stages(rendered):
    native = judge.validate_rendered(rendered, profile="en16931")
    official = validate(rendered, profile="en16931")
    assert (native.engine, official.engine) == ("native", "official")
    assert native.valid and official.valid
    assert native.ruleset_id == official.ruleset_id
    assert native.rule_sets == official.rule_sets  # the report keeps naming what it covered
    assert [r.stage for r in native.results] == [r.stage for r in official.results]
    assert native.results[1].detail.startswith("complete: all 979 rules ran natively")
    assert _keys(native) == _keys(official)


def test_native_findings_on_a_broken_draft_equal_saxon(rendered):
    broken = rendered.replace(
        b"<cbc:PayableAmount",
        b"<cbc:PrepaidAmount currencyID='EUR'>1</cbc:PrepaidAmount><cbc:PayableAmount",
        1,
    )
    native = judge.validate_rendered(broken, profile="en16931")
    official = validate(broken, profile="en16931")
    assert native.engine == "native" and not native.valid
    assert schematron_findings(native) == schematron_findings(official)
    assert any(f.rule_id == "BR-CO-16" for f in native.fatal)


def test_setting_official_and_uncovered_profiles_go_to_saxon(rendered):
    assert (
        judge.validate_rendered(rendered, profile="en16931", engine="official").engine == "official"
    )
    # XRechnung's stage merges two rule sets: no native form of it, so the report is mixed.
    xrechnung = judge.validate_rendered(rendered, profile="xrechnung-3")
    assert xrechnung.engine == "mixed"
    assert _keys(xrechnung) == _keys(validate(rendered, profile="xrechnung-3"))


def test_peppol_is_judged_mixed_en16931_natively_and_peppol_by_saxon(rendered):
    # The native Peppol rules are proven but slower than Saxon's: not wired into the draft path.
    mixed = judge.validate_rendered(rendered, profile="peppol-bis-3")
    official = validate(rendered, profile="peppol-bis-3")
    assert (mixed.engine, official.engine) == ("mixed", "official")
    assert [r.stage for r in mixed.results] == [r.stage for r in official.results]
    by_stage = {r.stage: r for r in mixed.results}
    assert by_stage["en16931"].detail.startswith("complete: all 979 rules ran natively")
    assert not (by_stage["peppol"].detail or "").startswith("complete")
    assert _keys(mixed) == _keys(official)
    assert mixed.valid == official.valid


def test_an_xpath2_dynamic_error_hands_the_document_to_saxon(rendered, monkeypatch):
    def fail(*_args, **_kwargs):
        raise NativeEvaluationError("XPath 2.0 dynamic error FORG0001")

    monkeypatch.setattr(judge, "run_stage", fail)
    report = judge.validate_rendered(rendered, profile="en16931")
    assert report.engine == "official" and report.valid


def test_a_schema_invalid_draft_gets_the_official_runners_stage_outcomes(rendered):
    broken = rendered.replace(
        b"<cbc:PayableAmount", b"<cbc:NoSuchTerm>1</cbc:NoSuchTerm><cbc:PayableAmount", 1
    )
    native = judge.validate_rendered(broken, profile="en16931")
    official = validate(broken, profile="en16931")
    assert native.engine == "native" and not native.valid
    assert [(r.stage, r.outcome) for r in native.results] == [
        (r.stage, r.outcome) for r in official.results
    ]
    assert native.results[0].outcome != "valid"  # the XSD stage found the unknown element
    assert _keys(native) == _keys(official)


def test_documents_over_the_line_limit_go_to_saxon(monkeypatch):
    # Past a few hundred lines Saxon is the cheaper judge (see NATIVE_MAX_LINES).
    monkeypatch.setattr(judge, "NATIVE_MAX_LINES", 3)
    at_limit = judge.validate_rendered(ubl.render(invoice_with_lines(3)), profile="en16931")
    over = judge.validate_rendered(ubl.render(invoice_with_lines(4)), profile="en16931")
    assert (at_limit.engine, over.engine) == ("native", "official")
    assert at_limit.valid and over.valid


def test_a_defect_in_the_native_engine_hands_the_draft_to_saxon(rendered, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise LookupError("a value from the document: Jane Doe")

    monkeypatch.setattr(judge, "run_stage", broken)
    with caplog.at_level("ERROR", logger="egw.validation.native"):
        report = judge.validate_rendered(rendered, profile="en16931")
    assert report.engine == "official" and report.valid
    assert "LookupError" in caplog.text and "Jane Doe" not in caplog.text
