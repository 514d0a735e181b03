from gateway.cli import main


def test_artifacts_list_shows_every_pin(artifacts_dir, capsys):
    assert main(["artifacts", "list"]) == 0
    out = capsys.readouterr().out
    assert "present" in out and "peppol-ubl-sch" in out and "3.0.19" in out
    assert "missing" not in out


def test_artifacts_list_reports_missing_files(tmp_path, monkeypatch, capsys):
    from schemas import artifacts

    monkeypatch.setenv("EGW_ARTIFACTS_DIR", str(tmp_path))
    artifacts._loaded.clear()
    assert main(["artifacts", "list"]) == 1
    assert "missing" in capsys.readouterr().out
    artifacts._loaded.clear()


def test_fetch_without_network_reports_failure_and_keeps_nothing(tmp_path, monkeypatch, capsys):
    from schemas import artifacts

    monkeypatch.setenv("EGW_ARTIFACTS_DIR", str(tmp_path))
    artifacts._loaded.clear()
    assert main(["artifacts", "fetch", "--base-url", "http://127.0.0.1:9/none"]) == 1
    assert not any(tmp_path.rglob("*.sch"))
    artifacts._loaded.clear()
