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


def _download(url: str, expected_sha256: str) -> bytes:
    """Downloads one file and returns it only when its SHA-256 matches the pin."""
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - pinned source
        data: bytes = response.read()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise ValueError(f"SHA-256 {actual} does not match the pin {expected_sha256}")
    return data


def run_fetch(args: argparse.Namespace) -> int:
    """Downloads missing artifacts (entry file and includes), verified; exit 1 when any failed."""
    import posixpath

    from schemas import artifacts

    directory = artifacts.artifacts_dir()
    if directory is None:
        print("error: set EGW_ARTIFACTS_DIR to the folder to fetch into", file=sys.stderr)
        return 2
    base = args.base_url.rstrip("/")
    failed = 0
    for name, spec in sorted(artifacts.manifest().items()):
        if spec.origin != "dir" or artifacts.status(name)[0] == "present":
            continue
        folder = posixpath.dirname(spec.path)
        files = [(spec.path, spec.sha256)] + [
            (posixpath.normpath(posixpath.join(folder, relative)), digest)
            for relative, digest in spec.includes
        ]
        try:
            # Download everything first: a rule set is kept whole or not at all.
            fetched = [(path, _download(f"{base}/{path}", digest)) for path, digest in files]
        except (urllib.error.URLError, OSError, ValueError) as exc:
            print(f"{name}: not fetched: {exc}", file=sys.stderr)
            failed += 1
            continue
        for path, data in fetched:
            target = directory / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        artifacts._loaded.clear()
        print(f"{name}: fetched {len(fetched)} file(s), SHA-256 verified")
    return 1 if failed else 0
