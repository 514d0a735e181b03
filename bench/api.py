"""Benchmark: POST /v1/invoices throughput and latency (10-line drafts), SQLite and PostgreSQL, 1 and 2 workers.

Loopback only, a bounded number of requests. Run: ``.venv/bin/python bench/api.py``
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.api.conftest import drop_postgres_database, fresh_postgres_database, start_server  # noqa: E402
from tests.api.drafts import api_draft  # noqa: E402

REQUESTS = 300
CLIENTS = 8


def ten_line_draft(index: int) -> bytes:
    draft = api_draft(f"BENCH-{index}")
    line = draft["lines"][0]
    draft["lines"] = [
        {**line, "id": str(i), "name": f"Article {i}", "quantity": f"{i}.5"} for i in range(1, 11)
    ]
    draft["allowances"] = []
    return json.dumps(draft).encode()


def run(database: str, workers: int) -> None:
    url = fresh_postgres_database() if database == "postgresql" else None
    with tempfile.TemporaryDirectory() as folder:
        server = start_server(Path(folder) / "data", database_url=url, workers=workers)
        headers = {"Authorization": f"Bearer {server.erp_key}", "Content-Type": "application/json"}
        bodies = [ten_line_draft(i) for i in range(REQUESTS)]
        latencies: list[float] = []

        def post(body: bytes) -> None:
            with httpx.Client(base_url=server.base_url, timeout=60) as client:
                started = time.perf_counter()
                response = client.post("/v1/invoices", content=body, headers=headers)
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 201, response.text[:200]

        for body in bodies[:10]:  # warm up (rule sets compile once per worker)
            post(body)
        latencies.clear()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            list(pool.map(post, bodies[10:]))
        elapsed = time.perf_counter() - started
        server.stop()
    if url:
        drop_postgres_database(url)
    ordered = sorted(latencies)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    print(
        f"{database:10s} workers={workers}: {len(latencies) / elapsed:6.1f} invoices/s, "
        f"p50 {statistics.median(latencies) * 1000:6.1f} ms, p99 {p99 * 1000:6.1f} ms ({len(latencies)} requests, {CLIENTS} clients)"
    )


if __name__ == "__main__":
    for database in ("sqlite", "postgresql"):
        for workers in (1, 2):
            run(database, workers)
