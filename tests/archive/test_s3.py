"""The S3 blob store with Object Lock, against a real S3-compatible server (moto in server mode).

Documents are written in COMPLIANCE mode until their retain_until, the bucket
refuses to delete them earlier, archive legal holds become object legal holds,
and the whole archive (submit, read, verify, hold) works on the bucket.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gateway.app import bootstrap_tenant, create_app
from gateway.settings import Settings
from tests.api.drafts import api_draft

moto_server = pytest.importorskip(
    "moto.server", reason="moto[server] (test extra) is not installed"
)
boto3 = pytest.importorskip("boto3")

BUCKET = "egw-archive-test"


@pytest.fixture
def s3(monkeypatch) -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    boto3.client("s3", endpoint_url=url).create_bucket(
        Bucket=BUCKET, ObjectLockEnabledForBucket=True
    )
    yield url
    server.stop()


def test_documents_are_worm_locked_until_retention_and_holds_mirror(s3, tmp_path):
    settings = Settings(
        data_dir=tmp_path / "data", blob_backend="s3", s3_bucket=BUCKET, s3_endpoint_url=s3
    )
    app = create_app(settings)
    _, admin_key, erp_key = bootstrap_tenant(app.state.engine)
    erp = {"Authorization": f"Bearer {erp_key}"}
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/readyz").json()["checks"]["blobs"] == "ok"
        created = client.post("/v1/invoices", json=api_draft("S3-1"), headers=erp)
        assert created.status_code == 201, created.text
        record = created.json()
        assert client.get(f"/v1/invoices/{record['id']}/xml", headers=erp).status_code == 200
        store = app.state.blobs
        from sqlalchemy import text

        with app.state.engine.connect() as connection:
            ref = connection.execute(
                text("SELECT document_ref FROM invoice WHERE id = :i"), {"i": record["id"]}
            ).scalar()
        lock = store.lock_of(ref)
        assert lock["mode"] == "COMPLIANCE"
        assert (
            lock["retain_until"].date()
            == datetime.date(2034, 12, 31)
            == datetime.date.fromisoformat(record["retain_until"])
        )
        # The bucket itself refuses to delete the document before its retention ends.
        from botocore.exceptions import ClientError

        with pytest.raises(ClientError):
            store.delete(ref)
        assert store.exists(ref)
        # An archive legal hold is mirrored on the object, and lifted with it.
        admin = {"Authorization": f"Bearer {admin_key}"}
        key = client.post(
            "/v1/admin/keys", json={"name": "c", "roles": ["compliance"]}, headers=admin
        )
        compliance = {"Authorization": f"Bearer {key.json()['key']}"}
        hold = client.post(
            "/v1/archive/holds",
            json={"scope": "invoice", "invoice_id": record["id"], "reason": "litigation"},
            headers=compliance,
        )
        assert hold.status_code == 201, hold.text
        assert store.lock_of(ref)["legal_hold"] == "ON"
        lifted = client.post(
            f"/v1/archive/holds/{hold.json()['id']}/lift",
            json={"reason": "settled"},
            headers=compliance,
        )
        assert lifted.status_code == 200
        assert store.lock_of(ref)["legal_hold"] == "OFF"
        verified = client.get("/v1/archive/verification", headers=compliance).json()
        assert verified["intact"] and verified["blobs"] == 1, verified
