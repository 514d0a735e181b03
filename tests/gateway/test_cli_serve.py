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
