"""``egw show``: HTML or PDF of a file, exit 2 when unreadable."""

from __future__ import annotations

import io

from pypdf import PdfReader

from gateway.cli import main
from tests.conftest import CORPUS_DIR


def test_show_html_in_german(corpus_dir, tmp_path, capsys):
    out = tmp_path / "x.html"
    assert (
        main(
            [
                "show",
                str(CORPUS_DIR / "cii/valid/ce-CII_example5.xml"),
                "--lang",
                "de",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    html = out.read_text("utf-8")
    assert '<html lang="de">' in html and "Rechnungsnummer" in html


def test_show_html_to_stdout(corpus_dir, capsysbinary):
    assert main(["show", str(CORPUS_DIR / "ubl/valid/peppol-base-example.xml")]) == 0
    assert b"Invoice number" in capsysbinary.readouterr().out


def test_show_pdf(corpus_dir, tmp_path):
    out = tmp_path / "x.pdf"
    assert (
        main(
            ["show", str(CORPUS_DIR / "ubl/valid/peppol-base-example.xml"), "--pdf", "-o", str(out)]
        )
        == 0
    )
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    assert "Snippet1" in " ".join(p.extract_text() for p in reader.pages)


def test_show_unreadable(tmp_path, capsys):
    assert main(["show", str(tmp_path / "missing.xml")]) == 2
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<not-an-invoice/>")
    assert main(["show", str(bad)]) == 2
    assert "error:" in capsys.readouterr().err
