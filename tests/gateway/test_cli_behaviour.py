"""Issue 17, the command line: verify's exit codes, closed pipes, EGW_SETTINGS_FILE, ``egw keys create``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.api.drafts import api_draft

REPO = Path(__file__).resolve().parents[2]


def egw(*args: str, env: dict[str, str] | None = None, **kwargs):
    """Runs ``egw`` in a Python process of its own (for what needs one: pipes, the settings file)."""
    return subprocess.run(
        [sys.executable, "-m", "gateway", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        **kwargs,
    )


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def egw_here(monkeypatch, capsys):
    """Runs ``egw`` in this process (a new process costs seconds: imports, Saxon, migrations).

    Commands that take ``--data-dir`` write ``EGW_DATA_DIR`` into the environment; setting it
    through ``monkeypatch`` first puts the old value back after the test.
    """
    from gateway.cli import main

    monkeypatch.setenv("EGW_DATA_DIR", "unset-by-the-test")
    monkeypatch.delenv("EGW_SETTINGS_FILE", raising=False)

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


@pytest.fixture
def trust(tmp_path):
    from signing import generate_dev_key

    generate_dev_key(tmp_path / "key")
    return tmp_path / "key" / "cert.pem"


def test_verify_exits_2_for_an_empty_or_unreadable_file(tmp_path, trust, egw_here):
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    result = egw_here("verify", str(empty), "--trust", str(trust))
    assert result.returncode == 2 and "empty file" in result.stderr
    result = egw_here("verify", str(tmp_path / "missing.xml"), "--trust", str(trust))
    assert result.returncode == 2 and "cannot read" in result.stderr
    result = egw_here("verify", str(tmp_path), "--trust", str(trust))  # a directory
    assert result.returncode == 2
    signed = tmp_path / "signed.xml"
    signed.write_bytes(b"<x/>")
    result = egw_here("verify", str(signed), "--signature", str(empty), "--trust", str(trust))
    assert result.returncode == 2 and "empty file" in result.stderr
    result = egw_here("verify", str(signed), "--trust", str(trust))
    assert result.returncode == 1  # readable, but not a signed document: invalid


def test_a_closed_pipe_ends_quietly(tmp_path, egw_here):
    """The smoke test of ``python -m gateway`` in a process of its own (a real pipe, a real exit)."""
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps(api_draft("PIPE-1")))
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway", "tax", "explain", str(draft)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    process.stdout.close()  # the reader goes away before the first byte, like `| head -0`
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 141, stderr.decode()
    assert b"Traceback" not in stderr and b"BrokenPipe" not in stderr
    # Whole output when someone reads it.
    complete = egw_here("tax", "explain", str(draft))
    assert complete.returncode == 0 and complete.stdout


@pytest.mark.slow
def test_settings_file_is_honoured_by_every_command(tmp_path):
    settings = tmp_path / "gateway.env"
    settings.write_text(
        f"EGW_ARTIFACTS_DIR={tmp_path / 'from-file'}\nEGW_DATA_DIR={tmp_path / 'data'}\n"
    )
    env = {"EGW_SETTINGS_FILE": str(settings)}
    env_without = {
        k: v for k, v in os.environ.items() if k not in ("EGW_ARTIFACTS_DIR", "EGW_DATA_DIR")
    }
    listed = subprocess.run(
        [sys.executable, "-m", "gateway", "artifacts", "list"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**env_without, **env},
    )
    assert str(tmp_path / "from-file") in listed.stdout
    # The environment wins over the file.
    listed = subprocess.run(
        [sys.executable, "-m", "gateway", "artifacts", "list"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**env_without, **env, "EGW_ARTIFACTS_DIR": str(tmp_path / "from-env")},
    )
    assert str(tmp_path / "from-env") in listed.stdout
    # init and keys create take their data directory from the file.
    subprocess.run(
        [sys.executable, "-m", "gateway", "init"],
        check=True,
        capture_output=True,
        cwd=REPO,
        env={**env_without, **env},
    )
    assert (tmp_path / "data" / "gateway.db").is_file()
    created = subprocess.run(
        [sys.executable, "-m", "gateway", "keys", "create", "--role", "erp"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**env_without, **env},
    )
    assert created.returncode == 0, created.stderr
    # A settings file that does not exist is an error, not silently ignored.
    missing = egw("artifacts", "list", env={"EGW_SETTINGS_FILE": str(tmp_path / "nope.env")})
    assert missing.returncode == 2 and "EGW_SETTINGS_FILE" in missing.stderr


def _key_rows(data_dir):
    from gateway import db
    from gateway.tables import ApiKey, AuditEvent

    engine = db.make_engine(f"sqlite:///{data_dir / 'gateway.db'}")
    with Session(engine) as session:
        keys = session.exec(select(ApiKey)).all()
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "key.create")).all()
    engine.dispose()
    return keys, events


def test_keys_create_makes_a_working_audited_key(tmp_path, egw_here, caplog):
    from fastapi.testclient import TestClient

    from gateway.app import create_app
    from gateway.settings import Settings

    data = tmp_path / "data"
    assert egw_here("init", "--data-dir", str(data)).returncode == 0
    result = egw_here(
        "keys", "create", "--data-dir", str(data), "--role", "compliance", "--name", "lost keys"
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token.startswith("egw_") and token not in result.stderr + caplog.text
    keys, events = _key_rows(data)
    record = next(k for k in keys if k.name == "lost keys")
    assert record.roles == "compliance"
    assert any(e.target == record.id and "command line" in e.detail for e in events)
    assert all(token not in (e.detail or "") for e in events)
    with TestClient(create_app(Settings(data_dir=data))) as client:
        assert (
            client.get("/v1/invoices", headers={"Authorization": f"Bearer {token}"}).status_code
            == 200
        )


@pytest.mark.slow
def test_keys_create_follows_the_key_policy(tmp_path):
    data = tmp_path / "data"
    no_db = egw("keys", "create", "--data-dir", str(data), "--role", "erp")
    assert no_db.returncode == 2 and "egw init" in no_db.stderr
    egw("init", "--data-dir", str(data), check=True)
    auditor = egw("keys", "create", "--data-dir", str(data), "--role", "auditor")
    assert auditor.returncode == 2 and "expires_at" in auditor.stderr and not auditor.stdout
    too_far = egw(
        "keys", "create", "--data-dir", str(data), "--role", "auditor", "--expires", "200d"
    )
    assert too_far.returncode == 2 and "90 days" in too_far.stderr
    past = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    assert (
        egw(
            "keys", "create", "--data-dir", str(data), "--role", "erp", "--expires", past
        ).returncode
        == 2
    )
    naive = egw(
        "keys",
        "create",
        "--data-dir",
        str(data),
        "--role",
        "erp",
        "--expires",
        "2099-01-01T00:00:00",
    )
    assert naive.returncode == 2 and "time zone" in naive.stderr
    unknown = egw("keys", "create", "--data-dir", str(data), "--role", "root")
    assert unknown.returncode == 2 and "roles" in unknown.stderr
    fine = egw("keys", "create", "--data-dir", str(data), "--role", "auditor", "--expires", "30d")
    assert fine.returncode == 0, fine.stderr
    keys, _ = _key_rows(data)
    auditor_key = next(k for k in keys if k.roles == "auditor")
    expires = auditor_key.expires_at.replace(tzinfo=UTC)
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
