"""Shared fixtures: where the external corpus and the official artifacts live.

Both live in ``../shared`` beside the checkout (CI has it). When the folder is
absent, tests that need it skip with a message; they never fall back to copies.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Per-package coverage floors: measured and enforced when the whole suite runs.
pytest_plugins = ["tests.coverage_floor"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("EGW_SHARED_DIR", PROJECT_ROOT.parent / "shared"))
CORPUS_DIR = SHARED_DIR / "corpus"
ARTIFACTS_DIR = Path(os.environ.get("EGW_ARTIFACTS_DIR", SHARED_DIR / "artifacts"))

# The product reads its artifacts from EGW_ARTIFACTS_DIR; point it at the shared copy.
if ARTIFACTS_DIR.is_dir():
    os.environ.setdefault("EGW_ARTIFACTS_DIR", str(ARTIFACTS_DIR))


def require_dir(path: Path, what: str) -> Path:
    """Returns ``path`` or skips the calling test when it does not exist."""
    if not path.is_dir():
        pytest.skip(f"{what} not found at {path} (it lives in ../shared beside the checkout)")
    return path


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The official example and unit-test instances (``../shared/corpus``)."""
    return require_dir(CORPUS_DIR, "test corpus")


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """The official schemas and Schematron rule sets (``../shared/artifacts``)."""
    return require_dir(ARTIFACTS_DIR, "validation artifacts")


def corpus_files(*parts: str) -> list[Path]:
    """Lists the XML files of a corpus folder (any case of ``.xml``, and ``.xm``).

    Returns an empty list when the corpus is absent, so parametrised tests can
    collect; use it together with the ``corpus_dir`` fixture, which skips.
    """
    folder = CORPUS_DIR.joinpath(*parts)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in {".xml", ".xm"})
