"""Profile: where the server's CPU goes for one 10-line draft, stage by stage, in process.

Runs ``Pipeline.submit_draft`` (no HTTP) on SQLite or PostgreSQL and charges the
CPU time of the calling thread (``time.thread_time``) to the innermost stage that
is running: draft parsing, tax completion, render, XSD, Schematron, signing, blob
write, database. What no stage claims (idempotency lookup, record building,
report JSON, ...) is "other". With ``--cprofile N`` it also prints the N most
expensive functions (cumulative) from cProfile.

The HTTP layer (FastAPI, pydantic of the request, auth) is not in here: the
difference between this figure and ``bench/api.py``'s server CPU per invoice is
what the request path costs.

Run: ``.venv/bin/python bench/profile_submit.py [--db postgresql] [--profile peppol-bis-3]
[--count 200] [--cprofile 25]``
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import pstats
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.filterwarnings("ignore", category=DeprecationWarning)

import gateway.pipeline as pipeline_module  # noqa: E402
import validators.native.judge as native_judge  # noqa: E402
import validators.stages.schematron as schematron_stage  # noqa: E402
import validators.stages.xsd as xsd_stage  # noqa: E402
from bench.api import ten_line_draft  # noqa: E402
from gateway.app import bootstrap_tenant, create_app  # noqa: E402
from gateway.blobstore import BlobStore  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from schemas.model import InvoiceDraft  # noqa: E402

_cpu: dict[str, float] = defaultdict(float)
_calls: dict[str, int] = defaultdict(int)
_stack: list[str] = []
_mark = [0.0]


def _switch(to: str | None) -> None:
    """Charges the CPU since the last switch to the stage on top of the stack."""
    now = time.thread_time()
    _cpu[_stack[-1] if _stack else "other"] += now - _mark[0]
    _mark[0] = now
    if to is not None:
        _stack.append(to)
        _calls[to] += 1
    else:
        _stack.pop()


@contextmanager
def stage(name: str) -> Iterator[None]:
    _switch(name)
    try:
        yield
    finally:
        _switch(None)


def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with stage(name):
            return function(*args, **kwargs)

    return wrapper


def instrument() -> None:
    """Wraps each stage's entry point where the pipeline calls it."""
    pipeline_module.complete_with_trace = timed(
        "tax completion", pipeline_module.complete_with_trace
    )
    pipeline_module.sign = timed("sign (XAdES enveloped)", pipeline_module.sign)
    pipeline_module.sign_detached = timed("sign (detached)", pipeline_module.sign_detached)
    pipeline_module.validate_rendered = timed(
        "validate: parse + glue", pipeline_module.validate_rendered
    )
    xsd_stage.run = timed("validate: XSD", xsd_stage.run)
    schematron_stage._transform_to_file = timed(
        "validate: Schematron (Saxon)", schematron_stage._transform_to_file
    )
    schematron_stage.read_svrl = timed("validate: SVRL read", schematron_stage.read_svrl)
    native_judge.run_stage = timed("validate: native rules", native_judge.run_stage)
    BlobStore.put = timed("blob write + fsync", BlobStore.put)  # type: ignore[method-assign]
    from schemas import ubl

    ubl.render = timed("render UBL", ubl.render)
    original_store = pipeline_module.Pipeline._store

    def store(self: Any, tenant_id: str, prepare: Any, *args: Any, **kwargs: Any) -> Any:
        with stage("database transaction"):
            return original_store(self, tenant_id, prepare, *args, **kwargs)

    pipeline_module.Pipeline._store = store  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--profile", choices=("en16931", "peppol-bis-3"), default="en16931")
    parser.add_argument("--cprofile", type=int, default=0, help="also print the top N functions")
    args = parser.parse_args()
    url = None
    if args.db == "postgresql":
        from tests.api.conftest import fresh_postgres_database

        url = fresh_postgres_database()
    try:
        with tempfile.TemporaryDirectory() as folder:
            # No sampled Saxon audit: it runs on another thread, which this per-stage
            # accounting (one stage stack) cannot tell apart; it costs ~1% of a Saxon run.
            settings = Settings(  # type: ignore[call-arg]
                data_dir=Path(folder), database_url=url, official_audit_fraction=0.0
            )
            app = create_app(settings)
            created = bootstrap_tenant(app.state.engine)
            assert created is not None
            tenant_id = created[0]
            submit = app.state.pipeline.submit_draft
            bodies = [
                ten_line_draft(i, "profile", profile=args.profile) for i in range(args.count + 10)
            ]

            def one(body: bytes) -> None:
                with stage("draft parse (pydantic)"):
                    draft = InvoiceDraft.model_validate(json.loads(body))
                submit(
                    tenant_id,
                    draft,
                    request_sha256=hashlib.sha256(body).hexdigest(),
                    idempotency_key=None,
                    api_key_id=None,
                )

            for body in bodies[:10]:  # warm up: rule sets compile, caches fill
                one(body)
            instrument()
            profiler = cProfile.Profile(time.thread_time) if args.cprofile else None
            _cpu.clear()
            _calls.clear()
            _mark[0] = time.thread_time()
            started_cpu, started_wall = time.thread_time(), time.perf_counter()
            started_process = time.process_time()
            if profiler:
                profiler.enable()
            for body in bodies[10:]:
                one(body)
            if profiler:
                profiler.disable()
            _switch_final()
            total_cpu = time.thread_time() - started_cpu
            process_cpu = time.process_time() - started_process
            wall = time.perf_counter() - started_wall
            app.state.engine.dispose()
    finally:
        if url:
            from tests.api.conftest import drop_postgres_database

            drop_postgres_database(url)
    count = args.count
    print(
        f"{args.db}, {args.profile}: {count} ten-line drafts in process: {total_cpu / count * 1000:.2f} ms CPU "
        f"({process_cpu / count * 1000:.2f} ms for the whole process, other threads included) "
        f"and {wall / count * 1000:.2f} ms wall per invoice"
        + (" (cProfile on: figures inflated)" if profiler else "")
    )
    for name, seconds in sorted(_cpu.items(), key=lambda item: -item[1]):
        print(
            f"  {name:32s} {seconds / count * 1000:7.2f} ms  {seconds / total_cpu * 100:5.1f} %"
            f"  ({_calls.get(name, 0) / count:.0f} calls/invoice)"
        )
    if profiler:
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(
            args.cprofile
        )


def _switch_final() -> None:
    now = time.thread_time()
    _cpu["other"] += now - _mark[0]


if __name__ == "__main__":
    # The official rule sets beside the checkout, as bench/api.py reads them: without them
    # a Peppol draft is "not checked" and nothing would be measured.
    shared_artifacts = Path(__file__).resolve().parents[2] / "shared" / "artifacts"
    if shared_artifacts.is_dir():
        os.environ.setdefault("EGW_ARTIFACTS_DIR", str(shared_artifacts))
    main()
