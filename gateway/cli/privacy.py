"""``egw privacy report``: the record of processing activities (GDPR art. 30) of a tenant."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from schemas.errors import GatewayError


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Adds ``egw privacy``."""
    privacy = subparsers.add_parser("privacy", help="GDPR: the record of processing activities")
    commands = privacy.add_subparsers(dest="privacy_command", metavar="COMMAND")
    report = commands.add_parser("report", help="what personal data is kept, why, how long, where")
    report.add_argument(
        "--data-dir", type=Path, help="data directory (default: EGW_DATA_DIR or ./data)"
    )
    report.add_argument("--tenant", help="tenant id (default: the only one)")
    report.set_defaults(func=run_report)
    privacy.set_defaults(func=lambda args: (privacy.print_help(), 2)[1])


def run_report(args: argparse.Namespace) -> int:
    """Prints the art. 30 record as JSON; exit 2 when the archive cannot be read."""
    from sqlmodel import Session

    from gateway.cli.archive import _open, _tenant
    from gateway.privacy.processing import report

    try:
        context = _open(args)
    except (GatewayError, OSError, ValueError) as exc:
        print(f"egw privacy report: cannot read the archive: {exc}", file=sys.stderr)
        return 2
    tenant = _tenant(context, args.tenant)
    if tenant is None:
        print("egw privacy report: several tenants here: name one with --tenant", file=sys.stderr)
        return 2
    with Session(context.engine) as session:
        record = report(
            session,
            context.archive,
            tenant,
            database=context.engine.dialect.name,
            blob_store=context.settings.blob_backend,
        )
    print(json.dumps(record, indent=2, default=str))
    return 0
