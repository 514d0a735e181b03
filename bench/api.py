"""Benchmark: POST /v1/invoices (10-line drafts) on SQLite and PostgreSQL, closed and open loop.

What makes it honest:

- the server (uvicorn, one worker process) is pinned to one core and the load
  generator (a separate process) to the other, with ``taskset`` /
  ``sched_setaffinity``, so the client's CPU never competes with the server's;
- keep-alive: every generator thread owns one ``httpx2.Client`` for the whole run;
- open loop (``--mode open``): requests are issued at fixed arrival times (an
  offered rate in invoices/s) and latency is measured from the *scheduled*
  arrival, so a slow server cannot slow the generator down and hide its queue
  (no coordinated omission);
- the server's CPU per accepted invoice comes from the server process's own
  CPU time (``/proc/<pid>/stat``: utime + stime of it and its children), read
  before and after the measured window.

Loopback only, a bounded number of requests. Run::

    .venv/bin/python bench/api.py                       # both databases, closed + open loop
    .venv/bin/python bench/api.py --db sqlite --mode open --rates 20,30,150 --seconds 10
    .venv/bin/python bench/api.py --workers 2 --clients 8   # the whole machine serving
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Deprecation warnings of libraries (imported through tests.api.conftest) are not our concern here.
warnings.filterwarnings("ignore", category=DeprecationWarning)

from tests.api.conftest import (  # noqa: E402
    drop_postgres_database,
    free_port,
    fresh_postgres_database,
)
from tests.api.drafts import api_draft  # noqa: E402

SERVER_CORE = 1
CLIENT_CORE = 0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def ten_line_draft(
    index: int, run: str, *, numbered_by_gateway: bool = False, profile: str = "en16931"
) -> bytes:
    """A 10-line draft; ``numbered_by_gateway``: without BT-1, so the tenant's series numbers it."""
    draft = api_draft(None if numbered_by_gateway else f"BENCH-{run}-{index}", profile=profile)
    if profile == "peppol-bis-3":  # Peppol's German rules (DE-R-005..007) want a seller contact
        contact = {"name": "Accounts", "phone": "+49 30 1234", "email": "ar@seller.example"}
        draft["seller"] = {**draft["seller"], "contact": contact}
    line = draft["lines"][0]
    draft["lines"] = [
        {**line, "id": str(i), "name": f"Article {i}", "quantity": f"{i}.5"} for i in range(1, 11)
    ]
    draft["allowances"] = []
    return json.dumps(draft).encode()


# -- server ----------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    erp_key: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


