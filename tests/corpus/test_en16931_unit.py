"""The CEN EN 16931 unit tests: the official UBL Schematron meets every expectation.

Only the Schematron stage runs on these fragments (they are deliberately
incomplete documents), and each test is judged on the rules it names.
"""

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

FOLDERS = ("Invoice-unit-UBL", "CreditNote-unit-UBL")


@pytest.mark.parametrize("folder", FOLDERS)
def test_official_ubl_schematron_meets_every_expectation(corpus_dir, folder, capsys):
    tests = read_folder(corpus_dir / "en16931-unit" / folder)
    assert tests, f"no unit tests found in {folder}"
    artifact = load("en16931-ubl-xslt")
    passed = rules_met = rules_total = 0
    misses: list[str] = []
    for test in tests:
        result = schematron.run("en16931", artifact, test.document)
        assert result.outcome != "error", f"{test.name}: {result.detail}"
        fired = Counter(f.rule_id for f in result.findings)
        problems = [p for p in (e.check(fired) for e in test.expectations) if p]
        rules_total += len(test.expectations)
        rules_met += len(test.expectations) - len(problems)
        if problems:
            misses.append(f"{test.name} ({test.description}): {'; '.join(problems)}")
        else:
            passed += 1
    with capsys.disabled():
        print(
            f"\nEN 16931 unit tests {folder}: {passed}/{len(tests)} tests met "
            f"({rules_met}/{rules_total} rule expectations)"
        )
    assert not misses, "\n".join(misses[:50])
    # The corpus MANIFEST counts 915 Invoice and 216 CreditNote tests (1,131 in all).
    assert len(tests) == {"Invoice-unit-UBL": 915, "CreditNote-unit-UBL": 216}[folder]


def test_corpus_folder_is_where_the_manifest_says():
    # Guards the constant above: the expectation totals come from the corpus MANIFEST.
    if not CORPUS_DIR.is_dir():
        pytest.skip("test corpus not found (it lives in ../shared beside the checkout)")
    assert (CORPUS_DIR / "en16931-unit" / "Invoice-unit-UBL").is_dir()
