"""``egw init``: prepares the data directory once and prints the two keys once."""

from __future__ import annotations

import subprocess
import sys


def test_init_prints_two_keys_once(tmp_path):
    env_dir = tmp_path / "data"
    first = subprocess.run(
        [sys.executable, "-m", "gateway", "init", "--data-dir", str(env_dir)],
        capture_output=True,
        text=True,
        check=True,
    )
    keys = [line for line in first.stdout.splitlines() if line.startswith("EGW_")]
    assert [k.split("=")[0] for k in keys] == ["EGW_ADMIN_KEY", "EGW_ERP_KEY"]
    assert all(len(k.split("=", 1)[1]) > 30 for k in keys)
    assert "DEVELOPMENT" in first.stderr
    assert (env_dir / "gateway.db").is_file() and (env_dir / "keys" / "key.pem").is_file()
    second = subprocess.run(
        [sys.executable, "-m", "gateway", "init", "--data-dir", str(env_dir)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "EGW_ADMIN_KEY" not in second.stdout  # shown once


def test_production_settings_refuse_embedded_defaults():
    import pytest
    from pydantic import ValidationError

    from gateway.settings import Settings

    with pytest.raises(ValidationError, match="PostgreSQL"):
        Settings(env="production")
    with pytest.raises(ValidationError, match="EGW_SIGNING_KEY"):
        Settings(env="production", database_url="postgresql+psycopg://db/egw")
