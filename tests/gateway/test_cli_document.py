"""``egw parse`` and ``egw render``: JSON out, validated XML in, exit codes."""

from __future__ import annotations

import json

from gateway.cli import main
from tests.conftest import CORPUS_DIR
from tests.factories import full_invoice_data


def test_parse_prints_business_terms(corpus_dir, capsys):
    assert main(["parse", str(CORPUS_DIR / "ubl" / "valid" / "ce-ubl-tc434-example1.xml")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["number"] == "12115118"
    assert out["unmapped"] == []


def test_parse_of_hostile_file_exits_2(tmp_path, capsys):
    path = tmp_path / "x.xml"
    path.write_bytes(b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>')
    assert main(["parse", str(path)]) == 2
    assert "DTD" in capsys.readouterr().err


def test_render_writes_a_valid_document(tmp_path):
    source = tmp_path / "invoice.json"
    source.write_text(json.dumps(full_invoice_data()))
    out = tmp_path / "out.xml"
    assert main(["render", str(source), "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"<?xml")


def test_render_with_a_fatal_finding_writes_nothing_and_exits_1(tmp_path, capsys):
    data = full_invoice_data()
    data["totals"]["amount_due"] = "1.00"
    source = tmp_path / "invoice.json"
    source.write_text(json.dumps(data))
    out = tmp_path / "out.xml"
    assert main(["render", str(source), "-o", str(out)]) == 1
    assert not out.exists()
    assert "BR-CO-16" in capsys.readouterr().err


def test_render_of_bad_json_exits_2_naming_the_field(tmp_path, capsys):
    data = full_invoice_data()
    data["currency"] = "EUX"
    source = tmp_path / "invoice.json"
    source.write_text(json.dumps(data))
    assert main(["render", str(source)]) == 2
    assert "currency" in capsys.readouterr().err
    source.write_text("{not json")
    assert main(["render", str(source)]) == 2


def test_render_keeps_the_profile_an_invoice_declares(tmp_path, corpus_dir, capsys, artifacts_dir):
    source = CORPUS_DIR / "ubl" / "valid" / "peppol-base-example.xml"
    assert main(["parse", str(source)]) == 0
    invoice_json = tmp_path / "invoice.json"
    invoice_json.write_text(capsys.readouterr().out)
    out = tmp_path / "out.xml"
    assert main(["render", str(invoice_json), "-o", str(out)]) == 0
    assert b"poacc:billing:3.0</cbc:CustomizationID>" in out.read_bytes()
