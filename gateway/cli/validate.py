"""``egw validate``: validate e-invoice files against the official rule sets.

Exit codes (a contract other tools rely on): 0 when every file passes, 1 when any
has a fatal finding, 2 when a file cannot be read or parsed as XML, 3 when a file
could not be checked because a rule set it needs cannot run here ("not checked",
never "invalid"). With several files the highest code wins.

A PDF is looked into for an embedded e-invoice (Factur-X, ZUGFeRD, XRechnung),
which is then validated; a PDF without one exits 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from schemas import profiles
from schemas.errors import XmlInputError

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE, EXIT_NOT_CHECKED = 0, 1, 2, 3


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Adds ``egw validate``."""
    parser = subparsers.add_parser(
        "validate",
        help="validate UBL/CII files, or the e-invoice inside a Factur-X/ZUGFeRD PDF",
        description="Validate e-invoices (XSD + official Schematron). Exit 0: no fatal finding; "
        "1: a fatal finding; 2: unreadable; 3: not checked (a rule set is missing here).",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--profile", choices=profiles.names(), help="profile (default: from BT-24)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument(
        "--json",
        action="store_true",
        help="one JSON array, one object per file, on standard output",
    )
    output.add_argument(
        "--jsonl",
        action="store_true",
        help="JSON Lines: one object per file and line, as it is done",
    )
    parser.set_defaults(func=run)


def _check(path: Path, profile: str | None) -> tuple[int, dict[str, Any], list[str]]:
    """Validates one file: (exit code, its JSON object, its text lines for people)."""
    from validators import validate
    from validators.embedded import embedded_invoice, is_pdf

    def unreadable(reason: str) -> tuple[int, dict[str, Any], list[str]]:
        return (
            EXIT_UNREADABLE,
            {"file": str(path), "valid": False, "error": reason},
            [f"{path}: cannot validate: {reason}"],
        )

    try:
        data = path.read_bytes()
    except OSError as exc:
        return unreadable(f"cannot read the file: {exc.strerror}")
    header: dict[str, Any] = {"file": str(path)}
    lines: list[str] = []
    try:
        if is_pdf(data):
            embedded = embedded_invoice(data)
            if embedded is None:
                reason = "a PDF without an embedded e-invoice (no Factur-X/ZUGFeRD XML attachment)"
                return (
                    EXIT_UNREADABLE,
                    {**header, "valid": False, "embedded": None, "error": reason},
                    [f"{path}: {reason}"],
                )
            header["embedded"] = embedded.filename
            lines.append(f"{path}: PDF with the embedded e-invoice {embedded.filename}")
            data = embedded.xml
        report = validate(data, profile=profile)
    except XmlInputError as exc:
        code, out, text = unreadable(exc.message)
        return code, {**header, **out}, [*lines, *text]
    out = report.to_json()
    result = {
        **header,
        "valid": out["valid"],
        "checked": not report.not_checked,
        "syntax": out["syntax"],
        "profile": out["profile"],
        "ruleset_id": out["ruleset_id"],
        "findings": out["findings"],
        "truncated": out["truncated"],
        "rule_sets": out["rule_sets"],
        "not_run": out["not_run"],
    }
    if report.not_checked:
        code = EXIT_NOT_CHECKED
        verdict = "NOT CHECKED"
    else:
        code = EXIT_VALID if report.valid else EXIT_INVALID
        verdict = "valid" if report.valid else "NOT VALID"
    lines.append(f"{path}: {verdict} ({report.syntax}, {report.ruleset_id})")
    for finding in report.not_checked:
        lines.append(f"  not checked: {finding.message}")
    for finding in report.findings:
        if finding in report.not_checked:
            continue
        lines.append(
            f"  [{finding.severity}] {finding.rule_id} ({finding.stage}) at {finding.location}"
        )
        lines.append(f"      {finding.message}")
    if report.truncated:
        lines.append(f"  ... and {report.truncated} more finding(s) left out")
    for skipped in report.not_run:
        if skipped["outcome"] == "skipped":
            lines.append(f"  [not run] {skipped['stage']}: {skipped['reason']}")
    return code, result, lines


def _quiet_stdout() -> None:
    # The reader went away (``| head``): send what is left to /dev/null so that
    # the interpreter's final flush does not fail again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def run(args: argparse.Namespace) -> int:
    """Validates each file and returns the highest exit code."""
    worst = EXIT_VALID
    collected: list[dict[str, Any]] = []
    try:
        for path in args.files:
            code, result, lines = _check(path, args.profile)
            worst = max(worst, code)
            if args.json:
                collected.append(result)
            elif args.jsonl:
                print(json.dumps(result), flush=True)
            else:
                stream = sys.stderr if code == EXIT_UNREADABLE else sys.stdout
                print("\n".join(lines), file=stream, flush=True)
        if args.json:
            print(json.dumps(collected, indent=1), flush=True)
    except BrokenPipeError:
        _quiet_stdout()
    return worst
