"""``egw validate``: the exit-code and JSON contract."""

from __future__ import annotations

import json

import pytest

from gateway.cli import main
from tests.conftest import CORPUS_DIR

VALID = CORPUS_DIR / "ubl" / "valid" / "ce-ubl-tc434-example1.xml"


@pytest.fixture
def valid_file(corpus_dir):
    return VALID


def test_valid_file_exits_0_and_prints_the_json_shape(valid_file, capsys):
    assert main(["validate", "--json", str(valid_file)]) == 0
    out = json.loads(capsys.readouterr().out.strip())
    assert set(out) >= {"file", "valid", "syntax", "findings", "rule_sets", "not_run"}
    assert out["valid"] is True
    assert out["syntax"] == "ubl-invoice"
    assert [r["name"] for r in out["rule_sets"]] == ["ubl-invoice-xsd", "en16931-ubl-xslt"]
    assert all(len(r["sha256"]) == 64 for r in out["rule_sets"])
    assert out["not_run"] == []


def test_fatal_finding_exits_1(valid_file, tmp_path, capsys):
    broken = tmp_path / "broken.xml"
    broken.write_bytes(
        valid_file.read_bytes().replace(
            b"<cbc:DocumentCurrencyCode>EUR", b"<cbc:DocumentCurrencyCode>EUX"
        )
    )
    assert main(["validate", "--json", str(broken)]) == 1
    out = json.loads(capsys.readouterr().out.strip())
    assert out["valid"] is False
    assert "BR-CL-04" in {f["rule_id"] for f in out["findings"] if f["severity"] == "fatal"}
    finding = next(f for f in out["findings"] if f["rule_id"] == "BR-CL-04")
    assert set(finding) >= {"rule_id", "severity", "location", "message", "stage"}


def test_unreadable_or_hostile_file_exits_2_with_the_reason(valid_file, tmp_path, capsys):
    hostile = tmp_path / "xxe.xml"
    hostile.write_bytes(b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>')
    assert main(["validate", str(valid_file), str(hostile), str(tmp_path / "missing.xml")]) == 2
    captured = capsys.readouterr()
    assert "DTD" in captured.err
    assert "missing.xml" in captured.err


def test_one_bad_file_among_valid_ones_decides_the_exit_code(valid_file, tmp_path):
    broken = tmp_path / "broken.xml"
    broken.write_bytes(
        valid_file.read_bytes()
        .replace(b"<cbc:ID>", b"<cbc:Note>", 1)
        .replace(b"</cbc:ID>", b"</cbc:Note>", 1)
    )
    assert main(["validate", str(valid_file), str(broken)]) == 1
