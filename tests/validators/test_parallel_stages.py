"""Schematron stages in a worker process: the same report as one after the other, and a safe fallback."""

from __future__ import annotations

import os
from concurrent.futures import Future

import pytest
from lxml import etree

from schemas.xml_input import parse_xml
from tests.conftest import corpus_files
from validators import run_ruleset
from validators.report import StageResult
from validators.ruleset import ruleset_for
from validators.stages import pool
from validators.stages import schematron as schematron_stage


def _report(data: bytes, parallel: int | None, profile: str = "peppol-bis-3"):
    ruleset = ruleset_for(profile, "ubl-invoice")
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
    fired = 0
    try:
        for data in documents:
            for profile in ("peppol-bis-3", "en16931"):  # later stages; EN 16931's patterns
                serial, parallel = _report(data, None, profile), _report(data, 1, profile)
                assert _essence(parallel) == _essence(serial)
                fired += sum(len(r.findings) for r in serial.results)
        assert fired  # the comparison is not all-empty
    finally:
        pool.shutdown()


def test_a_failed_worker_means_the_stage_runs_here(corpus_dir, artifacts_dir, monkeypatch):
    failed: Future[list[StageResult]] = Future()
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


# -- auto: the worker only where a core is free, and only once it is warm ---------------


def _auto_report(data: bytes):
    ruleset = ruleset_for("peppol-bis-3", "ubl-invoice")
    return run_ruleset(ruleset, parse_xml(data), document_sha256="x")


@pytest.fixture
def small_threshold(monkeypatch):
    """Every corpus document counts as big, and nothing reaches a real worker."""
    monkeypatch.setattr(pool, "SUGGESTED_MIN_BYTES", 1)
    monkeypatch.setenv("EGW_PARALLEL_STAGES", "auto")
    submitted: list[str] = []

    def here(work, text, *, limit, form):  # the worker's results, computed here
        submitted.extend((stage_id, pattern) for stage_id, _, pattern in work)
        future: Future[list[StageResult]] = Future()
        future.set_result(
            [
                schematron_stage.run(stage_id, artifact, text, limit=limit, form=form, pattern=p)
                for stage_id, artifact, p in work
            ]
        )
        return future

    monkeypatch.setattr(pool, "submit", here)
    return submitted


def test_auto_uses_a_warm_worker_when_a_core_is_free(
    corpus_dir, artifacts_dir, monkeypatch, small_threshold
):
    monkeypatch.setattr(pool, "core_free", lambda: True)
    monkeypatch.setattr(pool, "warm_worker_ready", lambda: True)
    data = corpus_files("ubl", "valid")[0].read_bytes()
    report = _auto_report(data)
    # The later rule set and EN 16931's last pattern (see validators.schematron.split.plan).
    assert small_threshold == [("en16931", 3), ("peppol", None)]
    monkeypatch.setattr(pool, "core_free", lambda: False)
    assert _essence(report) == _essence(_auto_report(data))


@pytest.mark.parametrize(
    ("core_free", "worker_warm", "asked_for_worker"),
    [
        (False, True, []),  # no core free: the worker is not even asked for
        (True, False, [1]),  # asked (which starts a worker), never waited for: runs here
    ],
)
def test_auto_runs_here_without_a_free_core_or_a_warm_worker(
    corpus_dir,
    artifacts_dir,
    monkeypatch,
    small_threshold,
    core_free,
    worker_warm,
    asked_for_worker,
):
    monkeypatch.setattr(pool, "core_free", lambda: core_free)
    asked = []
    monkeypatch.setattr(pool, "warm_worker_ready", lambda: asked.append(1) or worker_warm)
    _auto_report(corpus_files("ubl", "valid")[0].read_bytes())
    assert asked == asked_for_worker
    assert small_threshold == []  # nothing was sent to the worker


