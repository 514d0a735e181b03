"""Every valid UBL corpus instance passes the UBL 2.1 XSD and the EN 16931 Schematron."""

from __future__ import annotations

import pytest

import validators
from tests.conftest import corpus_files

pytestmark = (
    pytest.mark.slow
)  # a sweep over the official corpus: CI runs it, the inner loop leaves it out

FILES = corpus_files("ubl", "valid")


def test_corpus_has_the_58_valid_ubl_instances(corpus_dir):
    assert len(FILES) == 58


def test_every_valid_ubl_instance_has_no_fatal_finding(corpus_dir, capsys):
    failures = {}
    for path in FILES:
        report = validators.validate(path.read_bytes(), profile="en16931")
        if not report.valid:
            failures[path.name] = [(f.rule_id, f.message) for f in report.fatal] or report.not_run
        assert [r.stage for r in report.results] == ["xsd", "en16931"]
    with capsys.disabled():
        print(
            f"\nUBL valid corpus: {len(FILES) - len(failures)}/{len(FILES)} without fatal finding"
        )
    assert not failures


@pytest.mark.parametrize("path", corpus_files("ubl", "other"), ids=lambda p: p.name)
def test_the_other_instances_fail_the_xsd_as_the_manifest_says(corpus_dir, path):
    report = validators.validate(path.read_bytes(), profile="en16931")
    assert not report.valid
    assert any(f.stage == "xsd" for f in report.fatal)
