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


def test_fetch_from_a_mirror_verifies_and_completes_the_folder(
    artifacts_dir, tmp_path, monkeypatch, capsys
):
    import functools
    import http.server
    import threading

    from schemas import artifacts

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(artifacts_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        target = tmp_path / "fetched"
        target.mkdir()
        monkeypatch.setenv("EGW_ARTIFACTS_DIR", str(target))
        artifacts._loaded.clear()
        assert (
            main(["artifacts", "fetch", "--base-url", f"http://127.0.0.1:{server.server_port}"])
            == 0
        )
        for name in artifacts.manifest():
            assert artifacts.status(name)[0] == "present", name
    finally:
        server.shutdown()
        artifacts._loaded.clear()
