"""validators.warm: after a warm-up, no rule set in force compiles on first use."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.conftest import PROJECT_ROOT

# In a fresh process (this one's caches are filled by other tests): warm up, then make
# every compile fail, and run each rule set in force and each native program once more.
_AFTER_WARM_UP = textwrap.dedent(
    """
    from lxml import etree
    from validators import ROOT_TAGS, run_ruleset
    from validators.native import NATIVE_ARTIFACTS
    import validators.native as native
    import validators.stages.schematron as schematron
    from validators.warm import rule_sets_in_force, warm_up

    summary = warm_up(patterns=True)
    assert summary.unavailable == [], summary.unavailable
    from validators.schematron.split import PATTERN_COSTS
    from schemas.artifacts import load
    for name, costs in PATTERN_COSTS.items():
        sha = load(name).sha256
        for pattern in range(1, len(costs) + 1):
            assert f"{sha}:fast:pattern-{pattern}" in schematron._executables, (name, pattern)

    def no_compile(*args, **kwargs):
        raise AssertionError("compiled after the warm-up")

    schematron._compile = no_compile
    for ruleset in rule_sets_in_force():
        tree = etree.ElementTree(etree.Element(ROOT_TAGS[ruleset.syntax]))
        report = run_ruleset(ruleset, tree, document_sha256="0" * 64)
        errors = [r.stage for r in report.results if r.outcome == "error"]
        assert not errors, (ruleset.id, errors)
    missing = sorted(NATIVE_ARTIFACTS - set(native._cache))
    assert not missing, missing
    for name, costs in PATTERN_COSTS.items():  # and the cut rule sets' patterns
        artifact = load(name)
        for pattern in range(1, len(costs) + 1):
            schematron.pattern_executable(artifact, pattern)
    print("warm", len(summary.rule_sets))
    """
)


@pytest.mark.slow
@pytest.mark.usefixtures("artifacts_dir")
def test_after_the_warm_up_no_rule_set_in_force_compiles_on_first_use():
    done = subprocess.run(
        [sys.executable, "-c", _AFTER_WARM_UP],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "warm 9"
