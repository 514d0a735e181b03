"""The Peppol differential oracle: Saxon running the compiled Peppol ``.sch`` vs the native rules."""

from __future__ import annotations

from collections import Counter

from lxml import etree

from schemas.artifacts import load
from tests.conftest import CORPUS_DIR
from tests.corpus.vefa import read_folder
from validators.native.engine import location
from validators.report import severity_of
from validators.stages import schematron

Key = tuple[str, str, str]  # rule id, severity, location

ARTIFACT = "peppol-ubl-sch"
EN16931_UNIT_FOLDERS = ("Invoice-unit-UBL", "CreditNote-unit-UBL")


def peppol_unit_folders() -> list[str]:
    return sorted(p.name for p in (CORPUS_DIR / "peppol-unit").iterdir() if "-UBL-" in p.name)


def documents() -> list[tuple[str, bytes]]:
    """Every UBL corpus document, every Peppol UBL unit-test fragment, every EN 16931 UBL one."""
    found = []
    for folder in ("valid", "other"):
        for path in sorted((CORPUS_DIR / "ubl" / folder).iterdir()):
            found.append((f"ubl/{folder}/{path.name}", path.read_bytes()))
    for folder in peppol_unit_folders():
        for test in read_folder(CORPUS_DIR / "peppol-unit" / folder):
            found.append((f"peppol-unit/{test.name}", test.document.encode()))
    for folder in EN16931_UNIT_FOLDERS:
        for test in read_folder(CORPUS_DIR / "en16931-unit" / folder):
            found.append((f"en16931-unit/{test.name}", test.document.encode()))
    return found


def official_findings(document: bytes) -> Counter[Key] | None:
    """What Saxon reports running the compiled official rules (original form); None on its error."""
    text = etree.tostring(etree.fromstring(document), encoding="unicode")
    result = schematron.run("peppol", load(ARTIFACT), text, limit=10**9, form="original")
    if result.outcome == "error" or any(
        f.rule_id == schematron.CANNOT_EVALUATE for f in result.findings
    ):
        return None  # Saxon stopped on the document (a rule set that ran before judges it invalid)
    return Counter((f.rule_id, f.severity, f.location) for f in result.findings)


def native_findings(document: bytes, program) -> Counter[Key]:
    tree = etree.ElementTree(etree.fromstring(document))
    return Counter(
        (a.rule_id, severity_of(a.flag), location(node)) for a, node in program.run(tree)
    )


def restrict(found: Counter[Key], rules) -> Counter[Key]:
    wanted = set(rules)
    return Counter({k: v for k, v in found.items() if k[0] in wanted})


def disagreeing_rules(official: Counter[Key], native: Counter[Key]) -> set[str]:
    return {key[0] for key in (official - native) + (native - official)}