def start_pinned_server(
    data_dir: Path,
    database_url: str | None,
    *,
    loop: str = "auto",
    http: str = "auto",
    engine: str | None = None,
    workers: int = 1,
) -> Server:
    """Initialises a data dir and starts one uvicorn worker pinned to SERVER_CORE.

    ``loop`` and ``http`` go to uvicorn (``auto``: uvloop and httptools when installed).
    ``workers`` above 1: that many worker processes on every core (the generator then
    shares a core with them), for what the whole machine serves.
    """
    env = {**os.environ, "EGW_DATA_DIR": str(data_dir)}
    if engine:
        env["EGW_VALIDATION_ENGINE"] = engine
    if database_url:
        env["EGW_DATABASE_URL"] = database_url
    init = subprocess.run(
        [sys.executable, "-m", "gateway", "init", "--show-keys"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    erp_key = next(
        line.split("=", 1)[1]
        for line in init.stdout.splitlines()
        if line.startswith("EGW_ERP_KEY=")
    )
    port = free_port()
    # One worker: uvicorn serves in this very process, so its pid is the server's CPU.
    # Several: the pid is uvicorn's supervisor, and the CPU is read over its process tree.
    command = [sys.executable, "-m", "uvicorn", "gateway.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    command += ["--log-level", "warning", "--no-access-log", "--loop", loop, "--http", http]
    cores = (
        str(SERVER_CORE) if workers == 1 else ",".join(map(str, sorted(os.sched_getaffinity(0))))
    )
    process = subprocess.Popen(
        ["taskset", "-c", cores, *command],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            if httpx2.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return Server(process, base_url, erp_key)
        except httpx2.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not become ready in 60 s")


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its waited-for children, from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may hold spaces; the fields after its closing ")" are fixed.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return (utime + stime + cutime + cstime) / CLOCK_TICKS


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and all its live descendants (uvicorn may fork)."""
    total = process_cpu_seconds(pid)
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            total += tree_cpu_seconds(int(child))
    return total


# -- load generator (its own process, pinned to CLIENT_CORE) ------------------------------


@dataclass
class Plan:
    base_url: str
    erp_key: str
    server_pid: int
    mode: str  # "closed" or "open"
    run: str
    clients: int = 4  # closed loop: concurrent clients; open loop: connection pool threads
    requests: int = 300  # closed loop
    rate: float = 0.0  # open loop, invoices/s
    seconds: float = 10.0  # open loop
    warmup: int = 20
    numbered_by_gateway: bool = False  # drafts without a number: the gap-free series
    idempotency_keys: bool = False  # every request with its own Idempotency-Key, as ERPs send
    profile: str = "en16931"


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    elapsed: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    late_starts: int = 0


def _poster(plan: Plan) -> httpx2.Client:
    return httpx2.Client(
        base_url=plan.base_url,
        timeout=120,
        headers={"Authorization": f"Bearer {plan.erp_key}", "Content-Type": "application/json"},
    )


def generate(plan: Plan) -> Result:
    """Runs in the generator process: warm-up, then the measured window."""
    os.sched_setaffinity(0, {CLIENT_CORE})
    result = Result()
    lock = threading.Lock()
    counter = iter(range(10**9))

    def record(client: httpx2.Client, scheduled: float) -> None:
        index = next(counter)
        body = ten_line_draft(
            index, plan.run, numbered_by_gateway=plan.numbered_by_gateway, profile=plan.profile
        )
        headers = {"Idempotency-Key": f"{plan.run}-{index}"} if plan.idempotency_keys else {}
        try:
            status = client.post("/v1/invoices", content=body, headers=headers).status_code
        except httpx2.HTTPError:
            with lock:
                result.errors += 1
            return
        finished = time.perf_counter()
        with lock:
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status == 201:
                result.latencies.append(finished - scheduled)

    with _poster(plan) as client:  # warm-up: rule sets compile once per worker
        for _ in range(plan.warmup):
            record(client, time.perf_counter())
    result.latencies.clear()
    result.statuses.clear()

    clients = [_poster(plan) for _ in range(plan.clients)]
    for client in clients:  # open every keep-alive connection before the clock starts
        client.get("/healthz")
    cpu_before = tree_cpu_seconds(plan.server_pid)
    own_before = time.process_time()
    started = time.perf_counter()
    if plan.mode == "closed":
        remaining = iter(range(plan.requests))

        def closed_worker(client: httpx2.Client) -> None:
            while True:
                with lock:
                    if next(remaining, None) is None:
                        return
                record(client, time.perf_counter())

        threads = [threading.Thread(target=closed_worker, args=(c,)) for c in clients]
    else:
        arrivals: queue.Queue[float | None] = queue.Queue()
        total = int(plan.rate * plan.seconds)

        def dispatcher() -> None:
            for index in range(total):
                scheduled = started + index / plan.rate
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                elif delay < -0.005:
                    result.late_starts += 1
                arrivals.put(scheduled)
            for _ in clients:
                arrivals.put(None)

        def open_worker(client: httpx2.Client) -> None:
            while (scheduled := arrivals.get()) is not None:
                record(client, scheduled)

        threads = [threading.Thread(target=open_worker, args=(c,)) for c in clients]
        threads.append(threading.Thread(target=dispatcher))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - started
    result.server_cpu = tree_cpu_seconds(plan.server_pid) - cpu_before
    result.client_cpu = time.process_time() - own_before
    for client in clients:
        client.close()
    return result


def _generate_into(plan: Plan, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    out.put(generate(plan))


def run_generator(plan: Plan) -> Result:
    context = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    process = context.Process(target=_generate_into, args=(plan, out))
    process.start()
    result: Result = out.get()
    process.join()
    return result


# -- report ------------------------------------------------------------------------------


def percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def describe(label: str, result: Result, *, offered: float | None = None) -> str:
    ordered = sorted(result.latencies)
    accepted = len(ordered)
    others = {k: v for k, v in result.statuses.items() if k != 201}
    per_invoice = result.server_cpu / accepted * 1000 if accepted else float("nan")
    line = (
        f"{label:28s} "
        + (f"offered {offered:6.1f}/s " if offered else "")
        + f"throughput {accepted / result.elapsed:6.1f}/s  "
        f"p50 {percentile(ordered, 0.50) * 1000:7.1f} ms  p99 {percentile(ordered, 0.99) * 1000:7.1f} ms  "
        f"p99.9 {percentile(ordered, 0.999) * 1000:7.1f} ms  "
        f"server CPU {per_invoice:5.1f} ms/invoice ({result.server_cpu / result.elapsed * 100:3.0f}% of its core)  "
        f"client CPU {result.client_cpu / max(accepted, 1) * 1000:4.1f} ms/req  n={accepted}"
    )
    if others or result.errors:
        line += f"  other statuses {others} transport errors {result.errors}"
    if result.late_starts:
        line += f"  late arrivals {result.late_starts}"
    return line


def bench_database(database: str, args: argparse.Namespace) -> None:
    url = fresh_postgres_database() if database == "postgresql" else None
    try:
        with tempfile.TemporaryDirectory() as folder:
            server = start_pinned_server(
                Path(folder) / "data",
                url,
                loop=args.loop,
                http=args.http,
                engine=args.engine,
                workers=args.workers,
            )
            try:
                run_id = 0
                closed_rate = 0.0
                if args.mode in ("closed", "both"):
                    for clients in sorted({1, args.clients}):
                        run_id += 1
                        plan = Plan(
                            server.base_url,
                            server.erp_key,
                            server.process.pid,
                            "closed",
                            f"{database}{run_id}",
                            clients=clients,
                            requests=args.requests,
                            numbered_by_gateway=args.numbering == "gateway",
                            idempotency_keys=args.idempotency_keys,
                            profile=args.profile,
                        )
                        result = run_generator(plan)
                        closed_rate = max(closed_rate, len(result.latencies) / result.elapsed)
                        print(describe(f"{database} closed c={clients}", result), flush=True)
                if args.mode in ("open", "both"):
                    rates = _rates(args.rates, closed_rate)
                    for rate in rates:
                        run_id += 1
                        plan = Plan(
                            server.base_url,
                            server.erp_key,
                            server.process.pid,
                            "open",
                            f"{database}{run_id}",
                            clients=args.pool,
                            rate=rate,
                            seconds=args.seconds,
                            numbered_by_gateway=args.numbering == "gateway",
                            idempotency_keys=args.idempotency_keys,
                            profile=args.profile,
                        )
                        result = run_generator(plan)
                        print(describe(f"{database} open", result, offered=rate), flush=True)
            finally:
                server.stop()
    finally:
        if url:
            drop_postgres_database(url)


def _rates(spec: str, closed_rate: float) -> list[float]:
    """``auto`` offers 50 % and 80 % of the closed-loop capacity, then the 150/s target."""
    if spec == "auto":
        base = closed_rate or 30.0
        return [round(base * 0.5, 1), round(base * 0.8, 1), 150.0]
    return [float(v) for v in spec.split(",")]


def _installed(module: str) -> str:
    import importlib.util

    return f"{module} {'installed' if importlib.util.find_spec(module) else 'not installed'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--mode", choices=("closed", "open", "both"), default="both")
    parser.add_argument("--requests", type=int, default=300, help="closed loop: measured requests")
    parser.add_argument("--clients", type=int, default=4, help="closed loop: concurrent clients")
    parser.add_argument("--rates", default="auto", help="open loop: offered invoices/s, comma list")
    parser.add_argument("--seconds", type=float, default=8.0, help="open loop: arrival window")
    parser.add_argument("--pool", type=int, default=64, help="open loop: connections (threads)")
    parser.add_argument(
        "--numbering",
        choices=("erp", "gateway"),
        default="erp",
        help="erp: drafts carry BT-1; gateway: no BT-1, numbered from the tenant's series",
    )
    parser.add_argument(
        "--idempotency-keys", action="store_true", help="send an Idempotency-Key with every draft"
    )
    parser.add_argument("--profile", choices=("en16931", "peppol-bis-3"), default="en16931")
    parser.add_argument(
        "--engine", choices=("auto", "official"), default=None, help="EGW_VALIDATION_ENGINE"
    )
    parser.add_argument("--loop", choices=("auto", "asyncio", "uvloop"), default="auto")
    parser.add_argument("--http", choices=("auto", "h11", "httptools"), default="auto")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="uvicorn worker processes; above 1 they run on every core, the generator's included",
    )
    args = parser.parse_args()
    if len(os.sched_getaffinity(0)) < 2:
        sys.exit("needs two cores: one for the server, one for the load generator")
    where = (
        f"one uvicorn worker on core {SERVER_CORE}"
        if args.workers == 1
        else f"{args.workers} uvicorn workers on every core (sharing core {CLIENT_CORE} with the generator)"
    )
    print(
        f"server: {where}; generator: own process on core {CLIENT_CORE}; "
        "10-line drafts, keep-alive; latency from scheduled arrival in open loop; "
        f"profile {args.profile}, engine {args.engine or 'default'}; "
        f"uvicorn --loop {args.loop} ({_installed('uvloop')}) --http {args.http} ({_installed('httptools')})"
    )
    for database in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        bench_database(database, args)


if __name__ == "__main__":
    # The official rule sets beside the checkout, as the tests read them: without them a
    # Peppol draft is "not checked" (503) and nothing would be measured.
    shared_artifacts = ROOT.parent / "shared" / "artifacts"
    if shared_artifacts.is_dir():
        os.environ.setdefault("EGW_ARTIFACTS_DIR", str(shared_artifacts))
    main()
