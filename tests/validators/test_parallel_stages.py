"""Schematron stages in a worker process: the same report as one after the other, and a safe fallback."""

from __future__ import annotations

from concurrent.futures import Future

import pytest
from lxml import etree

from schemas.xml_input import parse_xml
from tests.conftest import corpus_files
from validators import _capped, run_ruleset
from validators.report import Finding, StageResult
from validators.ruleset import ruleset_for
from validators.stages import pool
from validators.stages import schematron as schematron_stage


def _findings(count: int) -> tuple[Finding, ...]:
    return tuple(Finding(f"R-{i}", "fatal", f"/a[{i}]", "m", "s") for i in range(count))


def test_a_capped_result_is_what_a_run_with_that_limit_reports():
    result = StageResult("peppol", "invalid", _findings(5), truncated=2)
    capped = _capped(result, 3)
    assert capped.findings == result.findings[:3] and capped.truncated == 4
    assert capped.outcome == "invalid"
    assert _capped(result, 10) is result


def _report(data: bytes, parallel: int | None):
    ruleset = ruleset_for("peppol-bis-3", "ubl-invoice")
    return run_ruleset(ruleset, parse_xml(data), document_sha256="x", parallel_min_bytes=parallel)


def _essence(report):
    return [
        (r.stage, r.outcome, r.truncated, [(f.rule_id, f.severity, f.location) for f in r.findings])
        for r in report.results
    ]


@pytest.mark.slow  # starts a Saxon worker process
def test_parallel_stages_report_exactly_what_serial_stages_do(corpus_dir, artifacts_dir):
    documents = [p.read_bytes() for p in corpus_files("ubl", "valid")[:4]]
    broken = etree.fromstring(documents[0])
    broken.find("{*}CustomizationID").text = "urn:not-peppol"  # PEPPOL-EN16931-R004 fires
    documents.append(etree.tostring(broken))
    try:
        for data in documents:
            serial, parallel = _report(data, None), _report(data, 1)
            assert _essence(parallel) == _essence(serial)
        assert any(r.findings for r in serial.results)  # the comparison is not all-empty
    finally:
        pool.shutdown()


def test_a_failed_worker_means_the_stage_runs_here(corpus_dir, artifacts_dir, monkeypatch):
    failed: Future[StageResult] = Future()
    failed.set_exception(RuntimeError("worker died"))
    monkeypatch.setattr(pool, "submit", lambda *args, **kwargs: failed)
    data = corpus_files("ubl", "valid")[0].read_bytes()
    assert _essence(_report(data, 1)) == _essence(_report(data, None))
    ran_here = []
    original_run = schematron_stage.run
    monkeypatch.setattr(
        schematron_stage, "run", lambda *a, **k: ran_here.append(a[0]) or original_run(*a, **k)
    )
    _report(data, 1)
    assert "peppol" in ran_here


def test_small_documents_never_leave_the_process(corpus_dir, artifacts_dir, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a small document went to the worker")

    monkeypatch.setattr(pool, "submit", refuse)
    data = corpus_files("ubl", "valid")[0].read_bytes()
    assert len(data) < pool.SUGGESTED_MIN_BYTES
    ruleset = ruleset_for("peppol-bis-3", "ubl-invoice")
    run_ruleset(ruleset, parse_xml(data), document_sha256="x")
    run_ruleset(
        ruleset,
        parse_xml(data),
        document_sha256="x",
        parallel_min_bytes=pool.SUGGESTED_MIN_BYTES,
    )
