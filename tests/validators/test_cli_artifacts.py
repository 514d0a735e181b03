"""``egw artifacts list`` and ``fetch``: pinned artifacts on a fresh machine."""

from __future__ import annotations

import functools
import hashlib
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.cli import main
from schemas import artifacts


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    artifacts._loaded.clear()
    yield
    artifacts._loaded.clear()


def test_artifacts_list_shows_every_pin(artifacts_dir, capsys):
    assert main(["artifacts", "list"]) == 0
    out = capsys.readouterr().out
    assert "present" in out and "peppol-ubl-sch" in out and "3.0.19" in out
    assert "xrechnung-peppol-merge-xsl" in out
    assert "missing" not in out


def test_artifacts_list_reports_missing_files_and_the_command_to_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EGW_ARTIFACTS_DIR", str(tmp_path))
    assert main(["artifacts", "list"]) == 1
    out = capsys.readouterr().out
    assert "missing" in out
    assert f"run: EGW_ARTIFACTS_DIR={tmp_path} egw artifacts fetch" in out


def test_fetch_without_network_reports_failure_and_keeps_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EGW_ARTIFACTS_DIR", str(tmp_path))
    assert main(["artifacts", "fetch", "--upstream-root", "http://127.0.0.1:9/none"]) == 1
    assert not any(tmp_path.rglob("*"))
    assert "nothing was written" in capsys.readouterr().err


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


def _upstream_layout(shared_artifacts: Path) -> list[tuple[str, str, str, str]]:
    """(folder, owner/repo, path in source, commit) from the shared MANIFEST.md table."""
    rows = []
    commit = ""
    for line in (shared_artifacts / "MANIFEST.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not re.fullmatch(r"[\w.-]+/[\w./-]+", cells[0]):
            continue
        folder, repository, source_path, pinned, _ = cells
        if pinned != "same":
            commit = pinned.split()[0]
        described = re.match(r"^(.*?) \([^()]*\): ", source_path)  # "src/xsl (files): why"
        rows.append((folder, repository, described.group(1) if described else source_path, commit))
    return rows


@pytest.fixture
def github_mirror(artifacts_dir, tmp_path) -> Iterator[tuple[str, Path]]:
    """A loopback server laid out like raw.githubusercontent.com (OWNER/REPO/COMMIT/PATH).

    Built from ../shared/artifacts and its MANIFEST.md (not from our manifest), so
    a wrong upstream path in schemas/artifacts.toml fails the fetch.
    """
    root = tmp_path / "mirror"
    for folder, repository, source_path, commit in _upstream_layout(artifacts_dir):
        shutil.copytree(artifacts_dir / folder, root / repository / commit / source_path)
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", root
    finally:
        server.shutdown()


def test_fetch_fills_a_fresh_folder_from_the_upstream_layout(
    github_mirror, tmp_path, monkeypatch, capsys
):
    url, _ = github_mirror
    target = tmp_path / "fresh"
    monkeypatch.setenv("EGW_ARTIFACTS_DIR", str(target))
    assert main(["artifacts", "fetch", "--upstream-root", url]) == 0
    assert "SHA-256 verified" in capsys.readouterr().out
    for name in artifacts.manifest():
        assert artifacts.status(name)[0] == "present", name
    assert main(["artifacts", "list"]) == 0
    # And the rule sets run from there: a Peppol validation is checked, not "not checked".
    import validators
    from bench.synthetic import invoice_with_lines
    from schemas import profiles, ubl

    document = ubl.render(invoice_with_lines(1), profile=profiles.get("en16931"))
    report = validators.validate(document, profile="peppol-bis-3")
    assert not report.not_checked and [r.outcome for r in report.results][:2] == ["valid", "valid"]
    assert main(["artifacts", "fetch", "--upstream-root", url]) == 0
    assert "every pinned artifact is present" in capsys.readouterr().out


def test_a_tampered_upstream_file_is_refused_and_nothing_is_written(
    github_mirror, tmp_path, monkeypatch, capsys
):
    url, root = github_mirror
    tampered = next(root.rglob("PEPPOL-EN16931-UBL.sch"))
    tampered.write_bytes(tampered.read_bytes().replace(b"MUST", b"MAY", 1))
    target = tmp_path / "fresh"
    monkeypatch.setenv("EGW_ARTIFACTS_DIR", str(target))
    assert main(["artifacts", "fetch", "--upstream-root", url]) == 1
    err = capsys.readouterr().err
    assert "PEPPOL-EN16931-UBL.sch" in err and "refused" in err
    assert hashlib.sha256(tampered.read_bytes()).hexdigest() in err
    assert "nothing was written" in err
    assert not target.exists() or not any(target.rglob("*"))


def test_fetch_from_a_mirror_of_the_folder_layout(artifacts_dir, tmp_path, monkeypatch):
    handler = functools.partial(_QuietHandler, directory=str(artifacts_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        target = tmp_path / "fetched"
        assert (
            main(
                [
                    "artifacts",
                    "fetch",
                    "--dir",
                    str(target),
                    "--base-url",
                    f"http://127.0.0.1:{server.server_port}",
                ]
            )
            == 0
        )
        monkeypatch.setenv("EGW_ARTIFACTS_DIR", str(target))
        artifacts._loaded.clear()
        for name in artifacts.manifest():
            assert artifacts.status(name)[0] == "present", name
    finally:
        server.shutdown()


def test_fetch_needs_a_folder(monkeypatch, capsys):
    monkeypatch.delenv("EGW_ARTIFACTS_DIR", raising=False)
    assert main(["artifacts", "fetch"]) == 2
    assert "EGW_ARTIFACTS_DIR" in capsys.readouterr().err
