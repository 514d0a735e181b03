"""A rule set cut into its patterns reports, pattern after pattern, exactly what it reports whole.

validators.schematron.split / validators.stages.sharing: the patterns of a cut
rule set run in two processes for big documents; the report must not change.
"""

from __future__ import annotations

import pytest

from schemas.artifacts import load
from tests.validators import fast_differential
from validators.report import Finding, StageResult
from validators.schematron.split import PATTERN_COSTS, Unit, pattern_count, plan, units_of
from validators.stages import schematron
from validators.stages.sharing import merged


def _essence(result: StageResult):
    return (
        result.outcome,
        result.truncated,
        [(f.rule_id, f.severity, f.location) for f in result.findings],
    )


def _findings(prefix: str, count: int, severity: str = "fatal") -> tuple[Finding, ...]:
    return tuple(Finding(f"{prefix}-{i}", severity, f"/a[{i}]", "m", "s") for i in range(count))


def test_merged_caps_the_whole_stage_as_one_run_with_that_limit_would():
    first = StageResult("en16931", "valid", _findings("A", 3, "warning"))
    second = StageResult("en16931", "invalid", _findings("B", 4), truncated=2)
    whole = merged("en16931", [first, second], limit=5)
    assert [f.rule_id for f in whole.findings] == ["A-0", "A-1", "A-2", "B-0", "B-1"]
    assert whole.truncated == 4  # 3 + 4 + 2 found in all, 5 kept
    assert whole.outcome == "invalid"
    assert merged("en16931", [first], limit=5).outcome == "valid"


def test_the_plan_balances_the_two_processes_and_keeps_the_first_unit_here():
    units = units_of("en16931", "en16931-ubl-xslt", cut=True) + units_of(
        "peppol", "peppol-ubl-sch", cut=False
    )
    assert [u.pattern for u in units] == [1, 2, 3, None]
    sent = plan(units)
    assert units[0] not in sent and sent
    here = sum(u.cost for u in units if u not in sent)
    there = sum(u.cost for u in sent)
    assert abs(here - there) < max(u.cost for u in units)  # no unit could move to even it out
    # A single unit never leaves: shipping and parsing twice would only add.
    assert plan([Unit("en16931", None, 300.0)]) == frozenset()
    # Not cut (its fast form does not run): the stage is one unit.
    assert [u.pattern for u in units_of("en16931", "en16931-ubl-xslt", cut=False)] == [None]


def _syntax(name: str) -> str:
    return "cii" if "-cii-" in name else "ubl"


def _cut_rule_sets():
    return [name for name in PATTERN_COSTS]


@pytest.mark.parametrize("name", _cut_rule_sets())
def test_each_cut_rule_set_has_the_patterns_its_costs_name(name, artifacts_dir):
    artifact = load(name)
    assert schematron.resolve_form(artifact) == "fast"  # a cut is made of the fast form only
    from validators.schematron import compiled_xslt_path
    from validators.stages.schematron import _fast_source

    source = _fast_source(artifact)
    assert source is not None
    text = compiled_xslt_path(source.path, fast=True).read_text()
    assert text.count('mode="M') > 0
    assert f'mode="M{pattern_count(name)}"' in text
    assert f'mode="M{pattern_count(name) + 1}"' not in text


def _compare(name: str, documents: list[tuple[str, str]]) -> tuple[int, list[str]]:
    artifact = load(name)
    differences, fired = [], 0
    for label, text in documents:
        source = schematron.Source(text)
        try:
            whole = schematron.run("s", artifact, source, form="fast")
            parts = [
                schematron.run("s", artifact, source, pattern=p)
                for p in range(1, pattern_count(name) + 1)
            ]
        finally:
            source.release()
        if whole.outcome == "error":
            assert any(p.outcome == "error" for p in parts), label
            continue
        fired += len(whole.findings)
        if _essence(merged("s", parts, 10**9)) != _essence(whole):
            differences.append(label)
    return fired, differences


@pytest.mark.parametrize("name", _cut_rule_sets())
def test_patterns_one_after_the_other_report_the_whole_on_a_few_documents(
    name, corpus_dir, artifacts_dir
):
    documents = fast_differential.documents(_syntax(name))[::100]
    fired, differences = _compare(name, documents)
    assert differences == []
    assert fired > 0


@pytest.mark.slow  # every UBL corpus document and unit-test fragment: CI runs it
@pytest.mark.parametrize("name", _cut_rule_sets())
def test_patterns_one_after_the_other_report_the_whole_on_every_document(
    name, corpus_dir, artifacts_dir, capsys
):
    documents = fast_differential.documents(_syntax(name))
    fired, differences = _compare(name, documents)
    with capsys.disabled():
        print(
            f"\n{name} cut in patterns: {len(documents) - len(differences)}/{len(documents)} identical"
        )
    assert len(documents) >= (1700 if _syntax(name) == "ubl" else 340)
    assert fired > 500
    assert differences == []
