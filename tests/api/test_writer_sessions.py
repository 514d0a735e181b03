"""Reads never write through a deferred SQLite session: gateway-wide secrets are made by a writer."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from gateway.app import bootstrap, create_app
from gateway.settings import Settings
from tests.api.drafts import api_draft


def _key_rows(app: object) -> int:
    with app.state.engine.connect() as connection:  # type: ignore[attr-defined]
        return int(
            connection.execute(
                text("SELECT count(*) FROM key_material WHERE name = 'blind-index'")
            ).scalar_one()
        )


def test_a_search_before_any_invoice_makes_a_blind_index_key_that_survives_a_restart(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    app = create_app(settings)
    created = bootstrap(app.state.engine)
    assert created is not None
    erp = {"Authorization": f"Bearer {created.erp_key}"}
    with TestClient(app, raise_server_exceptions=False) as client:
        # The first use of the blind-index key is a read (GET with a buyer filter).
        response = client.get("/v1/invoices", params={"buyer": "DE123456789"}, headers=erp)
        assert response.status_code == 200, response.text
        assert response.json()["data"] == []
    # Made in a committed transaction of its own, not in the rolled-back reading one.
    assert _key_rows(app) == 1
    app.state.engine.dispose()

    restarted = create_app(Settings(data_dir=tmp_path / "data"))
    with TestClient(restarted, raise_server_exceptions=False) as client:
        stored = client.post("/v1/invoices", json=api_draft("WS-1"), headers=erp)
        assert stored.status_code == 201, stored.text
        buyer_vat = api_draft("WS-1")["buyer"]["vat_id"]
        found = client.get("/v1/invoices", params={"buyer": buyer_vat}, headers=erp)
        assert [r["number"] for r in found.json()["data"]] == ["WS-1"]
    assert _key_rows(restarted) == 1
    restarted.state.engine.dispose()


def test_a_secret_first_needed_by_a_reader_survives_a_concurrent_writer(tmp_path):
    # The reader's snapshot is older than a commit made meanwhile: a write through it
    # would fail on SQLite's lock upgrade (SQLITE_BUSY_SNAPSHOT, a 503 to the client).
    from sqlmodel import Session

    from gateway.db import writer

    app = create_app(Settings(data_dir=tmp_path / "data"))
    assert bootstrap(app.state.engine) is not None
    engine, vault = app.state.engine, app.state.archive.vault
    with Session(engine) as reader:
        reader.exec(text("SELECT count(*) FROM tenant")).one()  # the snapshot starts here
        with Session(writer(engine)) as other, other.begin():
            other.exec(text("UPDATE tenant SET name = name || '-x'"))
        secret = vault.material(reader, "test-secret")
    with Session(engine) as fresh:
        vault._material.clear()
        assert vault.material(fresh, "test-secret") == secret  # committed, and the same
    app.state.engine.dispose()
