"""Which rule sets run in their fast form: the recorded outcome of the differential test.

A rule set runs fast only when ``fast_forms.toml`` says its fast form reported
exactly what the original did on every corpus document, *for this very original*
(its SHA-256) *and this very fast form* (the digest of its sources, the compiler
version and the form). Anything else - no entry, a verdict of ``original``, an
artifact or compiler that changed since - runs the original form. The file is
written by ``python -m tests.validators.fast_differential --write`` and checked
by ``tests/validators/test_fast_differential.py``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from schemas.artifacts import Artifact

Form = Literal["auto", "fast", "original"]

VERDICTS_FILE = Path(__file__).with_name("fast_forms.toml")

#: Official compiled XSLTs and the Schematron source (same release) their fast form
#: is compiled from; a ``.sch`` rule set is its own source.
FAST_SOURCES: dict[str, str] = {"en16931-ubl-xslt": "en16931-ubl-sch"}


@dataclass(frozen=True)
class Verdict:
    """The differential outcome for one rule set, as recorded.

    Attributes:
        artifact: The rule set's artifact name (a merged one is ``a+b``).
        original_sha256: The pin of the original that was compared.
        fast_key: The digest of the fast form that was compared.
        form: ``fast`` when both agreed on every document, else ``original``.
        documents: Documents compared.
        identical: Documents with identical (rule id, severity, location) findings.
    """

    artifact: str
    original_sha256: str
    fast_key: str
    form: Literal["fast", "original"]
    documents: int
    identical: int


@cache
def recorded(path: Path = VERDICTS_FILE) -> dict[str, Verdict]:
    """The recorded verdicts by artifact name (none when the file is absent)."""
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        name: Verdict(
            artifact=name,
            original_sha256=str(entry["original_sha256"]),
            fast_key=str(entry["fast_key"]),
            form="fast" if entry["form"] == "fast" else "original",
            documents=int(entry["documents"]),
            identical=int(entry["identical"]),
        )
        for name, entry in data.get("rule_set", {}).items()
    }


def render(verdicts: list[Verdict]) -> str:
    """The TOML text of ``fast_forms.toml`` for a list of verdicts."""
    lines = [
        "# Fast forms of the Schematron rule sets, proven by the differential test:",
        "# fast and original must report identical (rule id, severity, location) on",
        "# every corpus document and unit-test fragment. Written by",
        "# `python -m tests.validators.fast_differential --write`; do not edit by hand.",
    ]
    for v in sorted(verdicts, key=lambda v: v.artifact):
        lines += [
            "",
            f'[rule_set."{v.artifact}"]',
            f'form = "{v.form}"',
            f'original_sha256 = "{v.original_sha256}"',
            f'fast_key = "{v.fast_key}"',
            f"documents = {v.documents}",
            f"identical = {v.identical}",
        ]
    return "\n".join(lines) + "\n"


def chosen_form(artifact: Artifact, fast_key: str | None) -> Literal["fast", "original"]:
    """The form ``auto`` resolves to for an artifact whose fast form has ``fast_key``."""
    verdict = recorded().get(artifact.name)
    if (
        fast_key is not None
        and verdict is not None
        and verdict.form == "fast"
        and verdict.original_sha256 == artifact.sha256
        and verdict.fast_key == fast_key
    ):
        return "fast"
    return "original"
