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
