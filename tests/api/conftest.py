"""API test fixtures: the app on SQLite and on the real PostgreSQL, with two tenants.

PostgreSQL tests skip with a message when the server is unreachable, unless
REQUIRE_POSTGRES=1 (CI), which makes them fail instead.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, text

from gateway.app import bootstrap, create_app
from gateway.settings import Settings
from tests.db_template import STORAGE_SETTINGS, SeedKeys, empty_tables, templates_enabled

PG_ADMIN_URL = os.environ.get(
    "EGW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    if _postgres_reachable():
        return
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail("PostgreSQL at 127.0.0.1:5432 is required (REQUIRE_POSTGRES=1) but unreachable")
    pytest.skip(
        "PostgreSQL at 127.0.0.1:5432 is not reachable (set REQUIRE_POSTGRES=1 to make this a failure)"
    )


def create_test_database(admin: Connection, name: str) -> None:
    """Creates a database whose commits do not wait for the disk.

    A test database need not survive a crash of the PostgreSQL server, and waiting for
    each commit's WAL flush is most of a small transaction's time on a busy machine.
    Transactions, locks and constraints behave exactly as with the default.
    """
    admin.execute(text(f'CREATE DATABASE "{name}"'))
    admin.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))


def session_postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards.

    The ``postgres_database`` fixture of tests/conftest.py yields it, once per test process for
    every package: a database of its own per package meant its own Alembic migration and seed
    (seconds each) and its own DROP at the end.
    """
    require_postgres()
    name = f"egw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        create_test_database(connection, name)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as connection:
        connection.execute(
            text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        )
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def fresh_postgres_database() -> str:
    """A new database (for tests that need one to themselves)."""
    require_postgres()
    name = f"egw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        create_test_database(connection, name)
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


TABLES = (
    "audit_event",
    "party_index",
    "ledger_entry",
    "ledger_head",
    "checkpoint",
    "legal_hold",
    "export_job",
    "invoice",
    "data_key",
    "key_material",
    "number_series",
    "api_key",
    "tenant",
)


