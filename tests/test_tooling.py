"""House tooling stays clean: ruff (style, bugbear, docstrings, no print) and mypy over the packages."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT

PACKAGES = ["schemas", "validators", "signing", "tax_rules", "gateway"]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(PROJECT_ROOT / ".venv" / "bin")) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (it comes with the test extra)")
    return found


def test_ruff_reports_nothing():
    result = subprocess.run(
        [_tool("ruff"), "check", *PACKAGES, "tests", "bench"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_mypy_reports_nothing():
    result = subprocess.run(
        [sys.executable, "-m", "mypy", *PACKAGES], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:]
