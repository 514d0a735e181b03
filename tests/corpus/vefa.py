"""Reader of VEFA ``testSet`` unit-test files (the CEN and Peppol rule-set unit tests).

Each ``<test>`` holds an ``<assert>`` with ``<success>RULE</success>`` (the rule
must not fire), ``<error>RULE</error>`` / ``<warning>RULE</warning>`` (the rule
must fire; ``number="N"`` gives the exact number of firings) and one document
fragment. See ``../shared/corpus/MANIFEST.md``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

VEFA_NS = "http://difi.no/xsd/vefa/validator/1.0"
_V = f"{{{VEFA_NS}}}"


@dataclass(frozen=True)
class Expectation:
    """One rule expectation of one test: ``success`` (must not fire), ``error`` or ``warning``."""

    rule: str
    kind: str
    count: int | None = None

    def check(self, fired: Counter[str]) -> str | None:
        """Returns None when met, else what went wrong."""
        times = fired.get(self.rule, 0)
        if self.kind == "success":
            return None if times == 0 else f"{self.rule} must not fire but fired {times}x"
        if self.count is not None:
            return (
                None
                if times == self.count
                else f"{self.rule} must fire {self.count}x but fired {times}x"
            )
        return None if times > 0 else f"{self.rule} must fire ({self.kind}) but did not"


@dataclass(frozen=True)
class UnitTest:
    """One ``<test>`` of a testSet file."""

    file: Path
    index: int
    configuration: str
    description: str
    expectations: tuple[Expectation, ...]
    document: str

    @property
    def name(self) -> str:
        """A readable id for reports: ``BR-01.xml#2``."""
        return f"{self.file.parent.name}/{self.file.name}#{self.index}"


def read_testset(path: Path) -> list[UnitTest]:
    """Reads every test of a testSet file."""
    root = etree.parse(
        str(path), parser=etree.XMLParser(resolve_entities=False, no_network=True)
    ).getroot()
    configuration = root.get("configuration", "")
    tests: list[UnitTest] = []
    for index, test in enumerate(root.iter(f"{_V}test"), start=1):
        assertion = test.find(f"{_V}assert")
        expectations: list[Expectation] = []
        description = ""
        if assertion is not None:
            description = " ".join((assertion.findtext(f"{_V}description") or "").split())
            for element in assertion:
                kind = etree.QName(element).localname
                if kind in ("success", "error", "warning") and element.text:
                    number = element.get("number")
                    expectation = Expectation(
                        element.text.strip(), kind, int(number) if number else None
                    )
                    if expectation not in expectations:  # some files list a rule twice
                        expectations.append(expectation)
        fragments = [
            child for child in test if isinstance(child.tag, str) and not child.tag.startswith(_V)
        ]
        if not fragments:
            continue
        tests.append(
            UnitTest(
                file=path,
                index=index,
                configuration=configuration,
                description=description,
                expectations=tuple(expectations),
                document=etree.tostring(fragments[0], encoding="unicode"),
            )
        )
    return tests


def read_folder(folder: Path) -> list[UnitTest]:
    """Reads every testSet file of a folder (``.xml`` in any case, and ``.xm``)."""
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in {".xml", ".xm"})
    return [test for path in files for test in read_testset(path)]
