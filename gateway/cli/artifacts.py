"""``egw artifacts list`` and ``egw artifacts fetch``: the pinned official schemas and rule sets.

``fetch`` fills the artifacts directory straight from the pinned upstream sources
(raw files of the official repositories at the pinned commits, see ``[[upstream]]``
in ``schemas/artifacts.toml``), or from a mirror. It is all-or-nothing: every
missing file is downloaded and checked against its SHA-256 pin first, and only
when all of them match is anything written.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

GITHUB_RAW = "https://raw.githubusercontent.com"
#: Largest file accepted from a source (the largest pinned artifact is under 1 MB).
MAX_DOWNLOAD_BYTES = 16 * 1024 * 1024


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
        help="download the missing artifacts into EGW_ARTIFACTS_DIR from their pinned sources",
        description="Downloads every missing 'dir' artifact from its pinned upstream repository "
        "(raw files at the pinned commit), checks each file's SHA-256 against the pin, and "
        "writes them only when all match (nothing is written otherwise).",
    )
    fetch.add_argument(
        "--dir",
        type=Path,
        help="the artifacts folder to fill (default: EGW_ARTIFACTS_DIR)",
    )
    source = fetch.add_mutually_exclusive_group()
    source.add_argument(
        "--upstream-root",
        default=GITHUB_RAW,
        help=f"where the upstream repositories' raw files are served (default: {GITHUB_RAW}; "
        "a mirror with the same OWNER/REPO/COMMIT/PATH layout works too)",
    )
    source.add_argument(
        "--base-url",
        help="instead, a mirror of the artifacts folder's own layout (URL + relative path)",
    )
    fetch.set_defaults(func=run_fetch)
    artifacts.set_defaults(func=lambda args: (artifacts.print_help(), 2)[1])


def _users() -> dict[str, list[str]]:
    from validators.ruleset import RULE_SETS

    users: dict[str, list[str]] = {}
    for ruleset in RULE_SETS:
        for stage in ruleset.stages:
            for name in stage.artifacts:
                users.setdefault(name, [])
                label = f"{ruleset.profile}/{ruleset.syntax}"
                if label not in users[name]:
                    users[name].append(label)
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
            f"{state:14s} {name:28s} {spec.version:8s} used by {', '.join(users.get(name, [])) or '-'}"
        )
        if state != "present":
            print(f"{'':14s} {detail}")
    if worst:
        print(f"to install what is missing, run: {artifacts.fetch_command()}")
    return worst


class FetchError(Exception):
    """One file could not be fetched or did not match its pin."""


def _download(url: str, expected_sha256: str) -> bytes:
    """Downloads one file and returns it only when its SHA-256 matches the pin."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - pinned source
            data: bytes = response.read(MAX_DOWNLOAD_BYTES + 1)
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"cannot download {url}: {exc}") from exc
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise FetchError(f"{url} is larger than {MAX_DOWNLOAD_BYTES:,} bytes")
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise FetchError(f"{url} has SHA-256 {actual}, but the pin is {expected_sha256}: refused")
    return data


def _source_url(args: argparse.Namespace, path: str) -> str:
    from schemas import artifacts

    if args.base_url:
        url = f"{args.base_url.rstrip('/')}/{path}"
    else:
        url = artifacts.upstream_url(path)
        if args.upstream_root != GITHUB_RAW:
            url = args.upstream_root.rstrip("/") + url[len(GITHUB_RAW) :]
    scheme, netloc, url_path, query, fragment = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((scheme, netloc, urllib.parse.quote(url_path), query, fragment))


def _write_all(directory: Path, fetched: dict[str, bytes]) -> None:
    """Writes verified files: each goes to a temporary file first, then into place."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in fetched.items():
            target = directory / path
            target.parent.mkdir(parents=True, exist_ok=True)
            descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=".fetch-")
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            staged.append((Path(name), target))
    except OSError:
        for written, _ in staged:
            written.unlink(missing_ok=True)
        raise
    for written, target in staged:
        os.replace(written, target)


def run_fetch(args: argparse.Namespace) -> int:
    """Downloads every missing artifact file, verified, all or nothing; exit 1 when anything failed."""
    from schemas import artifacts
    from schemas.errors import ArtifactError

    directory = args.dir or artifacts.artifacts_dir()
    if directory is None:
        print(
            "error: say where to put the artifacts: set EGW_ARTIFACTS_DIR (the gateway reads it "
            "too) or give --dir",
            file=sys.stderr,
        )
        return 2
    wanted: dict[str, str] = {}
    for _, spec in sorted(artifacts.manifest().items()):
        if spec.origin != "dir":
            continue
        for path, digest in artifacts.files(spec):
            existing = directory / path
            if existing.is_file() and hashlib.sha256(existing.read_bytes()).hexdigest() == digest:
                continue
            wanted[path] = digest
    if not wanted:
        print(f"every pinned artifact is present in {directory}")
        return 0
    fetched: dict[str, bytes] = {}
    failures: list[str] = []
    for path, digest in sorted(wanted.items()):
        try:
            fetched[path] = _download(_source_url(args, path), digest)
        except (FetchError, ArtifactError) as exc:
            failures.append(str(exc))
    if failures:
        for failure in failures:
            print(f"error: {failure}", file=sys.stderr)
        print(
            f"nothing was written: {len(failures)} of {len(wanted)} file(s) failed",
            file=sys.stderr,
        )
        return 1
    _write_all(Path(directory), fetched)
    artifacts._loaded.clear()
    print(f"fetched {len(fetched)} file(s) into {directory}, each SHA-256 verified against its pin")
    return 0
