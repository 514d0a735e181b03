"""The artifact manager: pinned, verified, never silently missing."""

from __future__ import annotations

import shutil

import pytest

import validators
from schemas import artifacts
from schemas.errors import ArtifactError
from tests.conftest import CORPUS_DIR


@pytest.fixture(autouse=True)
def _fresh_cache():
    artifacts._loaded.clear()
    yield
    artifacts._loaded.clear()


def test_every_pinned_artifact_is_present_and_matches(artifacts_dir):
    for name in artifacts.manifest():
        state, detail = artifacts.status(name)
        assert state == "present", f"{name}: {detail}"


def test_a_changed_byte_is_a_hash_mismatch_naming_both_hashes(artifacts_dir, tmp_path, monkeypatch):
    copy = tmp_path / "artifacts"
    shutil.copytree(artifacts_dir / "peppol-bis-3", copy / "peppol-bis-3")
    target = copy / "peppol-bis-3" / "sch" / "PEPPOL-EN16931-UBL.sch"
    data = bytearray(target.read_bytes())
    data[-2] = ord(" ") if data[-2] != ord(" ") else ord("\n")
    target.write_bytes(bytes(data))
    monkeypatch.setenv("EGW_ARTIFACTS_DIR", str(copy))
    with pytest.raises(ArtifactError) as caught:
        artifacts.load("peppol-ubl-sch")
    spec = artifacts.manifest()["peppol-ubl-sch"]
    assert spec.sha256 in caught.value.message
    assert caught.value.problems[0].rule == "artifact.hash-mismatch"


def test_a_missing_rule_set_makes_the_report_not_valid(corpus_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("EGW_ARTIFACTS_DIR", str(tmp_path))  # an empty folder
    document = (CORPUS_DIR / "ubl" / "valid" / "peppol-base-example.xml").read_bytes()
    report = validators.validate(document, profile="peppol-bis-3")
    assert not report.valid
    # The stage that could not run stands in the findings as a fatal "not available".
    assert [f.rule_id for f in report.fatal] == ["EGW-RULESET-NOT-AVAILABLE"]
    assert "peppol-ubl-sch" in report.fatal[0].message
    peppol = next(r for r in report.results if r.stage == "peppol")
    assert peppol.outcome == "error"
    assert "not available" in (peppol.detail or "")
    assert {"stage": "peppol", "outcome": "error"}.items() <= report.not_run[0].items()


def test_an_unset_artifacts_dir_names_the_variable(monkeypatch):
    monkeypatch.delenv("EGW_ARTIFACTS_DIR", raising=False)
    with pytest.raises(ArtifactError) as caught:
        artifacts.load("cii-d16b-xsd")
    assert "EGW_ARTIFACTS_DIR" in caught.value.message


def test_package_artifacts_need_no_directory(monkeypatch):
    monkeypatch.delenv("EGW_ARTIFACTS_DIR", raising=False)
    artifact = artifacts.load("en16931-ubl-xslt")
    assert artifact.version == "1.3.16"
    assert artifact.path.is_file()
