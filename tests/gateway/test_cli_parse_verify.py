"""``egw parse`` and ``egw verify`` agree on what a signed document says (issue 9.1).

An enveloped XAdES signature covers the document without comments (a same-document
reference is dereferenced without them) and without the signature itself. So
comments may be added to a signed document without breaking the signature, and
whatever sits in ``ds:Signature/ds:Object`` is not covered: ``egw parse`` must read
the values the signature covers, and never read the invoice from the signature.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from gateway.cli import main
from schemas import ubl
from signing import generate_dev_key, sign
from tests.factories import full_invoice

DS = "http://www.w3.org/2000/09/xmldsig#"


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Path]:
    folder = tmp_path_factory.mktemp("key")
    key = generate_dev_key(folder)
    return sign(ubl.render(full_invoice()), key), folder / "cert.pem"


def _verify(path: Path, cert: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["verify", str(path), "--trust", str(cert)])
    return code, capsys.readouterr().out


def _parse(path: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["parse", str(path)]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_comment_inside_a_signed_value_changes_neither_verdict_nor_value(
    signed, tmp_path, capsys
):
    document, cert = signed
    tampered = document.replace(
        b"<cbc:ID>INV-FULL-1</cbc:ID>", b"<cbc:ID>INV<!-- x -->-FULL-1</cbc:ID>", 1
    )
    assert tampered != document
    path = tmp_path / "commented.xml"
    path.write_bytes(tampered)
    code, out = _verify(path, cert, capsys)
    assert code == 0, out  # comments are outside what the signature covers
    assert _parse(path, capsys)["number"] == "INV-FULL-1"


def test_invoice_content_smuggled_into_the_signature_object_is_reported_not_read(
    signed, tmp_path, capsys
):
    document, cert = signed
    root = etree.fromstring(document)
    signature_object = root.find(f".//{{{DS}}}Signature/{{{DS}}}Object")
    forged = etree.fromstring(ubl.render(full_invoice()).replace(b"INV-FULL-1", b"FORGED-9"))
    signature_object.append(forged)
    path = tmp_path / "smuggled.xml"
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    code, out = _verify(path, cert, capsys)
    assert code == 0, out  # the signature does not cover that content...
    parsed = _parse(path, capsys)
    assert parsed["number"] == "INV-FULL-1"  # ...so the parser does not read it
    assert "FORGED" not in json.dumps({k: v for k, v in parsed.items() if k != "unmapped"})
    original = tmp_path / "signed.xml"
    original.write_bytes(document)
    assert parsed == _parse(original, capsys)  # same invoice, same unmapped report
    extension = [u for u in parsed["unmapped"] if u["path"].endswith("UBLExtensions")]
    assert len(extension) == 1 and "signature" in extension[0]["reason"]


def test_a_changed_value_breaks_the_signature(signed, tmp_path, capsys):
    document, cert = signed
    path = tmp_path / "changed.xml"
    path.write_bytes(document.replace(b"<cbc:ID>INV-FULL-1</cbc:ID>", b"<cbc:ID>INV-1</cbc:ID>", 1))
    code, out = _verify(path, cert, capsys)
    assert code == 1 and "INVALID" in out


def test_render_warns_about_a_term_the_syntax_cannot_carry(tmp_path, capsys, artifacts_dir):
    # Rendering checks the result: CII's rule set is one of the official artifacts.
    from tests.factories import full_invoice_data

    data = full_invoice_data()
    data["payment"] = {"remittance_information": "REF-4711", "terms": "30 days net"}
    source = tmp_path / "invoice.json"
    source.write_text(json.dumps(data))
    out = tmp_path / "out.xml"
    assert main(["render", str(source), "--syntax", "ubl", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning: BT-83 (payment.remittance_information)" in err
    assert "REF-4711" not in err
    assert main(["render", str(source), "--syntax", "cii", "-o", str(out)]) == 0
    assert "warning" not in capsys.readouterr().err


def test_parse_says_which_rule_set_judges_an_xrechnung_2_document(tmp_path, capsys):
    xml = ubl.render(full_invoice()).replace(
        b"<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>",
        b"<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#"
        b"urn:xoev-de:kosit:standard:xrechnung_2.3</cbc:CustomizationID>",
    )
    path = tmp_path / "xr23.xml"
    path.write_bytes(xml)
    assert main(["parse", str(path)]) == 0
    captured = capsys.readouterr()
    assert "XRechnung 2.3" in captured.err and "xrechnung-3" in captured.err
    assert json.loads(captured.out)["customization_id"].endswith("xrechnung_2.3")
