"""Differential of the fast and the original form of every Schematron rule set, over the corpus.

Both forms run over every official example and unit-test fragment of their syntax
and must report identical (rule id, severity, location) lists. The outcome is the
verdict ``validators.schematron.verdict`` reads: a rule set differing on any
document runs in its original form.

Record after a change of artifacts or of the compiler:
``EGW_ARTIFACTS_DIR=../shared/artifacts .venv/bin/python -m tests.validators.fast_differential --write``
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from schemas.artifacts import Artifact
from tests.conftest import CORPUS_DIR, corpus_files
from tests.corpus.vefa import read_folder
from validators import stage_artifact
from validators.ruleset import RULE_SETS, Stage
from validators.schematron.compiler import sources_digest
from validators.schematron.verdict import VERDICTS_FILE, Verdict, render
from validators.stages import schematron

Finding = tuple[str, str, str]


def documents(syntax: str) -> list[tuple[str, str]]:
    """Every corpus document and unit-test fragment of a syntax (``ubl`` or ``cii``), as text."""
    folders = ("valid", "other") if syntax == "ubl" else ("valid",)
    found = [
        (path.name, etree.tostring(etree.parse(str(path)), encoding="unicode"))
        for folder in folders
        for path in corpus_files(syntax, folder)
    ]
    units = [CORPUS_DIR / "en16931-unit" / "cii"]
    if syntax == "ubl":
        units = [
            CORPUS_DIR / "en16931-unit" / f for f in ("Invoice-unit-UBL", "CreditNote-unit-UBL")
        ]
    peppol = CORPUS_DIR / "peppol-unit"
    if peppol.is_dir():
        units += sorted(p for p in peppol.iterdir() if f"-{syntax.upper()}-" in p.name)
    for folder in units:
        if folder.is_dir():
            found += [(test.name, test.document) for test in read_folder(folder)]
    return found


def stages() -> list[tuple[Stage, str]]:
    """Each distinct Schematron stage of every profile, with its syntax (``ubl``/``cii``)."""
    found: dict[tuple[str, object], tuple[Stage, str]] = {}
    for ruleset in RULE_SETS:
        for stage in ruleset.stages:
            if stage.kind == "schematron":
                syntax = "cii" if ruleset.syntax == "cii" else "ubl"
                found.setdefault((stage.artifact, stage.merge), (stage, syntax))
    return list(found.values())


def rule_sets() -> Iterator[tuple[Artifact, str]]:
    """Each distinct Schematron rule set of every profile (loaded, merged), with its syntax."""
    for stage, syntax in stages():
        yield stage_artifact(stage), syntax


def _findings(artifact: Artifact, source: schematron.Source, form: str) -> list[Finding]:
    result = schematron.run("diff", artifact, source, limit=1_000_000, form=form)  # type: ignore[arg-type]
    if result.outcome == "error" or any(
        f.rule_id == schematron.CANNOT_EVALUATE for f in result.findings
    ):
        # Saxon stopped: an error stage, or the document's verdict once the form has run before
        # (the message names the stylesheet file, which differs between the forms).
        return [("EGW-STAGE-ERROR", "fatal", "")]
    return sorted((f.rule_id, f.severity, f.location) for f in result.findings)


@dataclass
class Outcome:
    """The differential of one rule set: counts and the first differing documents."""

    verdict: Verdict
    differences: list[tuple[str, list[Finding], list[Finding]]] = field(default_factory=list)
    fired: set[str] = field(default_factory=set)


def compare(artifact: Artifact, texts: list[tuple[str, str]]) -> Outcome:
    """Runs both forms of a rule set over the documents and compares their findings."""
    source_path = schematron._fast_source(artifact)
    assert source_path is not None, f"{artifact.name} has no fast form"
    differences = []
    fired: set[str] = set()
    for name, text in texts:
        source = schematron.Source(text)
        original = _findings(artifact, source, "original")
        fast = _findings(artifact, source, "fast")
        fired |= {f[0] for f in original}
        if original != fast:
            only_original = sorted(set(original) - set(fast))[:3]
            only_fast = sorted(set(fast) - set(original))[:3]
            differences.append((name, only_original, only_fast))
    verdict = Verdict(
        artifact=artifact.name,
        original_sha256=artifact.sha256,
        fast_key=sources_digest(source_path.path, fast=True),
        form="original" if differences or not texts else "fast",
        documents=len(texts),
        identical=len(texts) - len(differences),
    )
    return Outcome(verdict, differences, fired)


def main(argv: list[str]) -> int:
    """Compares every rule set; with ``--write``, records the verdicts."""
    verdicts = []
    texts = {syntax: documents(syntax) for syntax in ("ubl", "cii")}
    for artifact, syntax in rule_sets():
        outcome = compare(artifact, texts[syntax])
        v = outcome.verdict
        print(f"{v.artifact}: {v.identical}/{v.documents} identical -> {v.form}")  # noqa: T201
        for difference in outcome.differences[:5]:
            print(f"  {difference}")  # noqa: T201
        verdicts.append(v)
    if "--write" in argv:
        VERDICTS_FILE.write_text(render(verdicts), encoding="utf-8")
        print(f"written: {VERDICTS_FILE}")  # noqa: T201
    return 0


if __name__ == "__main__":
    import os

    os.environ.setdefault("EGW_ARTIFACTS_DIR", str(CORPUS_DIR.parent / "artifacts"))
    sys.exit(main(sys.argv[1:]))
