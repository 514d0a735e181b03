"""The rule-set warm-up at startup and the readiness it holds (gateway.warmup)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import gateway.warmup as warmup_module
from gateway.app import create_app
from gateway.settings import Settings
from validators.warm import WarmUpSummary


@pytest.fixture(autouse=True)
def _unfreeze():
    """A warm-up here freezes this test process's objects; the next tests collect as before."""
    yield
    import gc

    gc.unfreeze()


def _app(tmp_path: Path, **settings: object):  # type: ignore[no-untyped-def]
    return create_app(Settings(data_dir=tmp_path, **settings))  # type: ignore[arg-type]


def test_readyz_is_503_while_the_rule_sets_compile_and_200_once_they_are(tmp_path, monkeypatch):
    release = threading.Event()

    def slow_warm_up() -> WarmUpSummary:
        release.wait(30)
        return WarmUpSummary(rule_sets=["a (ubl-invoice)"], unavailable=[], seconds=1.25)

    monkeypatch.setattr(warmup_module, "warm_up", slow_warm_up)
    app = _app(tmp_path, warm_up=True)
    with TestClient(app) as client:
        warming = client.get("/readyz")
        assert warming.status_code == 503
        assert warming.json()["checks"]["rule_sets"] == "warming"
        release.set()
        assert app.state.warm_up.done.wait(10)
        ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["checks"]["rule_sets"] == "ok"
    assert body["warm_up"] == {"state": "ok", "seconds": 1.25, "unavailable": []}


def test_a_failed_warm_up_does_not_hold_readiness_and_says_so(tmp_path, monkeypatch, caplog):
    def broken() -> WarmUpSummary:
        raise RuntimeError("the buyer Jane Doe broke it")  # a message that must not be logged

    monkeypatch.setattr(warmup_module, "warm_up", broken)
    app = _app(tmp_path, warm_up=True)
    with TestClient(app) as client:
        assert app.state.warm_up.done.wait(10)
        ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["warm_up"]["state"] == "failed: RuntimeError"
    assert "Jane Doe" not in caplog.text
    assert "warm-up failed: RuntimeError" in caplog.text


def test_without_warm_up_readiness_has_no_rule_set_check(tmp_path):
    app = _app(tmp_path, warm_up=False)
    with TestClient(app) as client:
        body = client.get("/readyz").json()
    assert app.state.warm_up is None
    assert "rule_sets" not in body["checks"]
    assert "warm_up" not in body


@pytest.mark.usefixtures("artifacts_dir")
def test_the_real_warm_up_reports_every_rule_set_in_force(tmp_path):
    app = _app(tmp_path, warm_up=True)
    with TestClient(app) as client:
        assert app.state.warm_up.done.wait(120)
        body = client.get("/readyz").json()
    summary = app.state.warm_up.summary
    assert body["warm_up"]["state"] == "ok"
    assert body["warm_up"]["unavailable"] == []
    # Three profiles, each for UBL Invoice, UBL CreditNote and CII.
    assert len(summary.rule_sets) == 9
    assert any(name.startswith("de.xrechnung:cii") for name in summary.rule_sets)


def test_a_finished_warm_up_freezes_the_startup_objects(tmp_path, monkeypatch):
    import gc

    frozen = []
    monkeypatch.setattr(warmup_module, "warm_up", lambda: WarmUpSummary(rule_sets=["a"]))
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append("freeze"))
    monkeypatch.setattr(gc, "collect", lambda *a: frozen.append("collect") or 0)
    monkeypatch.setattr(gc, "get_freeze_count", lambda: 250_000)
    app = _app(tmp_path, warm_up=True)
    with TestClient(app):
        assert app.state.warm_up.done.wait(10)
    assert frozen == ["collect", "freeze"]  # garbage first: what is frozen is never collected
    assert app.state.warm_up.frozen == 250_000


def test_freezing_hides_objects_alive_now_from_the_collector():
    import gc

    before = gc.get_freeze_count()
    try:
        kept = [[] for _ in range(1000)]  # alive now: frozen with the rest
        assert warmup_module.freeze_startup_objects() >= before + len(kept)
    finally:
        gc.unfreeze()  # the test process goes on collecting as before
