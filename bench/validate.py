"""Benchmark: validation throughput (XSD, Schematron) over the UBL corpus and synthetic invoices.

Run: ``EGW_ARTIFACTS_DIR=../shared/artifacts .venv/bin/python bench/validate.py``;
``--official`` runs only the issue-14 table (original vs fast official rules, the
same shared with the Saxon worker at 5,000 lines, and the Python peer
``eu-einvoice`` when it is installed: ``pip install eu-einvoice``, a bench-only
dependency); ``--pattern-costs`` the weights of ``validators.schematron.split``.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lxml import etree  # noqa: E402

from bench.synthetic import invoice_with_lines  # noqa: E402
from schemas import ubl  # noqa: E402
from schemas.artifacts import load  # noqa: E402
from schemas.model import Invoice  # noqa: E402
from schemas.xml_input import parse_xml  # noqa: E402
from validators import Report, detect_syntax, run_ruleset, validate  # noqa: E402
from validators.ruleset import ruleset_for  # noqa: E402
from validators.schematron.verdict import Form  # noqa: E402
from validators.stages import pool, schematron, xsd  # noqa: E402

CORPUS = (
    Path(os.environ.get("EGW_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
    / "corpus"
)


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:8.1f} docs/s ({seconds / count * 1000:7.1f} ms/doc)"


def corpus() -> None:
    files = sorted((CORPUS / "ubl" / "valid").iterdir())
    documents = [(p, p.read_bytes()) for p in files]
    trees = [parse_xml(d) for _, d in documents]
    texts = [t.getroot().getroottree() for t in trees]
    invoice_xsd, credit_xsd, en16931 = (
        load("ubl-invoice-xsd"),
        load("ubl-creditnote-xsd"),
        load("en16931-ubl-xslt"),
    )
    started = time.perf_counter()
    schematron.executable(en16931)
    print(
        f"Schematron compile (official EN 16931 UBL XSLT, cold): {time.perf_counter() - started:.2f} s"
    )
    rounds = 5
    started = time.perf_counter()
    for _ in range(rounds):
        for tree in texts:
            schema = credit_xsd if tree.getroot().tag.endswith("CreditNote") else invoice_xsd
            xsd.run("xsd", schema, tree)
    print(
        f"XSD over the UBL corpus ({len(files)} files x {rounds}):        {_rate(len(files) * rounds, time.perf_counter() - started)}"
    )
    from lxml import etree

    strings = [etree.tostring(t, encoding="unicode") for t in texts]
    started = time.perf_counter()
    for _ in range(rounds):
        for text in strings:
            schematron.run("en16931", en16931, text)
    print(
        f"Schematron over the UBL corpus ({len(files)} x {rounds}):         {_rate(len(files) * rounds, time.perf_counter() - started)}"
    )
    started = time.perf_counter()
    for _ in range(rounds):
        for _, data in documents:
            validate(data, profile="en16931")
    print(
        f"validate() end to end, corpus ({len(files)} x {rounds}):          {_rate(len(files) * rounds, time.perf_counter() - started)}"
    )


def rule_sets() -> None:
    import tempfile

    from schemas.artifacts import load as load_artifact
    from validators.schematron import compile_schematron, compiled_xslt_path

    print("\nSchematron compiler (our .sch -> XSLT), and Saxon compile of the result:")
    for name in ("en16931-ubl-sch", "en16931-cii-sch", "peppol-ubl-sch", "xrechnung-ubl-sch"):
        artifact = load_artifact(name)
        started = time.perf_counter()
        compile_schematron(artifact.path)
        ours = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as cache:
            started = time.perf_counter()
            compiled_xslt_path(artifact.path, cache_dir=Path(cache))
            cold = time.perf_counter() - started
            started = time.perf_counter()
            compiled_xslt_path(artifact.path, cache_dir=Path(cache))
            cached = time.perf_counter() - started
        started = time.perf_counter()
        schematron.executable(artifact)
        saxon = time.perf_counter() - started
        print(
            f"  {name:20s}: compile {ours * 1000:7.1f} ms, cold cache {cold * 1000:7.1f} ms, cached {cached * 1000:6.2f} ms, Saxon {saxon * 1000:7.1f} ms"
        )
    print("\nvalidate() per profile over the UBL corpus (documents per second):")
    documents = [p.read_bytes() for p in sorted((CORPUS / "ubl" / "valid").iterdir())]
    for profile in ("en16931", "peppol-bis-3", "xrechnung-3"):
        validate(documents[0], profile=profile)  # warm up
        started = time.perf_counter()
        for data in documents:
            validate(data, profile=profile)
        print(f"  {profile:13s}: {_rate(len(documents), time.perf_counter() - started)}")
    cii_documents = [p.read_bytes() for p in sorted((CORPUS / "cii" / "valid").iterdir())]
    for profile in ("en16931", "xrechnung-3"):
        validate(cii_documents[0], profile=profile)
        started = time.perf_counter()
        for data in cii_documents:
            validate(data, profile=profile)
        print(f"  {profile:13s} CII: {_rate(len(cii_documents), time.perf_counter() - started)}")


def synthetic() -> None:
    print("\nSynthetic invoices, render + validate (XSD + EN 16931 Schematron), median of runs:")
    for lines in (1, 100, 1000, 5000):
        invoice = invoice_with_lines(lines)
        synthetic_profile(invoice, lines, "en16931")
    print("\nSame, Peppol BIS 3 (XSD + EN 16931 + Peppol rules):")
    for lines in (1, 100, 1000, 5000):
        synthetic_profile(invoice_with_lines(lines), lines, "peppol-bis-3")


def synthetic_profile(invoice: Invoice, lines: int, profile: str) -> None:
    """Prints the median render and validate times of one synthetic invoice."""
    runs = 5 if lines <= 1000 else 3
    render_times, validate_times = [], []
    for _ in range(runs):
        started = time.perf_counter()
        xml = ubl.render(invoice, profile=profile)
        rendered = time.perf_counter()
        report = validate(xml, profile=profile)
        render_times.append(rendered - started)
        validate_times.append(time.perf_counter() - rendered)
        assert report.valid, [(f.rule_id, f.message) for f in report.fatal][:3]
    render_s, validate_s = statistics.median(render_times), statistics.median(validate_times)
    print(
        f"  {lines:5d} lines ({len(xml) / 1024:8.1f} KiB): render {render_s * 1000:8.1f} ms, "
        f"validate {validate_s * 1000:8.1f} ms, total {(render_s + validate_s) * 1000:8.1f} ms"
    )


def native_vs_official() -> None:
    """Native EN 16931 rules vs the official compiled rules (Saxon), same documents, same run.

    Two views: the Schematron rules alone (native ``run_stage`` vs Saxon's transform),
    and what the draft submit path calls (``validate_rendered``: XSD + rules, with
    EGW_VALIDATION_ENGINE=auto vs official). CPU ms per invoice, each way in its own
    block with the process's threads counted (median of three blocks).
    """
    from validators import native

    rules = native.native_rules("en16931")
    artifact = load("en16931-ubl-xslt")
    in_xpath2 = sum(len(r.xpath2) for _, rs in rules.program.patterns for r in rs)
    print(
        f"\nNative EN 16931 UBL rules ({len(rules.rule_ids)} of "
        f"{len(rules.rule_ids) + len(rules.left_out)} assertions native, {in_xpath2} of them "
        "in the XPath 2.0 engine), CPU ms per invoice:"
    )
    print(f"  (load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: CPU figures, still noisy)")
    for lines in (1, 10, 100, 1000, 5000):
        m = _native_figures(lines, rules, artifact)
        print(
            f"  {lines:5d} lines: rules native {m['native']:8.2f} ms (+ parse {m['parse']:5.2f}),"
            f" Saxon {m['official']:8.2f} ms | submit path (XSD + rules): native"
            f" {m['submit native']:8.2f} ms, official {m['submit official']:8.2f} ms"
        )
    steady = _steady_native(10, rules)
    print(
        "  10 lines, native rules in steady state (runs back to back, as under load; blocks of"
        f" 0.5 s, thread CPU): min {min(steady):.2f} ms, median {statistics.median(steady):.2f} ms"
        " (issue 14 target: <= 2 ms)"
    )


def _steady_native(lines: int, rules: Any, blocks: int = 9) -> list[float]:
    """Thread CPU ms per invoice of the native rules, runs back to back, one figure per block.

    The table above pauses between blocks so that Saxon's own threads finish before
    the next block is charged; on this kind of machine a core that slept comes back
    slow for a while (a 10-line native run: ~2.4 ms in the first half second after a
    3 s sleep, ~1.8 ms when busy), which inflates the small sizes there. A server
    under load does not pause: this is its figure.
    """
    from validators import native

    tree = parse_xml(ubl.render(invoice_with_lines(lines)))
    for _ in range(50):
        native.run_stage(rules, "en16931", tree)
    figures = []
    for _ in range(blocks):
        count, started, wall = 0, time.thread_time(), time.perf_counter()
        while time.perf_counter() - wall < 0.5:
            native.run_stage(rules, "en16931", tree)
            count += 1
        figures.append((time.thread_time() - started) * 1000 / count)
    return figures


# Issue 14: a 5,000-line invoice fully validated (every rule set of the profile,
# official rules through Saxon) in <= 0.5 s for EN 16931 and <= 0.7 s for Peppol.
TARGETS = {"en16931": 0.5, "peppol-bis-3": 0.7}
PEER_PROFILES = {"en16931": "en16931-ubl", "peppol-bis-3": "peppol"}


def _validate(xml: bytes, profile: str, form: Form, parallel: int | None = None) -> Report:
    """What ``validators.validate`` does, with the Schematron form forced."""
    tree = parse_xml(xml)
    syntax = detect_syntax(tree)
    assert syntax is not None
    return run_ruleset(
        ruleset_for(profile, syntax),
        tree,
        document_sha256=hashlib.sha256(xml).hexdigest(),
        schematron_form=form,
        parallel_min_bytes=parallel,
    )


def _median_seconds(action: Callable[[], object], runs: int) -> float:
    return _median_wall_cpu(action, runs)[0]


def _median_wall_cpu(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of this process (the shared machine is loaded)."""
    action()  # warm: compiled stylesheets, code paths
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


def _peer() -> Callable[[bytes, str], object] | None:
    """eu-einvoice's validator over the same pinned rules, or None when it is not installed.

    It downloads its rule sets from GitHub; offline, its cache is seeded with the
    rules we pin (CEN's compiled EN 16931 UBL XSLT, the Peppol .sch compiled in its
    original form), so both engines run the same rules.
    """
    try:
        from eu_einvoice import artifacts as peer_artifacts
        from eu_einvoice import validate as peer
    except ImportError:
        print("  eu-einvoice is not installed (pip install eu-einvoice): no peer ratio")
        return None
    import shutil
    import tempfile

    from validators.schematron import compiled_xslt_path

    rules = Path(tempfile.mkdtemp(prefix="egw-bench-peer-"))
    os.environ["EINVOICE_RULES_DIR"] = str(rules)
    seeds = {
        "en16931-ubl": load("en16931-ubl-xslt").path,
        "peppol-ubl": compiled_xslt_path(load("peppol-ubl-sch").path),
    }
    for name, source in seeds.items():
        entry = peer_artifacts.MANIFEST[name]
        target = rules / f"{entry.get('cache_as', name)}-{entry['version']}" / entry["xslt"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    def run(xml: bytes, profile: str) -> object:
        result = peer.validate(xml, profile=PEER_PROFILES[profile], fetch=False)
        assert result["complete"], result["layers_skipped"]
        return result

    return run


def official_forms() -> None:
    """Prints the issue-14 table: original vs fast, and the Python peer on the same documents."""
    load_now = os.getloadavg()[0]
    print(
        "Official validation, every rule set of the profile (XSD + Schematron), median s:"
        f" wall [CPU of this process]; load {load_now:.1f} on {os.cpu_count()} cores"
    )
    peer = _peer()
    header = f"  {'profile':13s} {'lines':>5s} {'KiB':>7s} {'original':>15s} {'fast':>15s} {'speedup':>7s}"
    print(header + ("  eu-einvoice  peer/fast" if peer else ""))
    for profile in ("en16931", "peppol-bis-3"):
        for lines in (10, 1000, 5000):
            xml = ubl.render(invoice_with_lines(lines), profile=profile)
            runs = 9 if lines <= 1000 else 5
            report = _validate(xml, profile, "fast")
            assert report.valid, [(f.rule_id, f.message) for f in report.fatal][:3]
            original, original_cpu = _median_wall_cpu(
                partial(_validate, xml, profile, "original"), runs
            )
            fast, fast_cpu = _median_wall_cpu(partial(_validate, xml, profile, "fast"), runs)
            row = (
                f"  {profile:13s} {lines:5d} {len(xml) / 1024:7.0f}"
                f" {original:7.3f} [{original_cpu:5.3f}] {fast:7.3f} [{fast_cpu:5.3f}]"
                f" {original / fast:6.1f}x"
            )
            if peer and lines in (10, 1000):
                other = _median_seconds(partial(peer, xml, profile), runs)
                row += f"  {other:11.3f}  {other / fast:8.1f}x"
            if lines == 5000:
                row += f"  (target <= {TARGETS[profile]} s)"
            print(row, flush=True)
            if lines == 5000:
                # What the gateway does on an idle machine (EGW_PARALLEL_STAGES=auto): the
                # Schematron work shared with the Saxon worker (validators.stages.sharing).
                shared = partial(_validate, xml, profile, "fast", pool.SUGGESTED_MIN_BYTES)
                wall, cpu = _median_wall_cpu(shared, runs)
                print(
                    f"  {'':13s} {'':5s} {'':7s} fast, shared with the Saxon worker:"
                    f" {wall:.3f} [{cpu:.3f}]  (target <= {TARGETS[profile]} s)",
                    flush=True,
                )
                pool.shutdown()
    print("  auto form now:", _forms_in_use())


def pattern_costs() -> None:
    """Saxon's time per pattern of the cut rule sets over a 5,000-line invoice (the plan's weights).

    Prints what ``validators.schematron.split.PATTERN_COSTS``, ``WHOLE_COSTS`` and
    ``PARSE_COST`` hold, measured on this machine (best of 5, ms, transform only).
    """
    from schemas import cii
    from validators.schematron.split import PATTERN_COSTS, WHOLE_COSTS

    node_of = schematron._saxon().parse_xml
    invoice = invoice_with_lines(5000)
    texts = {"ubl": ubl.render(invoice).decode(), "cii": cii.render(invoice).decode()}

    def best(action: Callable[[], object]) -> float:
        action()
        times = []
        for _ in range(5):
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
        return min(times) * 1000

    nodes = {}
    for syntax, text in texts.items():
        parse = best(lambda t=text: node_of(xml_text=t))
        print(f"Saxon parse of the 5,000-line invoice ({syntax}): {parse:.0f} ms")
        nodes[syntax] = node_of(xml_text=text)
    for name, recorded in PATTERN_COSTS.items():
        artifact = load(name)
        node = nodes["cii" if "-cii-" in name else "ubl"]
        measured = [
            best(
                lambda p=p, a=artifact, n=node: schematron.pattern_executable(
                    a, p
                ).transform_to_string(xdm_node=n)
            )
            for p in range(1, len(recorded) + 1)
        ]
        print(f"{name}: per pattern {[round(m) for m in measured]} ms (recorded {list(recorded)})")
    for name, recorded_whole in WHOLE_COSTS.items():
        artifact = load(name)
        node = nodes["cii" if "-cii-" in name else "ubl"]
        whole = best(
            lambda a=artifact, n=node: schematron.executable(a, form="fast").transform_to_string(
                xdm_node=n
            )
        )
        print(f"{name}: whole {whole:.0f} ms (recorded {recorded_whole:.0f})")


def _forms_in_use() -> str:
    from validators.stages.schematron import resolve_form

    names = ("en16931-ubl-xslt", "peppol-ubl-sch", "en16931-cii-sch", "peppol-cii-sch")
    return ", ".join(f"{n}={resolve_form(load(n))}" for n in names)


def _native_figures(lines: int, rules: Any, artifact: Any) -> dict[str, float]:
    """CPU ms of each way to judge one synthetic invoice of ``lines`` lines (median of 3 blocks)."""
    from validators import native
    from validators.native.judge import validate_rendered

    xml = ubl.render(invoice_with_lines(lines))
    tree = parse_xml(xml)
    text = etree.tostring(tree, encoding="unicode")
    work: dict[str, Callable[[], object]] = {
        "native": lambda: native.run_stage(rules, "en16931", tree),
        "parse": lambda: parse_xml(xml),
        "official": lambda: schematron.run("en16931", artifact, text),
        "submit native": lambda: validate_rendered(xml, profile="en16931"),
        "submit official": lambda: validate_rendered(xml, profile="en16931", engine="official"),
    }
    # Each way runs in its own block, and the block's CPU is counted with a pause
    # after it: Saxon leaves work to threads of its own (GraalVM) that runs on
    # after a transform, and would otherwise be charged to whatever runs next.
    runs = 25 if lines <= 100 else 5 if lines <= 1000 else 3
    figures: dict[str, list[float]] = {name: [] for name in work}
    for _ in range(3):
        for name, run in work.items():
            run()
            time.sleep(0.3)
            started = time.process_time()
            for _ in range(runs):
                run()
            time.sleep(0.3)
            figures[name].append((time.process_time() - started) * 1000 / runs)
    return {name: statistics.median(values) for name, values in figures.items()}


if __name__ == "__main__":
    os.environ.setdefault("EGW_ARTIFACTS_DIR", str(CORPUS.parent / "artifacts"))
    if "--native" in sys.argv:
        native_vs_official()
        sys.exit()
    if "--pattern-costs" in sys.argv:
        pattern_costs()
        sys.exit()
    official_forms()
    if "--official" in sys.argv:
        sys.exit()
    corpus()
    rule_sets()
    synthetic()
    native_vs_official()
