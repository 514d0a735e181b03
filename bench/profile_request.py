"""Profile: what the request path adds to a submission, in process, without the HTTP parser.

Sends 10-line drafts through the whole ASGI application (middleware, routing,
input checks, authentication, the handler, the response) from an event loop in
this process, one request at a time, and interleaves the same number of direct
``Pipeline.submit_draft`` calls. Both are charged by the CPU time of the whole
process (``time.process_time``: every thread, the thread pool included), so

    request path = CPU per ASGI request - CPU per direct submission

is what FastAPI, pydantic, authentication, thread-pool hops and the response
cost on top of the pipeline. It also counts the thread-pool hops per request.

Uvicorn's HTTP parsing and socket work are not in here: ``bench/api.py`` measures
them with the rest, over real connections.

With ``--cprofile N``, thread-pool hops run inline on the event loop's thread
(so one profiler sees the whole request) and the N most expensive functions of
the ASGI requests are printed.

Run: ``.venv/bin/python bench/profile_request.py [--db postgresql] [--count 200] [--cprofile 30]``
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import json
import pstats
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.filterwarnings("ignore", category=DeprecationWarning)

import anyio.to_thread  # noqa: E402

from bench.api import ten_line_draft  # noqa: E402
from gateway.app import bootstrap_tenant, create_app  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from schemas.model import InvoiceDraft  # noqa: E402

T = TypeVar("T")
hops = [0]
_run_sync = anyio.to_thread.run_sync


async def counting_run_sync(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """anyio's thread-pool entry, counted (FastAPI and Starlette hop through it)."""
    hops[0] += 1
    return await _run_sync(function, *args, **kwargs)


async def inline_run_sync(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Runs a hop on the calling thread, so that cProfile sees it (profiling mode only)."""
    hops[0] += 1
    return function(*args)


async def asgi_post(app: Any, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """One HTTP request through the ASGI app, as uvicorn would hand it over."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        + [(b"content-length", str(len(body)).encode()), (b"host", b"bench")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # a client that stays connected
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--cprofile", type=int, default=0, help="print the top N functions")
    parser.add_argument(
        "--concurrent",
        type=int,
        default=0,
        help="then send N more drafts, all in flight at once, and report how many "
        "submissions each group commit held",
    )
    args = parser.parse_args()
    url = None
    if args.db == "postgresql":
        from tests.api.conftest import fresh_postgres_database

        url = fresh_postgres_database()
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(data_dir=Path(folder), database_url=url)  # type: ignore[call-arg]
            app = create_app(settings)
            created = bootstrap_tenant(app.state.engine)
            assert created is not None
            tenant_id, _admin, erp_key = created
            headers = {"authorization": f"Bearer {erp_key}", "content-type": "application/json"}
            pipeline = app.state.pipeline
            anyio.to_thread.run_sync = (  # type: ignore[assignment]
                inline_run_sync if args.cprofile else counting_run_sync
            )
            figures = asyncio.run(
                _measure(app, pipeline, tenant_id, headers, args.count, args.cprofile)
            )
            grouping = asyncio.run(_concurrent(app, headers, args.concurrent))
            app.state.engine.dispose()
    finally:
        if url:
            from tests.api.conftest import drop_postgres_database

            drop_postgres_database(url)
    asgi_cpu, direct_cpu, hop_count, profiler = figures
    count = args.count
    print(
        f"{args.db}: {count} ten-line drafts, CPU per invoice (whole process): "
        f"through the ASGI app {asgi_cpu / count * 1000:.2f} ms, "
        f"direct Pipeline.submit_draft {direct_cpu / count * 1000:.2f} ms; "
        f"request path {(asgi_cpu - direct_cpu) / count * 1000:.2f} ms; "
        f"thread-pool hops per request {hop_count / count:.1f}"
        + (" (cProfile on: figures inflated)" if profiler else "")
    )
    if grouping:
        print(grouping)
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.cprofile)


async def _measure(
    app: Any,
    pipeline: Any,
    tenant_id: str,
    headers: dict[str, str],
    count: int,
    cprofile: int,
) -> tuple[float, float, int, cProfile.Profile | None]:
    bodies = [ten_line_draft(i, "asgi") for i in range(count + 10)]
    direct_bodies = [ten_line_draft(i, "direct") for i in range(count + 10)]

    def direct(body: bytes) -> None:
        draft = InvoiceDraft.model_validate_json(body)
        pipeline.submit_draft(
            tenant_id,
            draft,
            request_sha256=hashlib.sha256(body).hexdigest(),
            idempotency_key=None,
            api_key_id=None,
        )

    for index in range(10):  # warm up both paths: rule sets compile, caches fill
        status, answer = await asgi_post(app, "/v1/invoices", bodies[index], headers)
        assert status == 201, answer[:500]
        direct(direct_bodies[index])
    profiler = cProfile.Profile() if cprofile else None
    asgi_cpu = direct_cpu = 0.0
    hops[0] = 0
    for index in range(10, count + 10):  # interleaved, so that drift hits both alike
        started = time.process_time()
        if profiler:
            profiler.enable()
        status, answer = await asgi_post(app, "/v1/invoices", bodies[index], headers)
        if profiler:
            profiler.disable()
        asgi_cpu += time.process_time() - started
        assert status == 201, answer[:500]
        json.loads(answer)
        started = time.process_time()
        direct(direct_bodies[index])
        direct_cpu += time.process_time() - started
    return asgi_cpu, direct_cpu, hops[0], profiler


async def _concurrent(app: Any, headers: dict[str, str], count: int) -> str:
    """Sends ``count`` drafts at once; says how the group commits formed."""
    group = app.state.pipeline.group
    if not count:
        return ""
    transactions, writes = (group.transactions, group.writes) if group else (0, 0)
    bodies = [ten_line_draft(i, "concurrent") for i in range(count)]
    started_cpu, started_wall = time.process_time(), time.perf_counter()
    answers = await asyncio.gather(*(asgi_post(app, "/v1/invoices", b, headers) for b in bodies))
    cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started_wall
    assert all(status == 201 for status, _ in answers), [a[:200] for s, a in answers if s != 201]
    grouping = "group commit off (EGW_GROUP_COMMIT=false)"
    if group:
        transactions, writes = group.transactions - transactions, group.writes - writes
        grouping = (
            f"{writes} submissions in {transactions} transactions "
            f"({writes / max(transactions, 1):.1f} per commit)"
        )
    return (
        f"{count} drafts in flight at once: {grouping}; "
        f"{cpu / count * 1000:.2f} ms CPU and {wall / count * 1000:.2f} ms wall per invoice"
    )


if __name__ == "__main__":
    main()
