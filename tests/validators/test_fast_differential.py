"""Fast vs original form of every Schematron rule set: identical findings on every corpus document.

The recorded verdicts (``validators/schematron/fast_forms.toml``) must be exactly
what this run measures, so a rule set runs fast in production only while its fast
form is proven identical for the pinned artifact and the current compiler.
"""

from __future__ import annotations

import pytest

from tests.validators import fast_differential
from validators import stage_artifact
from validators.schematron.verdict import recorded

pytestmark = pytest.mark.slow  # a sweep over the official corpus: CI runs it

STAGES = fast_differential.stages()


@pytest.fixture(scope="module")
def texts(corpus_dir, artifacts_dir):
    return {syntax: fast_differential.documents(syntax) for syntax in ("ubl", "cii")}


@pytest.mark.parametrize(("stage", "syntax"), STAGES, ids=[s.artifact for s, _ in STAGES])
def test_fast_form_reports_what_the_original_does(stage, syntax, texts, capsys):
    artifact = stage_artifact(stage)
    outcome = fast_differential.compare(artifact, texts[syntax])
    measured = outcome.verdict
    with capsys.disabled():
        print(
            f"\nfast vs original {artifact.name}: {measured.identical}/{measured.documents} "
            f"identical -> runs {measured.form}"
        )
    # Not vacuous: the whole corpus of the syntax, and many rules firing.
    assert measured.documents >= (1700 if syntax == "ubl" else 340)
    assert len(outcome.fired) > 40
    stored = recorded().get(artifact.name)
    assert stored == measured, (
        "fast_forms.toml is stale: run `python -m tests.validators.fast_differential --write`",
        outcome.differences[:3],
    )


def test_every_rule_set_of_every_profile_is_compared(corpus_dir, artifacts_dir):
    names = {artifact.name for artifact, _ in fast_differential.rule_sets()}
    assert names == set(recorded())
    assert {"en16931-ubl-xslt", "en16931-cii-sch", "peppol-ubl-sch", "peppol-cii-sch"} <= names
