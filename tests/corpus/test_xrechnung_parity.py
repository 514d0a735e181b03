"""XRechnung parity: the xrechnung-3 profile runs the Peppol rules KoSIT's release merges in."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from lxml import etree

from schemas.artifacts import load
from tests.conftest import CORPUS_DIR
from tests.corpus.vefa import read_folder
from validators.ruleset import ruleset_for
from validators.schematron.merge import merged_artifact
from validators.stages import schematron

pytestmark = (
    pytest.mark.slow
)  # a sweep over the official corpus: CI runs it, the inner loop leaves it out

SCH = "{http://purl.oclc.org/dsdl/schematron}"
PEPPOL_FOLDERS = (
    sorted(p.name for p in (CORPUS_DIR / "peppol-unit").iterdir())
    if (CORPUS_DIR / "peppol-unit").is_dir()
    else []
)


def _whitelist() -> set[str]:
    path = load("xrechnung-peppol-merge-xsl").path.parent / "rule-list.xml"
    root = etree.parse(str(path)).getroot()
    return {str(r.text).strip() for r in root.iter("{rule}rule")}


def _merged(syntax: str):
    stage = next(s for s in ruleset_for("xrechnung-3", syntax).stages if s.merge)
    assert stage.merge is not None
    return merged_artifact(
        load(stage.artifact),
        load(stage.merge.peppol),
        load(stage.merge.transform),
        syntax=stage.merge.syntax,
    )


# Where KoSIT's merge stylesheet deliberately rewrites a Peppol rule (peppol-into-xr.xsl,
# the xsl:when branches), a Peppol unit test of the original rule must NOT pass:
# that it fails here proves the upstream rewrite is applied, not skipped.
KOSIT_REWRITES = {
    # R053 in CII becomes "at most one tax total in the document currency" (BT-110 optional).
    "unit-CII-PEPPOL/PEPPOL-EN16931-R053.xml#2": "PEPPOL-EN16931-R053",
}


def _base(rule_id: str) -> str:
    # The upstream merge numbers a rule that occurs twice: PEPPOL-EN16931-R043-1, -2.
    return re.sub(r"(PEPPOL-EN16931-[A-Z]\d+)-\d+$", r"\1", rule_id)


@pytest.mark.parametrize("syntax", ["ubl-invoice", "cii"])
def test_the_merged_rule_set_lists_exactly_the_whitelisted_peppol_rules(syntax, artifacts_dir):
    whitelist = _whitelist()
    assert len(whitelist) == 21 and "PEPPOL-EN16931-R053" in whitelist
    merged = etree.parse(str(_merged(syntax).path)).getroot()
    peppol_ids = {
        _base(a.get("id", ""))
        for a in merged.iter(f"{SCH}assert", f"{SCH}report")
        if a.get("id", "").startswith("PEPPOL-")
    }
    assert peppol_ids == whitelist
    # And the XRechnung rules are all still there.
    source = etree.parse(
        str(load("xrechnung-ubl-sch" if syntax != "cii" else "xrechnung-cii-sch").path)
    )
    own = {a.get("id") for a in source.getroot().iter(f"{SCH}assert")}
    assert own <= {a.get("id") for a in merged.iter(f"{SCH}assert")}


@pytest.mark.parametrize("folder", PEPPOL_FOLDERS)
def test_peppol_unit_tests_of_whitelisted_rules_pass_under_xrechnung(
    folder, corpus_dir, artifacts_dir
):
    whitelist = _whitelist()
    artifact = _merged("cii" if "-CII-" in folder else "ubl-invoice")
    checked = 0
    misses = []
    for test in read_folder(corpus_dir / "peppol-unit" / folder):
        expectations = [e for e in test.expectations if e.rule in whitelist]
        if not expectations:
            continue
        result = schematron.run("xrechnung", artifact, test.document)
        assert result.outcome != "error", f"{test.name}: {result.detail}"
        fired = Counter(_base(f.rule_id) for f in result.findings)
        checked += len(expectations)
        problems = [p for p in (e.check(fired) for e in expectations) if p]
        if test.name in KOSIT_REWRITES:
            assert problems and KOSIT_REWRITES[test.name] in problems[0], test.name
            continue
        if problems:
            misses.append(f"{test.name}: {problems}")
    assert not misses, misses[:10]
    if "-PEPPOL" in folder:
        assert checked, f"no whitelisted rule is tested in {folder}"


def test_xrechnung_3_rejects_what_kosit_rejects_r053_r054(artifacts_dir):
    """A UBL invoice with two tax totals in the document currency: PEPPOL-EN16931-R053."""
    import validators
    from tests.conftest import corpus_files

    example = next(p for p in corpus_files("ubl", "valid") if p.name == "ce-ubl-tc434-example1.xml")
    document = example.read_bytes()
    before = validators.validate(document, profile="xrechnung-3")
    assert "PEPPOL-EN16931-R053" not in {f.rule_id for f in before.findings}
    start = document.index(b"<cac:TaxTotal>")
    end = document.index(b"</cac:TaxTotal>") + len(b"</cac:TaxTotal>")
    doubled = document[:end] + document[start:end] + document[end:]
    report = validators.validate(doubled, profile="xrechnung-3")
    assert "PEPPOL-EN16931-R053" in {f.rule_id for f in report.fatal}
