"""RFC 3161 time stamps from a real local TSA, and auditor exports checked offline."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from sqlmodel import Session

from gateway.archive import checkpoint
from gateway.archive.export import verify_export
from gateway.archive.verify import verify_archive
from gateway.db import writer
from tests.archive.helpers import cli, execute, key, submit
from tests.archive.tsa import local_tsa
from validators import validate


def _checkpoint(gateway, tenant: str, url: str):
    with (
        Session(writer(gateway.app.state.engine), expire_on_commit=False) as session,
        session.begin(),
    ):
        return checkpoint.make_checkpoint(
            session, tenant, gateway.app.state.keys.current, tsa_url=url
        )


def test_checkpoint_tokens_verify_with_openssl(gateway, tmp_path):
    (record,) = submit(gateway, 1)
    tenant = gateway.client.get("/v1/invoices", headers=gateway.erp).json()["data"] and None
    from sqlalchemy import text

    with gateway.app.state.engine.connect() as connection:
        tenant = connection.execute(text("SELECT tenant_id FROM invoice")).scalar()
    with local_tsa() as tsa:
        row = _checkpoint(gateway, tenant, tsa.url)
        assert row.timestamp_token and row.timestamp_note is None
        (tmp_path / "token.tsr").write_bytes(base64.b64decode(row.timestamp_token))
        (tmp_path / "signature.sig").write_bytes(base64.b64decode(row.signature))
        result = subprocess.run(
            [
                "openssl",
                "ts",
                "-verify",
                "-in",
                str(tmp_path / "token.tsr"),
                "-data",
                str(tmp_path / "signature.sig"),
                "-CAfile",
                str(tsa.ca_pem),
            ],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0 and "Verification: OK" in result.stdout, result.stderr
        with Session(gateway.app.state.engine) as session:
            checked = verify_archive(
                session,
                gateway.app.state.archive,
                certificates=gateway.app.state.keys.certificates,
                tsa_roots=[tsa.ca],
                tenant_id=tenant,
            )
        assert checked.intact, checked.problems
        # A token over something else is refused, by us and by openssl.
        other = _checkpoint(gateway, tenant, tsa.url)
        execute(
            gateway,
            "UPDATE checkpoint SET timestamp_token = :t WHERE id = :i",
            t=other.timestamp_token,
            i=row.id,
        )
        with Session(gateway.app.state.engine) as session:
            checked = verify_archive(
                session,
                gateway.app.state.archive,
                certificates=gateway.app.state.keys.certificates,
                tsa_roots=[tsa.ca],
                tenant_id=tenant,
            )
        assert [p.kind for p in checked.problems] == ["timestamp-invalid"]
    # A TSA that is down leaves the checkpoint signed, with a note saying so.
    row = _checkpoint(gateway, tenant, "http://127.0.0.1:9/tsa")
    assert row.timestamp_token is None and "unreachable" in row.timestamp_note


@pytest.mark.slow
def test_export_verifies_offline_and_every_document_passes_again(
    gateway, monkeypatch, capsys, tmp_path
):
    records = submit(gateway, 3)
    out = tmp_path / "export.zip"
    code, text_out = cli(
        gateway,
        monkeypatch,
        capsys,
        "archive",
        "export",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--tenant",
        _tenant(gateway),
        "-o",
        str(out),
    )
    assert code == 0, text_out
    check = verify_export(out)
    assert check.intact, check.problems
    assert check.documents == 3 and check.entries >= 3
    from gateway.cli import main

    assert main(["archive", "verify-export", str(out)]) == 0
    # An auditor's own check: sha256sum and openssl only.
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(out) as bundle:
        bundle.extractall(folder)
    assert subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=folder).returncode == 0
    meta = json.loads((folder / "checkpoint" / "checkpoint.json").read_text())
    cert = folder / "certificates" / f"signing-{meta['signing_key_id']}.pem"
    pub = subprocess.run(
        ["openssl", "x509", "-in", str(cert), "-pubkey", "-noout"], capture_output=True, check=True
    ).stdout
    (tmp_path / "pub.pem").write_bytes(pub)
    verified = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            str(tmp_path / "pub.pem"),
            "-signature",
            str(folder / "checkpoint" / "signature.sig"),
            str(folder / "checkpoint" / "statement.txt"),
        ],
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0 and "Verified OK" in verified.stdout
    entries = [
        json.loads(line) for line in (folder / "ledger" / "entries.jsonl").read_text().splitlines()
    ]
    for entry in entries:
        link = (folder / "ledger" / "links" / f"{entry['seq']}.bin").read_bytes()
        assert hashlib.sha256(link).hexdigest() == entry["entry_hash"]
    index = json.loads((folder / "index.json").read_text())
    assert {row["id"] for row in index} == {r["id"] for r in records}
    for row in index:
        document = (folder / row["document"]).read_bytes()
        assert hashlib.sha256(document).hexdigest() == row["sha256"]
        assert validate(document, profile=row["profile"]).valid
    # A changed document is found.
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == index[0]["document"]:
                data = data.replace(b"Widget", b"Gadget")
            target.writestr(item, data)
    check = verify_export(tampered)
    assert not check.intact and any("SHA-256" in p for p in check.problems)
    assert main(["archive", "verify-export", str(tampered)]) == 1


def test_export_over_http_for_auditors(gateway):
    submit(gateway, 2)
    auditor = key(gateway, "auditor")
    erp_refused = gateway.client.post(
        "/v1/archive/exports", json={"from": "2026-01-01", "to": "2026-12-31"}, headers=gateway.erp
    )
    assert erp_refused.status_code == 403
    started = gateway.client.post(
        "/v1/archive/exports", json={"from": "2026-01-01", "to": "2026-12-31"}, headers=auditor
    )
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    import time

    for _ in range(300):
        job = gateway.client.get(f"/v1/archive/exports/{job_id}", headers=auditor).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] == "done", job
    download = gateway.client.get(job["download"], headers=auditor)
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    path = Path(gateway.app.state.settings.data_dir) / "downloaded.zip"
    path.write_bytes(download.content)
    check = verify_export(path)
    assert check.intact and check.documents == 2, check.problems


def _tenant(gateway) -> str:
    from sqlalchemy import text

    with gateway.app.state.engine.connect() as connection:
        return connection.execute(text("SELECT tenant_id FROM invoice LIMIT 1")).scalar()
