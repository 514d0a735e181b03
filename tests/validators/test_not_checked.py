""" "Could not check" is never "invalid": a missing rule set is a 503 / exit 3, logged as a warning."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from bench.synthetic import invoice_with_lines
from gateway.app import bootstrap_tenant, create_app
from gateway.cli import main
from gateway.settings import Settings
from schemas import artifacts, profiles, ubl


@pytest.fixture
def without_artifacts(tmp_path, monkeypatch):
    monkeypatch.setenv("EGW_ARTIFACTS_DIR", str(tmp_path / "no-artifacts"))
    artifacts._loaded.clear()
    yield
    artifacts._loaded.clear()


@pytest.fixture
def client(tmp_path):
    app = create_app(Settings(data_dir=tmp_path / "data"))
    created = bootstrap_tenant(app.state.engine)
    assert created is not None
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {created[2]}"
        yield client
    app.state.engine.dispose()


def _document() -> bytes:
    return ubl.render(invoice_with_lines(1), profile=profiles.get("en16931"))


def test_post_validate_answers_503_naming_the_missing_rule_set_and_the_command(
    client, without_artifacts, caplog
):
    with caplog.at_level(logging.WARNING, logger="gateway.api"):
        response = client.post(
            "/v1/validate?profile=peppol-bis-3",
            content=_document(),
            headers={"Content-Type": "application/xml"},
        )
    assert response.status_code == 503, response.text
    body = response.json()
    assert "valid" not in body
    [problem] = body["problems"]
    assert problem["rule"] == "EGW-RULESET-NOT-AVAILABLE"
    assert "peppol-ubl-sch" in problem["message"]
    assert "egw artifacts fetch" in problem["message"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("peppol-ubl-sch" in r.getMessage() for r in warnings)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_post_validate_still_judges_what_it_can_check(client, without_artifacts):
    response = client.post(
        "/v1/validate?profile=en16931",
        content=_document().replace(b">EUR<", b">EUX<", 1),
        headers={"Content-Type": "application/xml"},
    )
    assert response.status_code == 200
    assert response.json()["valid"] is False


def test_render_says_not_checked_and_exits_3(tmp_path, without_artifacts, capsys):
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps(json.loads(invoice_with_lines(1).model_dump_json())))
    output = tmp_path / "out.xml"
    assert main(["render", str(draft), "--profile", "peppol-bis-3", "-o", str(output)]) == 3
    err = capsys.readouterr().err
    assert "not checked: rule set peppol-ubl-sch missing" in err
    assert "egw artifacts fetch" in err
    assert not output.exists()