@dataclass
class Gateway:
    """A running app with two tenants and their keys."""

    client: TestClient
    app: object
    admin_key: str
    erp_key: str
    other_admin_key: str
    other_erp_key: str
    platform_key: str = ""

    def auth(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    @property
    def erp(self) -> dict[str, str]:
        return self.auth(self.erp_key)

    @property
    def admin(self) -> dict[str, str]:
        return self.auth(self.admin_key)

    @property
    def platform(self) -> dict[str, str]:
        return self.auth(self.platform_key)


def _second_tenant(client: TestClient, platform_key: str) -> tuple[str, str]:
    response = client.post(
        "/v1/admin/tenants",
        json={"name": "other"},
        headers={"Authorization": f"Bearer {platform_key}"},
    )
    assert response.status_code == 201, response.text
    other_admin = response.json()["admin_key"]["key"]
    response = client.post(
        "/v1/admin/keys",
        json={"name": "erp", "roles": ["erp"]},
        headers={"Authorization": f"Bearer {other_admin}"},
    )
    assert response.status_code == 201, response.text
    return other_admin, response.json()["key"]


# Each database test runs on SQLite and on PostgreSQL. The PostgreSQL variant is left out of
# the inner loop (-m "not slow", which runs on SQLite) and runs in the full suite (CI): the
# same test, on the server that production uses, at about 1.3 times the SQLite test's time.
BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.slow]),
]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def open_gateway(
    backend: str,
    data_dir: Path,
    request: pytest.FixtureRequest,
    tables: tuple[str, ...] = TABLES,
    **settings: object,
) -> Iterator[Gateway]:
    """Yields the app with two tenants on the chosen database; empties ``tables`` afterwards.

    The tenants, keys and data directory are copies of the session's seed (tests/db_template.py)
    unless templates are off or ``settings`` move the storage; then the app bootstraps itself.
    """
    url = request.getfixturevalue("postgres_database") if backend == "postgresql" else None
    seed = None
    if templates_enabled() and not STORAGE_SETTINGS & settings.keys():
        seed = request.getfixturevalue("gateway_seeds").get(url, tables)
        seed.copy_to(data_dir)
        if url is not None:
            seed.restore_rows(url, tables)
    app = create_app(Settings(data_dir=data_dir, database_url=url, **settings))  # type: ignore[arg-type]
    created = None if seed is not None else bootstrap(app.state.engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        if seed is not None:
            keys = seed.keys
        else:
            assert created is not None
            other_admin, other_erp = _second_tenant(client, created.platform_key)
            keys = SeedKeys(
                created.admin_key, created.erp_key, other_admin, other_erp, created.platform_key
            )
        yield Gateway(
            client,
            app,
            keys.admin_key,
            keys.erp_key,
            keys.other_admin_key,
            keys.other_erp_key,
            keys.platform_key,
        )
    if backend == "postgresql":
        with app.state.engine.begin() as connection:
            empty_tables(connection, tables)
    app.state.engine.dispose()


@pytest.fixture
def gateway(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Gateway]:
    """The app on the chosen database; PostgreSQL tables are emptied after each test."""
    yield from open_gateway(backend, tmp_path / "data", request)


@pytest.fixture(scope="module", params=BACKENDS)
def module_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def module_gateway(
    module_backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    """One app per test module and database (see ``shared_gateway``)."""
    yield from open_gateway(module_backend, tmp_path_factory.mktemp("shared") / "data", request)


@pytest.fixture
def shared_gateway(
    module_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Gateway]:
    """The module's app, shared by tests that only read or are refused; reset to the seed first.

    A new app costs about 80 ms of CPU (FastAPI builds each route's dependencies on the first
    request to it), more than most of these tests themselves. Before each test the data tables
    go back to the seeded tenants and keys (refused drafts are recorded as submissions too). A
    test that stores invoices, changes keys or settings, or reads the archive's caches takes
    ``gateway``: the app's in-memory state (key cache, proof trees) is not reset. With
    ``EGW_TEST_TEMPLATES=off`` every test gets an app of its own.
    """
    if not templates_enabled():
        yield from open_gateway(module_backend, tmp_path / "data", request)
        return
    gateway: Gateway = request.getfixturevalue("module_gateway")
    settings = gateway.app.state.settings  # type: ignore[attr-defined]
    url = settings.database_url
    seed = request.getfixturevalue("gateway_seeds").get(url, TABLES)
    if url is None:
        seed.restore_sqlite_rows(settings.data_dir / "gateway.db")
    else:
        seed.restore_rows(url, TABLES)
    gateway.client.cookies.clear()  # a console session of the test before would carry over
    yield gateway


def bootstrap_keys(data_dir: Path) -> dict[str, str]:
    """The keys ``egw init``/``egw serve`` wrote to the data directory's bootstrap file."""
    lines = (data_dir / "bootstrap-keys.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.startswith("EGW_"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A gateway served by uvicorn in a subprocess (for concurrency and crash tests)."""

    process: subprocess.Popen[bytes]
    base_url: str
    data_dir: Path
    env: dict[str, str]
    erp_key: str

    @property
    def log_path(self) -> Path:
        """The server's stderr (with every thread's stack, should it ever hang at a stop)."""
        return self.data_dir.parent / f"{self.data_dir.name}-server.log"

    def stop(self, *, kill: bool = False) -> None:
        if self.process.poll() is not None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            # A request that never finishes: SIGABRT makes faulthandler (-X faulthandler)
            # write every thread's stack to the log, so the failure says where it hangs.
            self.process.send_signal(signal.SIGABRT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            log = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
            raise AssertionError(
                f"the server did not stop within 20 s; its stderr and thread stacks:\n{log[-20000:]}"
            ) from None


def start_server(
    data_dir: Path, *, database_url: str | None = None, erp_key: str | None = None, workers: int = 1
) -> LiveServer:
    """Starts ``uvicorn gateway.app:create_app`` and waits until /readyz answers."""
    env = {**os.environ, "EGW_DATA_DIR": str(data_dir)}
    if database_url:
        env["EGW_DATABASE_URL"] = database_url
    if erp_key is None:
        subprocess.run(
            [sys.executable, "-m", "gateway", "init"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        erp_key = bootstrap_keys(data_dir)["EGW_ERP_KEY"]
    port = free_port()
    # stderr to a file, not a pipe nobody reads while the server runs (a full pipe
    # would block every thread that logs); read back when the server fails.
    log_path = data_dir.parent / f"{data_dir.name}-server.log"
    log_file = log_path.open("ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-X",
            "faulthandler",
            "-m",
            "uvicorn",
            "gateway.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log_file,
    )
    log_file.close()  # the child holds its own descriptor
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text(errors='replace')[-5000:]}")
        try:
            if httpx2.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return LiveServer(process, base_url, data_dir, env, erp_key)
        except httpx2.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not become ready in 60 s")


@pytest.fixture(scope="module")
def sqlite_gateway(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """One SQLite app for a whole module (fuzzing runs many requests)."""
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("fuzz")))
    created = bootstrap(app.state.engine)
    assert created is not None
    with TestClient(app, raise_server_exceptions=False) as client:
        yield (
            client,
            {"Authorization": f"Bearer {created.erp_key}", "Content-Type": "application/json"},
        )


def drop_postgres_database(url: str) -> None:
    """Drops a database made by :func:`fresh_postgres_database`."""
    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(
            text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        )
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()
