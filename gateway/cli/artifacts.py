"""``egw artifacts list`` and ``egw artifacts fetch``: the pinned official schemas and rule sets."""

from __future__ import annotations

import argparse
import hashlib
import sys
import urllib.error
import urllib.request
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Adds ``egw artifacts``."""
    artifacts = subparsers.add_parser(
        "artifacts", help="pinned validation artifacts (XSD, Schematron)"
    )
    commands = artifacts.add_subparsers(dest="artifacts_command", metavar="COMMAND")
    listing = commands.add_parser(
        "list", help="show each artifact: present, missing or hash mismatch, and who uses it"
    )
    listing.set_defaults(func=run_list)
    fetch = commands.add_parser(
        "fetch",
        help="download missing artifacts into EGW_ARTIFACTS_DIR (needs internet access)",
        description="Downloads each missing 'dir' artifact from its pinned source and keeps it only if its SHA-256 matches.",
    )
    fetch.add_argument(
        "--base-url",
        required=True,
        help="URL under which the artifact paths of the manifest resolve (a mirror of the pinned repositories)",
    )
    fetch.set_defaults(func=run_fetch)
    artifacts.set_defaults(func=lambda args: (artifacts.print_help(), 2)[1])


def _users() -> dict[str, list[str]]:
    from validators.ruleset import RULE_SETS

    users: dict[str, list[str]] = {}
    for ruleset in RULE_SETS:
        for stage in ruleset.stages:
            users.setdefault(stage.artifact, [])
            label = f"{ruleset.profile}/{ruleset.syntax}"
            if label not in users[stage.artifact]:
                users[stage.artifact].append(label)
    return users


def run_list(args: argparse.Namespace) -> int:
    """Prints one line per artifact; exit 1 when any is missing or mismatched."""
    from schemas import artifacts

    users = _users()
    worst = 0
    directory = artifacts.artifacts_dir()
    print(f"artifacts directory (EGW_ARTIFACTS_DIR): {directory or 'not set'}")
    for name, spec in sorted(artifacts.manifest().items()):
        state, detail = artifacts.status(name)
        if state != "present":
            worst = 1
        print(
            f"{state:14s} {name:22s} {spec.version:8s} used by {', '.join(users.get(name, [])) or '-'}"
        )
        if state != "present":
            print(f"{'':14s} {detail}")
    return worst


def run_fetch(args: argparse.Namespace) -> int:
    """Downloads missing artifacts and verifies their SHA-256; exit 1 when any could not be had."""
    from schemas import artifacts

    directory = artifacts.artifacts_dir()
    if directory is None:
        print("error: set EGW_ARTIFACTS_DIR to the folder to fetch into", file=sys.stderr)
        return 2
    failed = 0
    for name, spec in sorted(artifacts.manifest().items()):
        if spec.origin != "dir" or artifacts.status(name)[0] == "present":
            continue
        url = args.base_url.rstrip("/") + "/" + spec.path
        try:
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - pinned https source
                data = response.read()
        except (urllib.error.URLError, OSError) as exc:
            print(f"{name}: cannot download {url}: {exc}", file=sys.stderr)
            failed += 1
            continue
        if hashlib.sha256(data).hexdigest() != spec.sha256:
            print(
                f"{name}: downloaded bytes do not match the pinned SHA-256; not kept",
                file=sys.stderr,
            )
            failed += 1
            continue
        target = directory / spec.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        print(f"{name}: fetched and verified")
    return 1 if failed else 0
