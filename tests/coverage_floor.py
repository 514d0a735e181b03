"""Per-package coverage floors, enforced when the whole suite runs (the README command, CI).

Coverage is measured with the ``coverage`` API only for a whole-suite run (no ``-m``,
``-k`` or paths on the command line), so the inner loop (``-m "not slow"``) pays nothing
for it. At the end each package's statement coverage is printed and compared with its
floor in ``[tool.egw.coverage-floors]`` of pyproject.toml; one package below its floor
fails the run. Set ``EGW_COVERAGE=off`` to skip the measurement, ``EGW_COVERAGE=on`` to
measure (and report, not enforce) a partial run.

Under pytest-xdist (``-n``) the tests run in the workers: each worker measures its share
into a file of a folder the controller hands it, and the controller combines the files
before it compares with the floors; ``pytest -q -n 2`` checks the same floors as ``pytest -q``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import coverage
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("schemas", "validators", "signing", "tax_rules", "gateway")
OMIT = ("gateway/migrations/",)  # Alembic scripts run in a subprocess-like context of their own

_COVERAGE = pytest.StashKey[coverage.Coverage]()
_ENFORCE = pytest.StashKey[bool]()
_RESULTS = pytest.StashKey[list["PackageCoverage"]]()
_PARTS = pytest.StashKey[Path]()  # under xdist: the folder the workers write their measurements to
_WORKER_PARTS = "egw_coverage_parts"  # the key of that folder in each worker's workerinput


@dataclass(frozen=True)
class PackageCoverage:
    """Statement coverage of one package (dotted prefix) against its floor."""

    package: str
    statements: int
    missing: int
    floor: float | None

    @property
    def percent(self) -> float:
        """Covered statements in percent (100 for a package without statements)."""
        if self.statements == 0:
            return 100.0
        return 100.0 * (self.statements - self.missing) / self.statements

    @property
    def below_floor(self) -> bool:
        """True when the package has a floor and is under it."""
        return self.floor is not None and self.percent < self.floor


def floors(pyproject: Path = PROJECT_ROOT / "pyproject.toml") -> dict[str, float]:
    """The floors per dotted package, from ``[tool.egw.coverage-floors]``."""
    data = tomllib.loads(pyproject.read_text())
    table = data.get("tool", {}).get("egw", {}).get("coverage-floors", {})
    return {str(name): float(value) for name, value in table.items()}


def _whole_suite(config: pytest.Config) -> bool:
    return (
        config.args_source == pytest.Config.ArgsSource.TESTPATHS
        and not config.option.markexpr
        and not config.option.keyword
        and not getattr(config.option, "lf", False)
        and not getattr(config.option, "deselect", None)
    )


def _new_coverage(data_file: Path | None, *, part: bool = False) -> coverage.Coverage:
    return coverage.Coverage(
        data_file=data_file,
        data_suffix=part,  # each worker's file gets a name of its own
        source=[str(PROJECT_ROOT / p) for p in PACKAGES],
        omit=[str(PROJECT_ROOT / o / "*") for o in OMIT],
    )


def _distributing(config: pytest.Config) -> bool:
    """True in the controller of an xdist run (``-n 2``): the workers run the tests."""
    return getattr(config.option, "dist", "no") != "no" and not hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    """Starts measuring before any of the packages is imported by collection."""
    worker = getattr(config, "workerinput", None)
    if worker is not None:
        if _WORKER_PARTS in worker:
            measure = _new_coverage(Path(worker[_WORKER_PARTS]) / "coverage", part=True)
            measure.start()
            config.stash[_COVERAGE] = measure
        return
    switch = os.environ.get("EGW_COVERAGE", "auto").lower()
    if switch == "off" or config.option.collectonly:
        return
    whole = _whole_suite(config)
    if switch != "on" and not whole:
        return
    config.stash[_ENFORCE] = whole
    if _distributing(config):
        config.stash[_PARTS] = Path(tempfile.mkdtemp(prefix="egw-coverage-"))
        return
    measure = _new_coverage(None)
    measure.start()
    config.stash[_COVERAGE] = measure


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Tells each xdist worker where to write its measurement (an xdist hook)."""
    parts = node.config.stash.get(_PARTS, None)
    if parts is not None:
        node.workerinput[_WORKER_PARTS] = str(parts)


def _module_files() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in sorted((PROJECT_ROOT / package).rglob("*.py"))
        if not any(path.relative_to(PROJECT_ROOT).as_posix().startswith(o) for o in OMIT)
    ]


def measure(measured: coverage.Coverage, wanted: dict[str, float]) -> list[PackageCoverage]:
    """Sums statements and misses per package: top-level packages, their subpackages, floors."""
    subpackages = [
        ".".join(init.parent.relative_to(PROJECT_ROOT).parts)
        for package in PACKAGES
        for init in (PROJECT_ROOT / package).glob("*/__init__.py")
        if not any(init.relative_to(PROJECT_ROOT).as_posix().startswith(o) for o in OMIT)
    ]
    totals: dict[str, list[int]] = {name: [0, 0] for name in (*PACKAGES, *subpackages, *wanted)}
    for path in _module_files():
        _, statements, _, missing, _ = measured.analysis2(str(path))
        dotted = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
        for name, counts in totals.items():
            if dotted == name or dotted.startswith(f"{name}."):
                counts[0] += len(statements)
                counts[1] += len(missing)
    return [
        PackageCoverage(name, statements, missing, wanted.get(name))
        for name, (statements, missing) in sorted(totals.items())
    ]


def _combined(parts: Path) -> coverage.Coverage | None:
    combined = _new_coverage(parts / "coverage")  # combines coverage.* of the folder
    try:
        combined.combine([str(parts)])
    except coverage.exceptions.NoDataError:  # no worker got as far as measuring
        return None
    return combined


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stops measuring, computes each package's coverage and fails the run below a floor."""
    config = session.config
    measured = config.stash.get(_COVERAGE, None)
    if hasattr(config, "workerinput"):
        if measured is not None:  # the controller combines and judges
            measured.stop()
            measured.save()
        return
    parts = config.stash.get(_PARTS, None)
    if parts is not None:
        measured = _combined(parts)
    elif measured is not None:
        measured.stop()
    if measured is None:
        return
    results = measure(measured, floors())
    if parts is not None:
        shutil.rmtree(parts, ignore_errors=True)
    config.stash[_RESULTS] = results
    if (
        config.stash[_ENFORCE]
        and session.exitstatus == pytest.ExitCode.OK
        and any(r.below_floor for r in results)
    ):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Prints the per-package table, marking packages below their floor."""
    results = terminalreporter.config.stash.get(_RESULTS, None)
    if not results:
        return
    terminalreporter.section("coverage per package (statements)")
    for r in results:
        floor = "" if r.floor is None else f"  floor {r.floor:.0f} %"
        mark = "  BELOW FLOOR" if r.below_floor else ""
        terminalreporter.write_line(
            f"{r.package:<28} {r.percent:6.1f} %  ({r.statements - r.missing}/{r.statements})"
            f"{floor}{mark}"
        )
    if terminalreporter.config.stash[_ENFORCE] and any(r.below_floor for r in results):
        terminalreporter.write_line(
            "a package fell below its coverage floor ([tool.egw.coverage-floors] in pyproject.toml)",
            red=True,
        )
