"""``egw init`` and ``egw serve``: prepare a data directory and run the gateway."""

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


def _initialise(settings: Any) -> None:
    from gateway import db
    from gateway.app import bootstrap_tenant, load_signing_keys

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db.migrate(settings.resolved_database_url)
    load_signing_keys(settings)
    engine = db.make_engine(settings.resolved_database_url)
    created = bootstrap_tenant(engine)
    engine.dispose()
    if created is not None:
        tenant_id, admin_key, erp_key = created
        print(f"# created tenant {tenant_id}; these keys are shown once:")
        print(f"EGW_ADMIN_KEY={admin_key}")
        print(f"EGW_ERP_KEY={erp_key}")
        sys.stdout.flush()


def run_init(args: argparse.Namespace) -> int:
    """Creates the database, the development key and the default tenant (once)."""
    settings = _settings(args.data_dir)
    _initialise(settings)
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
    _initialise(settings)
    uvicorn.run(
        "gateway.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        access_log=False,  # query strings may hold personal data; gateway.access logs paths only
    )
    return 0
