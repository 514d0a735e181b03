"""Against a real uvicorn server: concurrent retries, concurrent numbering, and a SIGKILL mid-stream."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx2
import pytest
from sqlalchemy import create_engine, text

from tests.api.conftest import (
    BACKENDS,
    drop_postgres_database,
    fresh_postgres_database,
    start_server,
)
from tests.api.drafts import api_draft

pytestmark = pytest.mark.slow  # live uvicorn servers: CI runs it, the inner loop leaves it out


@pytest.fixture(params=BACKENDS)
def live(request, tmp_path):
    url = fresh_postgres_database() if request.param == "postgresql" else None
    server = start_server(tmp_path / "data", database_url=url)
    yield server
    server.stop()
    if url:
        drop_postgres_database(url)


def _post(server, body, headers=None):
    with httpx2.Client(base_url=server.base_url, timeout=120) as client:
        return client.post(
            "/v1/invoices",
            content=json.dumps(body),
            headers={
                "Authorization": f"Bearer {server.erp_key}",
                "Content-Type": "application/json",
                **(headers or {}),
            },
        )


def test_twenty_concurrent_identical_retries_make_one_submission(live):
    body = api_draft("CONCURRENT-1")
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(
            pool.map(lambda _: _post(live, body, {"Idempotency-Key": "same-key"}), range(20))
        )
    assert all(r.status_code in (200, 201) for r in responses), [
        r.text[:200] for r in responses if r.status_code >= 300
    ]
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.status_code == 201 for r in responses) == 1
    listed = httpx2.get(
        f"{live.base_url}/v1/invoices", headers={"Authorization": f"Bearer {live.erp_key}"}
    ).json()
    assert len(listed["data"]) == 1
    different = _post(live, api_draft("CONCURRENT-2"), {"Idempotency-Key": "same-key"})
    assert different.status_code == 409


def test_concurrent_drafts_without_numbers_get_a_gap_free_series(live, request):
    count = 200 if "postgresql" in request.node.callspec.id else 60
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(lambda _: _post(live, api_draft(None)), range(count)))
    assert all(r.status_code == 201 for r in responses), [
        r.text[:200] for r in responses if r.status_code != 201
    ][:3]
    numbers = sorted(int(r.json()["number"].rsplit("-", 1)[1]) for r in responses)
    assert numbers == list(range(1, count + 1))
    # Concurrent writers left one linear ledger chain (no fork, no gap) that verifies.
    verified = _archive_verify(live)
    assert verified["intact"], verified["problems"][:5]
    assert verified["records"] == count and verified["entries"] == count


def _archive_verify(server) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "gateway", "archive", "verify", "--json"],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    return json.loads(result.stdout)


def test_a_killed_server_leaves_only_complete_records(tmp_path):
    server = start_server(tmp_path / "data")
    acknowledged: list[dict] = []
    refused: Counter[str] = Counter()  # what the others got, should none be acknowledged
    lock = threading.Lock()
    stop = threading.Event()

    def submit(index: int) -> None:
        if stop.is_set():
            return
        try:
            response = _post(server, api_draft(f"CRASH-{index}"))
        except httpx2.HTTPError as exc:
            with lock:
                refused[type(exc).__name__] += 1
            return  # the server died under this request: it was never acknowledged
        with lock:
            if response.status_code == 201:
                acknowledged.append(response.json())
            else:
                refused[f"{response.status_code} {response.text[:200]}"] += 1

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(submit, i) for i in range(80)]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not all(f.done() for f in futures):
            with lock:
                if len(acknowledged) >= 15:
                    break
            threading.Event().wait(0.05)
        server.stop(kill=True)  # SIGKILL with requests in flight
        stop.set()
        for future in futures:
            future.result()
    log = server.log_path.read_text(errors="replace")[-3000:] if server.log_path.exists() else ""
    assert acknowledged, f"no submission was acknowledged before the kill: {refused}\n{log}"

    restarted = start_server(server.data_dir, erp_key=server.erp_key)
    try:
        headers = {"Authorization": f"Bearer {server.erp_key}"}
        for item in acknowledged:
            got = httpx2.get(f"{restarted.base_url}/v1/invoices/{item['id']}", headers=headers)
            assert got.status_code == 200, item["id"]
            xml = httpx2.get(f"{restarted.base_url}{item['links']['xml']}", headers=headers)
            assert hashlib.sha256(xml.content).hexdigest() == item["document_sha256"]
        # Every record in the database, acknowledged or not, is complete: its blobs exist.
        engine = create_engine(f"sqlite:///{server.data_dir / 'gateway.db'}")
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, document_ref FROM invoice")).all()
        engine.dispose()
        assert len(rows) >= len(acknowledged)
        for record_id, sha in rows:
            blob = server.data_dir / "blobs" / sha[:2] / sha
            assert blob.is_file() and hashlib.sha256(blob.read_bytes()).hexdigest() == sha, (
                record_id
            )
        # The archive of what survived the kill verifies: no half-written record, no broken chain.
        verified = _archive_verify(restarted)
        assert verified["intact"], verified["problems"][:5]
        # No temporary files are mistaken for blobs; they may remain and are harmless.
        assert restarted.process.poll() is None
    finally:
        restarted.stop()
