"""Shared fixtures: where the external corpus and the official artifacts live.

Both live in ``../shared`` beside the checkout (CI has it). When the folder is
absent, tests that need it skip with a message; they never fall back to copies.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # imported in the fixtures: coverage starts after this file is loaded
    from tests.db_template import MigrateOnce, Seeds

# Per-package coverage floors: measured and enforced when the whole suite runs.
pytest_plugins = ["tests.coverage_floor"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("EGW_SHARED_DIR", PROJECT_ROOT.parent / "shared"))
CORPUS_DIR = SHARED_DIR / "corpus"
ARTIFACTS_DIR = Path(os.environ.get("EGW_ARTIFACTS_DIR", SHARED_DIR / "artifacts"))

# Test data directories on tmpfs where there is one: the gateway syncs SQLite and blob writes
# to disk (synchronous=FULL), which on a busy disk is most of an API test's time. Set
# PYTEST_DEBUG_TEMPROOT (pytest's own variable) or --basetemp to put them elsewhere.
if os.access("/dev/shm", os.W_OK):
    os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", "/dev/shm")

# The product reads its artifacts from EGW_ARTIFACTS_DIR; point it at the shared copy.
if ARTIFACTS_DIR.is_dir():
    os.environ.setdefault("EGW_ARTIFACTS_DIR", str(ARTIFACTS_DIR))

# No rule-set warm-up in the apps and servers tests start (gateway.warmup): it would compile
# every rule set on a background thread of each test process and hold /readyz at 503 meanwhile.
# tests/gateway/test_warmup.py turns it on where it is the subject.
os.environ.setdefault("EGW_WARM_UP", "false")
# Nor a Saxon worker process for big documents whenever the machine happens to be idle
# (validators.stages.pool): tests/validators/test_parallel_stages.py covers it.
os.environ.setdefault("EGW_PARALLEL_STAGES", "off")


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


@pytest.fixture(scope="session", autouse=True)
def migrate_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigrateOnce | None]:
    """Every app of the session migrates by copying one migrated file (see tests/db_template.py)."""
    from tests.db_template import MigrateOnce, templates_enabled

    if not templates_enabled():
        yield None
        return
    from gateway import db

    stand_in = MigrateOnce(db.migrate, tmp_path_factory.mktemp("migrated"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(db, "migrate", stand_in)
        yield stand_in


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """One PostgreSQL database per test process, shared by every package (tests/api/conftest.py)."""
    from tests.api.conftest import session_postgres_database

    yield from session_postgres_database()


@pytest.fixture(scope="session")
def gateway_seeds(tmp_path_factory: pytest.TempPathFactory) -> Seeds:
    """Data directories with two tenants and their keys, built once, copied per test."""
    from tests.db_template import Seeds

    return Seeds(tmp_path_factory.mktemp("seeds"))


@pytest.fixture(scope="session", autouse=True)
def pdf_memo() -> Iterator[object]:
    """Each invoice is printed to PDF once per process (see tests/pdf_memo.py)."""
    from tests.pdf_memo import install, memo_enabled

    if not memo_enabled():
        yield None
        return
    with pytest.MonkeyPatch.context() as patch:
        yield install(patch)
