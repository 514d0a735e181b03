"""A report is bounded: at most MAX_FINDINGS findings, the rest counted, in JSON and SVRL."""

from __future__ import annotations

import json

import pytest
from lxml import etree

import validators
from tests.validators.bombs import findings_bomb
from validators.report import MAX_FINDINGS, TRUNCATED_RULE, report_from_json


@pytest.mark.slow  # 90,000 findings through Saxon: a bomb test, as tests/validators/test_memory.py
def test_a_findings_bomb_gives_a_capped_report_that_says_how_much_was_left_out():
    report = validators.validate(findings_bomb(), profile="en16931")
    assert not report.valid
    assert len(report.findings) == MAX_FINDINGS
    assert report.truncated == 90_000 - MAX_FINDINGS
    data = report.to_json()
    assert data["truncated"] == report.truncated
    assert len(json.dumps(data)) < 2_000_000
    assert report_from_json(data).truncated == report.truncated
    svrl = etree.fromstring(report.to_svrl())
    left_out = svrl.find("{http://purl.oclc.org/dsdl/svrl}successful-report")
    assert left_out is not None and left_out.get("id") == TRUNCATED_RULE
    assert str(report.truncated) in "".join(left_out.itertext())


def test_a_small_report_is_not_truncated():
    report = validators.validate(findings_bomb(notes=2, attributes=3), profile="en16931")
    assert len(report.findings) == 6 and report.truncated == 0
