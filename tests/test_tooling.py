"""House tooling stays clean: ruff (style, bugbear, docstrings, no print), ruff-format, strict
mypy over the packages, local pre-commit hooks, and a coverage floor for every package."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib

import pytest
import yaml

from tests.conftest import PROJECT_ROOT
from tests.coverage_floor import PACKAGES, PackageCoverage, floors

PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())


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


def test_ruff_format_leaves_everything_as_it_is():
    result = subprocess.run(
        [_tool("ruff"), "format", "--check", *PACKAGES, "tests", "bench"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_mypy_is_strict_and_reports_nothing():
    assert PYPROJECT["tool"]["mypy"].get("strict") is True
    result = subprocess.run(
        [sys.executable, "-m", "mypy", *PACKAGES], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_pre_commit_hooks_are_local_and_run_the_project_tools():
    config = yaml.safe_load((PROJECT_ROOT / ".pre-commit-config.yaml").read_text())
    repos = config["repos"]
    assert [r["repo"] for r in repos] == ["local"], "remote hooks need the network"
    hooks = {h["id"]: h for h in repos[0]["hooks"]}
    assert {"ruff", "ruff-format", "mypy"} <= hooks.keys()
    for hook in hooks.values():
        executable = hook["entry"].split()[0]
        assert executable.startswith(".venv/bin/"), hook["id"]
        assert hook["language"] == "system", hook["id"]


def test_every_package_has_a_coverage_floor():
    found = floors()
    assert set(PACKAGES) <= found.keys()
    for name, floor in found.items():
        assert 0 < floor <= 100, name
        assert (PROJECT_ROOT / name.replace(".", "/") / "__init__.py").is_file(), name


def test_a_package_under_its_floor_is_reported():
    assert PackageCoverage("tax_rules", statements=100, missing=30, floor=75.0).below_floor
    assert not PackageCoverage("tax_rules", statements=100, missing=20, floor=75.0).below_floor
    assert not PackageCoverage("gateway.x", statements=0, missing=0, floor=90.0).below_floor


def test_the_fast_loop_runs_on_two_workers():
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert '.venv/bin/python -m pytest -q -m "not slow" -n 2' in readme
    extra = PYPROJECT["project"]["optional-dependencies"]["test"]
    assert any(requirement.startswith("pytest-xdist") for requirement in extra)


# What starts a server in another process: those tests belong to the slow set.
LIVE_SERVER_CALLS = ("start_server(", '"uvicorn"', '"serve"')


def _marked_slow(decorators: list[ast.expr]) -> bool:
    return any("mark.slow" in ast.unparse(d) for d in decorators)


def test_tests_that_start_a_live_server_are_marked_slow():
    unmarked = []
    for path in sorted((PROJECT_ROOT / "tests").rglob("test_*.py")):
        text = path.read_text()
        if not any(call in text for call in LIVE_SERVER_CALLS):
            continue  # no test of this file can start a server; parsing it costs the time
        tree = ast.parse(text)
        module_slow = any(
            isinstance(node, ast.Assign)
            and any(getattr(t, "id", None) == "pytestmark" for t in node.targets)
            and "mark.slow" in ast.unparse(node.value)
            for node in tree.body
        )
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test_"):
                continue
            source = ast.get_source_segment(text, node) or ""
            if any(call in source for call in LIVE_SERVER_CALLS) and not (
                module_slow or _marked_slow(node.decorator_list)
            ):
                unmarked.append(f"{path.relative_to(PROJECT_ROOT)}::{node.name}")
    assert not unmarked, "start a live server but are not marked slow: " + ", ".join(unmarked)


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (PROJECT_ROOT / "README.md").read_text()
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    command = next(line for line in ci.splitlines() if line.startswith("python3 -m venv .venv"))
    assert command.endswith(".venv/bin/python -m pytest -q -n 2")
    assert f"\n{command}\n" in readme