def test_core_free_reads_the_load_and_the_switch(monkeypatch):
    monkeypatch.setattr(pool.os, "sched_getaffinity", lambda _pid: {0, 1})
    monkeypatch.setenv("EGW_PARALLEL_STAGES", "auto")
    monkeypatch.setattr(pool, "runnable_now", lambda: 1)  # only the caller runs
    monkeypatch.setattr(pool.os, "getloadavg", lambda: (0.4, 0.0, 0.0))
    assert pool.core_free()
    # A burst on an idle machine: the load average has not caught up, the other core is taken.
    monkeypatch.setattr(pool, "runnable_now", lambda: 2)
    assert not pool.core_free()
    monkeypatch.setattr(pool, "runnable_now", lambda: None)  # no /proc/loadavg: the average decides
    assert pool.core_free()
    monkeypatch.setattr(pool, "runnable_now", lambda: 1)
    monkeypatch.setattr(pool.os, "getloadavg", lambda: (1.6, 0.0, 0.0))
    assert not pool.core_free()
    monkeypatch.setattr(pool.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setenv("EGW_PARALLEL_STAGES", "off")
    assert not pool.core_free()
    monkeypatch.setenv("EGW_PARALLEL_STAGES", "auto")
    monkeypatch.setattr(pool.os, "sched_getaffinity", lambda _pid: {0})
    assert not pool.core_free()


@pytest.mark.slow  # starts a Saxon worker process and lets it compile every rule set
def test_a_real_worker_warms_up_then_takes_the_later_stages(corpus_dir, artifacts_dir, monkeypatch):
    import time

    monkeypatch.setattr(pool, "SUGGESTED_MIN_BYTES", 1)
    monkeypatch.setattr(pool, "core_free", lambda: True)
    data = corpus_files("ubl", "valid")[0].read_bytes()
    serial = _report(data, None)
    try:
        assert not pool.warm_worker_ready()  # just started: cold
        deadline = time.monotonic() + 300
        while not pool.warm_worker_ready():
            assert time.monotonic() < deadline, "the worker did not warm up in 300 s"
            time.sleep(0.2)
        submitted = []
        original_submit = pool.submit
        monkeypatch.setattr(
            pool, "submit", lambda *a, **k: submitted.append(a[0]) or original_submit(*a, **k)
        )
        assert _essence(_auto_report(data)) == _essence(serial)
        assert [stage for work in submitted for stage, _, _ in work] == ["en16931", "peppol"]
    finally:
        pool.shutdown()


def test_a_worker_that_cannot_warm_up_is_not_started_again_for_a_while(monkeypatch):
    spawned = []

    class Broken:
        def submit(self, *args, **kwargs):
            spawned.append(1)
            failed: Future[None] = Future()
            failed.set_exception(RuntimeError("no Saxon in the worker"))
            return failed

        def shutdown(self, **kwargs):
            pass

    monkeypatch.setattr(pool, "_executor", Broken)
    monkeypatch.setattr(pool, "_failed_at", None)
    monkeypatch.setattr(pool, "_warmed", None)
    assert not pool.warm_worker_ready()
    assert not pool.warm_worker_ready()
    assert spawned == [1]  # the second big document did not start another
    monkeypatch.setattr(pool, "RETRY_AFTER_SECONDS", 0.0)
    assert not pool.warm_worker_ready()
    assert spawned == [1, 1]


def test_a_unit_in_error_makes_its_stage_run_whole_here(corpus_dir, artifacts_dir, monkeypatch):
    def broken_results(work, text, *, limit, form):
        future: Future[list[StageResult]] = Future()
        future.set_result([StageResult(stage_id, "error", ()) for stage_id, _, _ in work])
        return future

    monkeypatch.setattr(pool, "submit", broken_results)
    data = corpus_files("ubl", "valid")[0].read_bytes()
    for profile in ("en16931", "peppol-bis-3"):
        assert _essence(_report(data, 1, profile)) == _essence(_report(data, None, profile))
        assert all(r.outcome != "error" for r in _report(data, 1, profile).results)


# -- the worker's own functions, run here (coverage cannot see into the worker process) ----


def _work(profile: str = "peppol-bis-3"):
    from validators import stage_artifact

    ruleset = ruleset_for(profile, "ubl-invoice")
    return tuple(
        (stage.id, stage_artifact(stage), None)
        for stage in ruleset.stages
        if stage.kind == "schematron"
    )


def test_the_worker_runs_each_piece_over_one_parse_as_separate_runs_would(
    corpus_dir, artifacts_dir
):
    text = etree.tostring(etree.parse(str(corpus_files("ubl", "valid")[0])), encoding="unicode")
    work = _work() + ((_work()[0][0], _work()[0][1], 2),)  # and EN 16931's second pattern
    found = pool._run(work, text, 100, "auto")
    alone = [
        schematron_stage.run(stage_id, artifact, text, limit=100, pattern=pattern)
        for stage_id, artifact, pattern in work
    ]
    assert [_stage_essence(r) for r in found] == [_stage_essence(r) for r in alone]
    assert [r.stage for r in found] == ["en16931", "peppol", "en16931"]


def _stage_essence(result: StageResult):
    return (result.stage, result.outcome, [(f.rule_id, f.location) for f in result.findings])


def test_the_worker_warms_up_official_rule_sets_and_patterns_only(monkeypatch):
    import validators.warm

    asked = []
    monkeypatch.setattr(validators.warm, "warm_up", lambda **kwargs: asked.append(kwargs))
    pool._compile_rule_sets()
    assert asked == [{"native": False, "patterns": True}]


def test_work_that_cannot_be_sent_runs_here(corpus_dir, artifacts_dir, monkeypatch):
    def no_worker():
        raise RuntimeError("cannot start a process here")

    monkeypatch.setattr(pool, "_executor", no_worker)
    data = corpus_files("ubl", "valid")[0].read_bytes()
    assert pool.submit(_work(), "<x/>", limit=10, form="auto") is None
    assert _essence(_report(data, 1)) == _essence(_report(data, None))


def test_a_broken_worker_is_shut_down_and_its_work_runs_here(
    corpus_dir, artifacts_dir, monkeypatch
):
    from concurrent.futures.process import BrokenProcessPool

    stopped = []
    monkeypatch.setattr(pool, "shutdown", lambda: stopped.append(1))
    broken: Future[list[StageResult]] = Future()
    broken.set_exception(BrokenProcessPool("the worker died"))
    text = etree.tostring(etree.parse(str(corpus_files("ubl", "valid")[0])), encoding="unicode")
    source = schematron_stage.Source(text)
    try:
        found = pool.results(broken, _work(), source, limit=100, form="auto")
    finally:
        source.release()
    assert stopped == [1]
    assert [r.stage for r in found] == ["en16931", "peppol"]
    assert all(r.outcome in ("valid", "invalid") for r in found)


@pytest.mark.slow  # starts a worker process (spawn) that never finishes its work
def test_a_stuck_worker_is_killed_and_its_work_runs_here(corpus_dir, artifacts_dir, monkeypatch):
    import multiprocessing
    import time
    from concurrent.futures import ProcessPoolExecutor

    monkeypatch.setattr(pool, "WORKER_TIMEOUT_SECONDS", 0.5)
    stuck_pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    monkeypatch.setattr(pool, "_pool", stuck_pool)
    stuck = stuck_pool.submit(time.sleep, 600)
    processes = list(stuck_pool._processes.values())  # type: ignore[attr-defined]
    text = etree.tostring(etree.parse(str(corpus_files("ubl", "valid")[0])), encoding="unicode")
    source = schematron_stage.Source(text)
    started = time.monotonic()
    try:
        found = pool.results(stuck, _work(), source, limit=100, form="auto")  # type: ignore[arg-type]
    finally:
        source.release()
    assert time.monotonic() - started < 60  # not the 600 s the worker would have taken
    assert [r.stage for r in found] == ["en16931", "peppol"]
    assert all(r.outcome in ("valid", "invalid") for r in found)
    assert pool._pool is None  # the next big document starts a new worker
    for process in processes:
        process.join(10)
        assert not process.is_alive()


def test_stopping_a_stuck_worker_when_none_runs_does_nothing(monkeypatch):
    monkeypatch.setattr(pool, "_pool", None)
    pool.stop_stuck_worker()
    assert pool._pool is None


def test_a_stage_whose_rule_set_is_missing_is_left_to_the_runner(
    corpus_dir, artifacts_dir, monkeypatch
):
    import validators
    from schemas.errors import ArtifactError

    original = validators.stage_artifact

    def missing_peppol(stage):
        if stage.id == "peppol":
            raise ArtifactError("peppol-ubl-sch is not installed")
        return original(stage)

    monkeypatch.setattr(validators, "stage_artifact", missing_peppol)
    data = corpus_files("ubl", "valid")[0].read_bytes()
    shared, serial = _report(data, 1), _report(data, None)
    assert _essence(shared) == _essence(serial)
    assert [r.outcome for r in shared.results][-1] == "error"  # not checked, as without sharing


def test_nothing_is_sent_when_the_plan_keeps_everything_here(
    corpus_dir, artifacts_dir, monkeypatch
):
    from validators.stages import sharing

    monkeypatch.setattr(sharing, "plan", lambda units: frozenset())

    def refuse(*args, **kwargs):
        raise AssertionError("sent although the plan kept everything here")

    monkeypatch.setattr(pool, "submit", refuse)
    data = corpus_files("ubl", "valid")[0].read_bytes()
    assert _essence(_report(data, 1)) == _essence(_report(data, None))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"0.52 0.58 0.59 3/211 12345\n", 3),
        (b"0.52 0.58\n", None),  # not the four fields of Linux
        (b"0.52 0.58 0.59 x/211 12345\n", None),
        (None, None),  # no such file
    ],
)
def test_runnable_now_reads_the_running_threads_of_proc_loadavg(
    tmp_path, monkeypatch, content, expected
):
    source = tmp_path / "loadavg"
    if content is not None:
        source.write_bytes(content)
    monkeypatch.setattr(pool, "_LOADAVG", str(source))
    assert pool.runnable_now() == expected


def test_runnable_now_counts_the_caller_on_linux():
    if not os.path.exists("/proc/loadavg"):
        pytest.skip("no /proc/loadavg on this platform")
    runnable = pool.runnable_now()
    assert runnable is not None and runnable >= 1  # this thread runs while it reads
