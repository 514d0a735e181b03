"""Every valid corpus instance under the profile its BT-24 declares.

28 ConnectingEurope examples declare Peppol BIS 3 but carry Swedish organisation
numbers and GLNs that the current Peppol 3.0.19 checks reject (PEPPOL-COMMON-R049,
PEPPOL-COMMON-R040, SE-R-013): example data older than those rules. They are valid
EN 16931 (see test_ubl_valid_validation) and are listed here, not hidden.
"""

from __future__ import annotations

import pytest

import validators
from tests.conftest import corpus_files

pytestmark = (
    pytest.mark.slow
)  # a sweep over the official corpus: CI runs it, the inner loop leaves it out

KNOWN_PEPPOL_DATA_RULES = {"PEPPOL-COMMON-R049", "PEPPOL-COMMON-R040", "SE-R-013"}


def test_corpus_under_detected_profiles(corpus_dir, artifacts_dir, capsys):
    files = corpus_files("ubl", "valid") + corpus_files("cii", "valid")
    by_profile: dict[str, int] = {}
    known = []
    for path in files:
        report = validators.validate(path.read_bytes())
        assert report.not_run == [], (path.name, report.not_run)  # every stage ran
        by_profile[report.profile or "?"] = by_profile.get(report.profile or "?", 0) + 1
        if not report.valid:
            rules = {f.rule_id for f in report.fatal}
            assert rules <= KNOWN_PEPPOL_DATA_RULES, (path.name, rules)
            assert path.name.startswith("ce-") and report.profile == "peppol-bis-3"
            known.append(path.name)
    with capsys.disabled():
        print(
            f"\ncorpus under detected profiles {by_profile}: {len(files) - len(known)}/{len(files)} valid, {len(known)} known Peppol data failures"
        )
    assert len(known) == 28
