"""The differential oracle: official compiled Schematron (Saxon) vs native rules, per document."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from schemas.artifacts import load
from tests.conftest import CORPUS_DIR
from tests.corpus.vefa import read_folder
from validators.native.engine import compile_rules, location, run
from validators.native.official import read
from validators.report import severity_of
from validators.stages import schematron

Key = tuple[str, str, str]  # rule id, severity, location

UNIT_FOLDERS = ("Invoice-unit-UBL", "CreditNote-unit-UBL")


def ubl_documents() -> list[tuple[str, bytes]]:
    """Every UBL corpus document and every EN 16931 UBL unit-test fragment, by name."""
    documents = []
    for folder in ("valid", "other"):
        for path in sorted((CORPUS_DIR / "ubl" / folder).iterdir()):
            documents.append((f"ubl/{folder}/{path.name}", path.read_bytes()))
    for folder in UNIT_FOLDERS:
        for test in read_folder(CORPUS_DIR / "en16931-unit" / folder):
            documents.append((test.name, test.document.encode()))
    return documents


def official_findings(document: bytes) -> Counter[Key]:
    artifact = load("en16931-ubl-xslt")
    text = etree.tostring(etree.fromstring(document), encoding="unicode")
    svrl = schematron.transform(artifact, text)
    return Counter(
        (f.rule_id, f.severity, f.location) for f in schematron.svrl_findings(svrl, "official")
    )


def native_findings(document: bytes, program, namespaces) -> Counter[Key]:
    tree = etree.ElementTree(etree.fromstring(document))
    return Counter(
        (a.rule_id, severity_of(a.flag), location(node))
        for a, node in run(program, tree, namespaces)
    )


def restrict(found: Counter[Key], rules: Iterable[str]) -> Counter[Key]:
    wanted = set(rules)
    return Counter({k: v for k, v in found.items() if k[0] in wanted})


def disagreeing_rules(official: Counter[Key], native: Counter[Key]) -> set[str]:
    return {key[0] for key in (official - native) + (native - official)}


def official_program(only=None):
    return compile_rules(read(load("en16931-ubl-xslt")), only=only)


def unit_dir() -> Path:
    return CORPUS_DIR / "en16931-unit"
