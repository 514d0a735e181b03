"""``egw validate``: validate e-invoice files against the official rule sets.

Exit codes (a contract other tools rely on): 0 when no file has a fatal finding,
1 when any has, 2 when a file cannot be read or parsed as XML.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from schemas import profiles
from schemas.errors import XmlInputError


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Adds ``egw validate``."""
    parser = subparsers.add_parser(
        "validate",
        help="validate UBL/CII files (XSD + official Schematron)",
        description="Validate e-invoices. Exit 0: no fatal finding; 1: a fatal finding; 2: unreadable.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--profile", choices=profiles.names(), help="profile (default: from BT-24)")
    parser.add_argument("--json", action="store_true", help="one JSON object per file and line")
    parser.set_defaults(func=run)


def _unreadable(path: Path, reason: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"file": str(path), "valid": False, "error": reason}))
    else:
        print(f"{path}: cannot validate: {reason}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Validates each file and returns the worst exit code."""
    from validators import validate

    worst = 0
    for path in args.files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            _unreadable(path, f"cannot read the file: {exc.strerror}", args.json)
            worst = 2
            continue
        try:
            report = validate(data, profile=args.profile)
        except XmlInputError as exc:
            _unreadable(path, exc.message, args.json)
            worst = 2
            continue
        if not report.valid:
            worst = max(worst, 1)
        if args.json:
            out = report.to_json()
            print(
                json.dumps(
                    {
                        "file": str(path),
                        "valid": out["valid"],
                        "syntax": out["syntax"],
                        "profile": out["profile"],
                        "ruleset_id": out["ruleset_id"],
                        "findings": out["findings"],
                        "rule_sets": out["rule_sets"],
                        "not_run": out["not_run"],
                    }
                )
            )
            continue
        verdict = "valid" if report.valid else "NOT VALID"
        print(f"{path}: {verdict} ({report.syntax}, {report.ruleset_id})")
        for finding in report.findings:
            print(
                f"  [{finding.severity}] {finding.rule_id} ({finding.stage}) at {finding.location}"
            )
            print(f"      {finding.message}")
        for skipped in report.not_run:
            print(f"  [not run] {skipped['stage']}: {skipped['reason']}")
    return worst
