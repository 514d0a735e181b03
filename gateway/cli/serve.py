"""``egw init`` and ``egw serve``: prepare a data directory and run the gateway.

On a fresh database both create the first tenant with three keys (platform,
admin, ERP) and write them to ``<data dir>/bootstrap-keys.env``, readable by the
owner only (mode 0600). The server log gets the file's path, never the keys:
logs are collected and kept by other systems. ``egw init`` prints the keys
themselves only to a terminal (or with ``--show-keys``), so that a script or a
container log that captures its output does not capture the secrets.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Adds ``egw init`` and ``egw serve``."""
    init = subparsers.add_parser(
        "init", help="prepare the data directory and print the first API keys"
    )
    init.add_argument(
        "--data-dir", type=Path, help="data directory (default: EGW_DATA_DIR or ./data)"
    )
    init.add_argument(
        "--show-keys",
        action="store_true",
        help="print the first keys even when standard output is not a terminal",
    )
    init.set_defaults(func=run_init)

    serve = subparsers.add_parser(
        "serve", help="run the gateway (initialises the data directory on first start)"
    )
    serve.add_argument(
        "--data-dir", type=Path, help="data directory (default: EGW_DATA_DIR or ./data)"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=run_serve)


def _settings(data_dir: Path | None) -> Any:
    from gateway.settings import Settings

    if data_dir is not None:
        os.environ["EGW_DATA_DIR"] = str(data_dir)
    # An optional settings file (KEY=value lines, EGW_* names); the environment wins over it.
    return Settings(_env_file=os.environ.get("EGW_SETTINGS_FILE"))  # type: ignore[call-arg]


BOOTSTRAP_FILE = "bootstrap-keys.env"


def write_bootstrap_file(data_dir: Path, content: str) -> Path:
    """Writes the bootstrap keys to a file only its owner can read (mode 0600, set before any byte)."""
    path = data_dir / BOOTSTRAP_FILE
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        os.fchmod(handle.fileno(), 0o600)  # also when the file existed with a wider mode
        handle.write(content)
    return path


def _initialise(settings: Any) -> tuple[Path, Any] | None:
    """Migrates, loads the signing key and bootstraps the first tenant; the key file, if new."""
    from gateway import db
    from gateway.app import bootstrap, load_signing_keys

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db.migrate(settings.resolved_database_url)
    load_signing_keys(settings)
    engine = db.make_engine(settings.resolved_database_url)
    try:
        created = bootstrap(engine)
    finally:
        engine.dispose()
    if created is None:
        return None
    header = f"# tenant {created.tenant_id}: first keys, shown nowhere else; keep them safe\n"
    return write_bootstrap_file(settings.data_dir, header + created.as_env()), created


def run_init(args: argparse.Namespace) -> int:
    """Creates the database, the development key and the default tenant (once)."""
    settings = _settings(args.data_dir)
    initialised = _initialise(settings)
    if initialised is not None:
        path, created = initialised
        if args.show_keys or sys.stdout.isatty():
            print(f"# created tenant {created.tenant_id}; these keys are shown once:")
            print(created.as_env(), end="")
        print(f"first API keys written to {path.resolve()} (mode 0600)", file=sys.stderr)
    print(f"data directory ready: {settings.data_dir.resolve()}", file=sys.stderr)
    return 0


def run_serve(args: argparse.Namespace) -> int:
    """Initialises the data directory if needed and serves the API with uvicorn."""
    import logging

    import uvicorn

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    settings = _settings(args.data_dir)
    initialised = _initialise(settings)
    if initialised is not None:
        logging.getLogger("gateway").warning(
            "first API keys (platform, admin, ERP) written to %s (mode 0600); "
            "the keys are not logged",
            initialised[0].resolve(),
        )
    uvicorn.run(
        "gateway.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="auto",  # uvloop when installed (a dependency on CPython/POSIX), else asyncio
        http="auto",  # httptools when installed, else h11
        log_level="info",
        access_log=False,  # query strings may hold personal data; gateway.access logs paths only
    )
    return 0
