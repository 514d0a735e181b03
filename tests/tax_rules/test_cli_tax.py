import json

from gateway.cli import main
from tests.tax_rules.drafts import domestic_de


def test_tax_explain_prints_decisions_and_rules(tmp_path, capsys):
    path = tmp_path / "draft.json"
    path.write_text(json.dumps(domestic_de()))
    assert main(["tax", "explain", str(path)]) == 0
    out = capsys.readouterr().out
    assert "S 19" in out and "BR-CO-15" in out


def test_tax_explain_json_has_invoice_and_trace(tmp_path, capsys):
    path = tmp_path / "draft.json"
    path.write_text(json.dumps(domestic_de()))
    assert main(["tax", "explain", "--json", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["invoice"]["totals"]["amount_due"] == "134.45"
    assert out["trace"]["steps"]


def test_tax_explain_reports_problems_with_exit_1(tmp_path, capsys):
    data = domestic_de()
    data["lines"][0]["tax_class"] = "luxury"
    path = tmp_path / "draft.json"
    path.write_text(json.dumps(data))
    assert main(["tax", "explain", str(path)]) == 1
    assert "tax.unknown-class" in capsys.readouterr().err


def test_render_accepts_a_draft_and_completes_it(tmp_path):
    path = tmp_path / "draft.json"
    path.write_text(json.dumps(domestic_de(profile="en16931")))
    out = tmp_path / "out.xml"
    assert main(["render", str(path), "-o", str(out)]) == 0
    assert b"<cbc:Percent>19</cbc:Percent>" in out.read_bytes()


def test_tax_classes_lists_the_classes_and_rates_of_a_date(capsys):
    assert main(["tax", "classes", "FI", "--on", "2026-01-01"]) == 0
    out = capsys.readouterr().out
    assert "books" in out and "13.5 %" in out and "exempt (E)" in out


def test_tax_classes_json_follows_the_date(capsys):
    assert main(["tax", "classes", "cz", "--on", "2023-12-31", "--json"]) == 0
    before = {c["tax_class"]: c["rate"] for c in json.loads(capsys.readouterr().out)["classes"]}
    assert main(["tax", "classes", "CZ", "--on", "2024-01-01", "--json"]) == 0
    after = {c["tax_class"]: c["rate"] for c in json.loads(capsys.readouterr().out)["classes"]}
    assert (before["books"], after["books"]) == ("10", "0")


def test_tax_jurisdiction_shows_rates_mandates_retention_and_sources(capsys):
    assert main(["tax", "jurisdiction", "RO"]) == 0
    out = capsys.readouterr().out
    assert "retention: 5 years" in out and "ro-cius" in out and "Legea contabilității" in out


def test_tax_commands_refuse_an_unknown_country_with_exit_2(capsys):
    assert main(["tax", "jurisdiction", "XX"]) == 2
    assert "supported:" in capsys.readouterr().err


def test_tax_explain_prints_the_warnings(tmp_path, capsys):
    data = domestic_de()
    data["seller"]["address"] = {
        "lines": ["Via Roma 1"],
        "city": "Roma",
        "postal_code": "00100",
        "country": "IT",
    }
    data["seller"]["vat_id"] = "IT00743110157"
    data["buyer"]["address"] = {
        "lines": ["Via Po 2"],
        "city": "Torino",
        "postal_code": "10100",
        "country": "IT",
    }
    data["buyer"]["vat_id"] = "IT01114601006"
    path = tmp_path / "draft.json"
    path.write_text(json.dumps(data))
    assert main(["tax", "explain", str(path)]) == 0
    assert "fatturapa" in capsys.readouterr().out
    assert main(["tax", "explain", "--json", str(path)]) == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert warnings[0]["code"] == "tax.mandate-format-not-produced" and warnings[0]["source"]
