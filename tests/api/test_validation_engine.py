"""The submission answer and the stored report say which engine judged a draft (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from gateway.app import bootstrap, create_app
from gateway.settings import Settings
from gateway.tables import AuditEvent
from tests.api.drafts import api_draft
from validators import native


def _client(tmp_path: Path, engine: str) -> Iterator[tuple[TestClient, dict[str, str], object]]:
    settings = Settings(
        data_dir=tmp_path / "data", validation_engine=engine, official_audit_fraction=1.0
    )
    app = create_app(settings)
    created = bootstrap(app.state.engine)
    assert created is not None
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, {"Authorization": f"Bearer {created.erp_key}"}, app
    app.state.engine.dispose()


@pytest.fixture
def auto(tmp_path):
    yield from _client(tmp_path, "auto")


@pytest.fixture
def official(tmp_path):
    yield from _client(tmp_path, "official")


def test_a_natively_judged_draft_says_so_and_is_audited_by_saxon(auto):
    client, erp, app = auto
    created = client.post("/v1/invoices", json=api_draft("ENG-1"), headers=erp)
    assert created.status_code == 201, created.text
    assert created.json()["engine"] == "native"
    report = client.get(f"/v1/invoices/{created.json()['id']}/report", headers=erp).json()
    assert report["engine"] == "native" and report["valid"]
    assert [r["name"] for r in report["rule_sets"]] == ["ubl-invoice-xsd", "en16931-ubl-xslt"]
    audit = app.state.pipeline.official_audit
    audit.drain()
    ready = client.get("/readyz").json()
    assert ready["official_audit"]["checked"] == 1
    assert ready["official_audit"]["disagreements"] == 0


def test_a_peppol_draft_is_judged_mixed_and_audited_by_saxon(auto, artifacts_dir):
    client, erp, app = auto
    draft = api_draft("ENG-P", profile="peppol-bis-3")
    # Peppol's German rules (DE-R-005..007) want the seller's contact.
    contact = {"name": "Accounts", "phone": "+49 30 1234", "email": "ar@seller.example"}
    draft["seller"] = {**draft["seller"], "contact": contact}
    created = client.post("/v1/invoices", json=draft, headers=erp)
    assert created.status_code == 201, created.text
    # EN 16931 rules natively, the Peppol rules in Saxon: both named in the report.
    assert created.json()["engine"] == "mixed"
    report = client.get(f"/v1/invoices/{created.json()['id']}/report", headers=erp).json()
    assert report["engine"] == "mixed" and report["valid"]
    assert [r["name"] for r in report["rule_sets"]] == [
        "ubl-invoice-xsd",
        "en16931-ubl-xslt",
        "peppol-ubl-sch",
    ]
    audit = app.state.pipeline.official_audit
    audit.drain()
    ready = client.get("/readyz").json()["official_audit"]
    assert (ready["checked"], ready["disagreements"]) == (1, 0)


def test_a_planted_disagreement_is_stored_as_an_audit_event(auto, monkeypatch):
    client, erp, app = auto
    real_run = native.run

    def wrong(program, tree, namespaces):
        # A native rule gone wrong: BR-CO-26 "fails" at the root of every document.
        rule = next(
            c.assertion
            for _, rules in program.patterns
            for r in rules
            for c in r.assertions
            if c.assertion.rule_id == "BR-CO-26"
        )
        return [*real_run(program, tree, namespaces), (rule, tree.getroot())]

    monkeypatch.setattr(native, "run", wrong)
    refused = client.post("/v1/invoices", json=api_draft("ENG-2"), headers=erp)
    assert refused.status_code == 422
    assert "BR-CO-26" in refused.text
    app.state.pipeline.official_audit.drain()
    assert client.get("/readyz").json()["official_audit"]["disagreements"] == 1
    with Session(app.state.engine) as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "validation.official-audit")
        ).all()
    assert len(events) == 1 and events[0].outcome == "disagreement"
    assert "native only: BR-CO-26" in (events[0].detail or "")


def test_the_official_setting_keeps_saxon(official):
    client, erp, app = official
    created = client.post("/v1/invoices", json=api_draft("ENG-3"), headers=erp)
    assert created.status_code == 201, created.text
    assert created.json()["engine"] == "official"
    assert "official_audit" not in client.get("/readyz").json()


@pytest.mark.parametrize("number", ["ENG-S1", None], ids=["numbered-by-erp", "numbered-by-gateway"])
def test_strict_has_the_official_rules_judge_one_draft_under_auto(auto, number):
    client, erp, app = auto
    draft = api_draft(number)  # without a number, the tenant's series numbers it
    created = client.post("/v1/invoices?strict=true", json=draft, headers=erp)
    assert created.status_code == 201, created.text
    assert created.json()["engine"] == "official"
    report = client.get(f"/v1/invoices/{created.json()['id']}/report", headers=erp).json()
    assert report["engine"] == "official" and report["valid"]
    # Saxon judged it already: nothing for the sampled audit (which samples every draft here).
    app.state.pipeline.official_audit.drain()
    assert client.get("/readyz").json()["official_audit"]["checked"] == 0
    # The next draft without strict is judged natively again.
    after = client.post("/v1/invoices", json=api_draft("ENG-S2"), headers=erp)
    assert after.status_code == 201 and after.json()["engine"] == "native"


def test_strict_takes_a_boolean(auto):
    client, erp, _ = auto
    refused = client.post("/v1/invoices?strict=perhaps", json=api_draft("ENG-S3"), headers=erp)
    assert refused.status_code == 422
    assert "strict" in refused.text
