"""``egw init``: prepares the data directory once and prints the two keys once."""

from __future__ import annotations

import stat
import subprocess
import sys
import time

import httpx2
import pytest

from tests.api.conftest import free_port


def egw(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Runs ``egw`` in this process: (exit code, stdout, stderr).

    ``egw init`` writes ``EGW_DATA_DIR`` into the environment of its own process; setting it
    through ``monkeypatch`` first makes the test put the old value back afterwards.
    """
    from gateway.cli import main

    monkeypatch.setenv("EGW_DATA_DIR", "unset-by-the-test")
    monkeypatch.delenv("EGW_SETTINGS_FILE", raising=False)
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _keys(key_file):
    return [line for line in key_file.read_text().splitlines() if line.startswith("EGW_")]


def test_init_writes_the_keys_to_an_owner_only_file_once(tmp_path, monkeypatch, capsys, caplog):
    env_dir = tmp_path / "data"
    code, out, err = egw(monkeypatch, capsys, "init", "--data-dir", str(env_dir))
    assert code == 0
    key_file = env_dir / "bootstrap-keys.env"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    keys = _keys(key_file)
    assert [k.split("=")[0] for k in keys] == ["EGW_PLATFORM_KEY", "EGW_ADMIN_KEY", "EGW_ERP_KEY"]
    assert all(len(k.split("=", 1)[1]) > 30 for k in keys)
    # Not a terminal (captured output): the output names the file and holds no key, nor does the log.
    assert str(key_file.resolve()) in err
    assert all(k.split("=", 1)[1] not in out + err + caplog.text for k in keys)
    assert "DEVELOPMENT" in caplog.text
    assert (env_dir / "gateway.db").is_file() and (env_dir / "keys" / "key.pem").is_file()
    code, out, _ = egw(monkeypatch, capsys, "init", "--data-dir", str(env_dir), "--show-keys")
    assert code == 0
    assert "EGW_ADMIN_KEY" not in out  # created once
    assert key_file.read_text().count("EGW_") == 3


def test_init_show_keys_prints_them(tmp_path, monkeypatch, capsys):
    code, out, _ = egw(monkeypatch, capsys, "init", "--data-dir", str(tmp_path), "--show-keys")
    assert code == 0
    printed = [line for line in out.splitlines() if line.startswith("EGW_")]
    assert printed == _keys(tmp_path / "bootstrap-keys.env") and len(printed) == 3


@pytest.mark.slow  # a Python process of its own (~2 s of CPU: imports, migration)
def test_init_in_a_process_of_its_own_keeps_the_keys_off_its_output(tmp_path):
    """The smoke test of ``python -m gateway init``; the tests above run the same code in-process."""
    first = subprocess.run(
        [sys.executable, "-m", "gateway", "init", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    key_file = tmp_path / "bootstrap-keys.env"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    keys = _keys(key_file)
    assert len(keys) == 3
    assert str(key_file.resolve()) in first.stderr and "DEVELOPMENT" in first.stderr
    assert all(k.split("=", 1)[1] not in first.stdout + first.stderr for k in keys)


@pytest.mark.slow  # a live server in a subprocess
def test_first_serve_logs_the_key_file_not_the_keys(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gateway",
            "serve",
            "--data-dir",
            str(tmp_path),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.2)
    finally:
        process.terminate()
        stdout, stderr = process.communicate(timeout=30)
    output = (stdout + stderr).decode()
    key_file = tmp_path / "bootstrap-keys.env"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert f"written to {key_file.resolve()}" in output
    for line in key_file.read_text().splitlines():
        if line.startswith("EGW_"):
            assert line.split("=", 1)[1] not in output


def test_production_settings_refuse_embedded_defaults():
    import pytest
    from pydantic import ValidationError

    from gateway.settings import Settings

    with pytest.raises(ValidationError, match="PostgreSQL"):
        Settings(env="production")
    with pytest.raises(ValidationError, match="EGW_SIGNING_KEY"):
        Settings(env="production", database_url="postgresql+psycopg://db/egw")


def test_settings_file_is_read_and_the_environment_wins(tmp_path, monkeypatch):
    from gateway.settings import Settings

    config = tmp_path / "gateway.env"
    config.write_text("EGW_MAX_BODY_BYTES=1234\nEGW_PAGE_SIZE_MAX=7\n")
    monkeypatch.setenv("EGW_PAGE_SIZE_MAX", "9")
    settings = Settings(_env_file=str(config))
    assert settings.max_body_bytes == 1234
    assert settings.page_size_max == 9


def test_openapi_documents_every_operation_and_the_draft(tmp_path):
    from fastapi.testclient import TestClient

    from gateway.app import create_app
    from gateway.settings import Settings

    app = create_app(Settings(data_dir=tmp_path / "data"))
    schema = TestClient(app).get("/openapi.json").json()
    operation_ids = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {
        "invoices-submit",
        "invoices-submit-xml",
        "invoices-get",
        "invoices-list",
        "validation-validate",
        "admin-create-key",
        "health-ready",
    } <= operation_ids
    assert "InvoiceDraft" in schema["components"]["schemas"]
    draft_body = schema["paths"]["/v1/invoices"]["post"]["requestBody"]["content"][
        "application/json"
    ]
    assert (
        draft_body["schema"]["$ref"] == "#/components/schemas/InvoiceDraft"
        and draft_body["example"]["lines"]
    )
    # Every $ref points at a component that exists.
    import json
    import re

    for ref in set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(schema))):
        assert ref in schema["components"]["schemas"], ref
