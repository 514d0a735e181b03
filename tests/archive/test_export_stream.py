"""Exports are built into a file, sealed chunk by chunk and streamed: memory stays bounded."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

import pytest
from sqlmodel import Session, select

from gateway.archive import sealed_file
from gateway.archive.envelope import associated_data, seal
from gateway.archive.errors import SealBroken
from gateway.archive.export import build_export, verify_export
from gateway.archive.store import Accepted
from gateway.db import writer
from gateway.tables import StoredInvoice
from schemas.model import Invoice
from tests.archive.helpers import submit

DOCUMENTS = 24
DOCUMENT_BYTES = 384 * 1024  # 9 MiB of documents in all
PEAK_LIMIT = 4 * 1024 * 1024


def _admit_large(app, count: int) -> str:
    """Archives ``count`` records with large documents (random bytes do not compress)."""
    archive = app.state.archive
    with Session(app.state.engine) as session:
        template = session.exec(select(StoredInvoice)).first()
        assert template is not None
        invoice = Invoice.model_validate_json(archive.open_column(session, template, "invoice"))
        report = archive.open_column(session, template, "report") or "{}"
        tenant_id = template.tenant_id
    for number in range(count):
        with Session(writer(app.state.engine)) as session, session.begin():
            archive.admit(
                session,
                tenant_id,
                Accepted(
                    invoice=invoice.model_copy(update={"number": f"BIG-{number}"}),
                    profile=template.profile,
                    syntax=template.syntax,
                    direction="outbound",
                    document=os.urandom(DOCUMENT_BYTES),
                    signature=None,
                    signature_kind=None,
                    signing_key_id=None,
                    report_json=report,
                    trace_json=None,
                ),
                request_sha256=hashlib.sha256(str(number).encode()).hexdigest(),
                idempotency_key=None,
            )
    return tenant_id


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_large_export_is_built_sealed_and_streamed_in_bounded_memory(gateway, tmp_path):
    # About 1.3 s on the 2-core machine (under 2 s: not marked slow).
    submit(gateway, 1)
    app = gateway.app
    tenant_id = _admit_large(app, DOCUMENTS)
    archive, keys = app.state.archive, app.state.keys
    path = tmp_path / "export.zip"
    streamed = hashlib.sha256()
    started = time.monotonic()
    tracemalloc.start()
    try:
        with path.open("w+b") as out:
            summary = build_export(
                app.state.engine,
                archive,
                tenant_id=tenant_id,
                period_from=invoice_dates(app)[0],
                period_to=invoice_dates(app)[1],
                signing_key=keys.current,
                certificates=keys.certificates,
                out=out,
            )
            out.seek(0)
            data_key = os.urandom(32)
            ref = sealed_file.store(
                archive.blobs, data_key, out, owner=tenant_id, file_id="JOB", slot="export"
            )
        opened = sealed_file.open_file(
            archive.blobs, data_key, ref, owner=tenant_id, file_id="JOB", slot="export"
        )
        for chunk in opened.iter_bytes():
            streamed.update(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started
    size = path.stat().st_size
    assert summary.documents == DOCUMENTS + 1
    assert size > 2 * PEAK_LIMIT and len(opened.chunks) > 2
    assert peak < PEAK_LIMIT, f"peak {peak} bytes for an export of {size} bytes"
    whole = hashlib.sha256(path.read_bytes()).hexdigest()
    assert streamed.hexdigest() == whole == opened.sha256 and opened.size == size
    check = verify_export(path)
    assert check.intact and check.documents == DOCUMENTS + 1, check.problems
    print(f"export of {size} bytes: peak {peak} bytes traced, {elapsed:.2f} s")


def invoice_dates(app):
    with Session(app.state.engine) as session:
        dates = [r.issue_date for r in session.exec(select(StoredInvoice)).all()]
    return min(dates), max(dates)


def test_chunks_are_bound_to_their_place_and_old_whole_files_still_open(monkeypatch, tmp_path):
    from gateway.blobstore import BlobStore

    blobs = BlobStore(tmp_path / "blobs")
    key = os.urandom(32)
    monkeypatch.setattr(sealed_file, "CHUNK_BYTES", 1000)
    data = os.urandom(4500)
    ref = sealed_file.store(blobs, key, io.BytesIO(data), owner="T", file_id="F", slot="export")
    opened = sealed_file.open_file(blobs, key, ref, owner="T", file_id="F", slot="export")
    assert b"".join(opened.iter_bytes()) == data and len(opened.chunks) == 5
    # Another file's manifest does not open as this one's, and chunks cannot be reordered.
    with pytest.raises(SealBroken):
        sealed_file.open_file(blobs, key, ref, owner="T", file_id="G", slot="export")
    swapped = sealed_file.SealedFile(
        blobs, key, "T", "F", "export", opened.chunks[::-1], opened.size, opened.sha256
    )
    with pytest.raises(SealBroken):
        list(swapped.iter_bytes())
    # An export stored before chunking: one sealed blob under the plain slot.
    legacy = blobs.put(seal(key, data, associated_data("T", "OLD", "export")))
    old = sealed_file.open_file(blobs, key, legacy, owner="T", file_id="OLD", slot="export")
    assert b"".join(old.iter_bytes()) == data and old.size == len(data)


def test_the_http_download_streams_the_export(gateway):
    # The route test of test_timestamp_export downloads and verifies; here: chunked headers.
    from tests.archive.helpers import key

    submit(gateway, 1)
    auditor = key(gateway, "auditor")
    started = gateway.client.post(
        "/v1/archive/exports", json={"from": "2026-01-01", "to": "2026-12-31"}, headers=auditor
    )
    job_id = started.json()["id"]
    for _ in range(300):
        job = gateway.client.get(f"/v1/archive/exports/{job_id}", headers=auditor).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] == "done", job
    with gateway.client.stream("GET", job["download"], headers=auditor) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/zip"
        body = b"".join(response.iter_bytes())
    assert int(response.headers["content-length"]) == len(body)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.zip"
        path.write_bytes(body)
        assert verify_export(path).intact
