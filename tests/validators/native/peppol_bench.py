"""Benchmark: the Peppol BIS 3 UBL rule set natively vs through Saxon, median CPU ms per invoice.

Run: ``EGW_ARTIFACTS_DIR=../shared/artifacts .venv/bin/python -m tests.validators.native.peppol_bench``.
The invoices are the synthetic ones of ``bench/validate.py``, rendered for Peppol.
CPU time (``time.process_time``) of this process: Saxon runs in process too.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from lxml import etree  # noqa: E402

from bench.synthetic import invoice_with_lines  # noqa: E402
from schemas import ubl  # noqa: E402
from schemas.artifacts import load  # noqa: E402
from schemas.xml_input import parse_xml  # noqa: E402
from validators import native  # noqa: E402
from validators.stages import schematron  # noqa: E402


def figures(lines: int, runs: int, *, country: str = "DE") -> dict[str, float]:
    """Median CPU ms of each way to run the Peppol rules over one invoice of ``lines`` lines.

    ``country`` moves seller and buyer (the synthetic invoice is German domestic,
    which brings Peppol's German rules, some of which read every line).
    """
    rules = native.native_rules("peppol-bis-3")
    artifact = load("peppol-ubl-sch")
    xml = ubl.render(invoice_with_lines(lines), profile="peppol-bis-3")
    if country != "DE":
        xml = xml.replace(b">DE<", f">{country}<".encode()).replace(
            b">DE1", f">{country}1".encode()
        )
    tree = parse_xml(xml)
    text = etree.tostring(tree, encoding="unicode")
    native_result = native.run_stage(rules, "peppol", tree)
    saxon_result = schematron.run("peppol", artifact, text, form="original")
    assert {f.rule_id for f in native_result.findings} == {
        f.rule_id for f in saxon_result.findings
    }, "native and Saxon disagree on the benchmark invoice"
    work: dict[str, Callable[[], object]] = {
        "native": lambda: native.run_stage(rules, "peppol", tree),
        "parse": lambda: parse_xml(xml),
        "saxon original": lambda: schematron.run("peppol", artifact, text, form="original"),
        "saxon fast": lambda: schematron.run("peppol", artifact, text, form="fast"),
    }
    measured: dict[str, list[float]] = {name: [] for name in work}
    for _ in range(runs):
        for name, run in work.items():
            started = time.process_time()
            run()
            measured[name].append((time.process_time() - started) * 1000)
    return {name: statistics.median(values) for name, values in measured.items()}


if __name__ == "__main__":
    for country in ("DE", "BE"):
        for count, runs in ((10, 31), (1000, 5)):
            m = figures(count, runs, country=country)
            print(
                f"{country} domestic, {count:5d} lines: native {m['native']:8.2f} ms "
                f"(+ lxml parse {m['parse']:5.2f}), Saxon original {m['saxon original']:8.2f} ms, "
                f"Saxon fast {m['saxon fast']:8.2f} ms"
            )
