"""Peppol BIS 3 unit tests (UBL and CII, common and national rules) against our compiled Peppol rules."""

from __future__ import annotations

from collections import Counter

import pytest

from schemas.artifacts import load
from tests.conftest import CORPUS_DIR
from tests.corpus.vefa import read_folder
from validators.stages import schematron

pytestmark = (
    pytest.mark.slow
)  # a sweep over the official corpus: CI runs it, the inner loop leaves it out

FOLDERS = (
    sorted(p.name for p in (CORPUS_DIR / "peppol-unit").iterdir())
    if (CORPUS_DIR / "peppol-unit").is_dir()
    else []
)


@pytest.mark.parametrize("folder", FOLDERS)
def test_peppol_unit_tests(folder, corpus_dir, artifacts_dir, capsys):
    artifact = load("peppol-cii-sch" if "-CII-" in folder else "peppol-ubl-sch")
    tests = read_folder(corpus_dir / "peppol-unit" / folder)
    assert tests
    misses = []
    for test in tests:
        result = schematron.run("peppol", artifact, test.document)
        assert result.outcome != "error", f"{test.name}: {result.detail}"
        fired = Counter(f.rule_id for f in result.findings)
        problems = [p for p in (e.check(fired) for e in test.expectations) if p]
        if problems:
            misses.append(f"{test.name}: {problems}")
    with capsys.disabled():
        print(f"\nPeppol unit {folder}: {len(tests) - len(misses)}/{len(tests)}")
    assert not misses, misses[:10]


def test_all_peppol_folders_are_there(corpus_dir):
    assert len(FOLDERS) == 14


def test_en16931_cii_unit_tests_with_our_compiled_cen_rules(corpus_dir, artifacts_dir):
    artifact = load("en16931-cii-sch")
    tests = read_folder(corpus_dir / "en16931-unit" / "cii")
    assert tests
    for test in tests:
        result = schematron.run("en16931", artifact, test.document)
        assert result.outcome != "error", result.detail
        fired = Counter(f.rule_id for f in result.findings)
        problems = [p for p in (e.check(fired) for e in test.expectations) if p]
        assert not problems, (test.name, problems)


def test_xrechnung_rule_sets_compile_and_run_on_the_corpus(corpus_dir, artifacts_dir):
    from tests.conftest import corpus_files

    for name, files in (
        ("xrechnung-ubl-sch", corpus_files("ubl", "valid")[:10]),
        ("xrechnung-cii-sch", corpus_files("cii", "valid")),
    ):
        artifact = load(name)
        for path in files:
            result = schematron.run("xrechnung", artifact, path.read_text(encoding="utf-8"))
            assert result.outcome in ("valid", "invalid"), (path.name, result.detail)
