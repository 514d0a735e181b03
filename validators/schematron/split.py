"""A rule set's fast form cut into its patterns, so that two processes can share one big document.

The fast form (like the skeleton) runs its patterns one after the other: the
main template applies mode ``M1`` (the first pattern's rules) over the
document, then ``M2``, and so on; no pattern reads what another wrote. So the
stylesheet that applies only mode ``Mk`` reports exactly the findings of
pattern k, in the same order, and the findings of the patterns one after the
other are the findings of the whole (``tests/validators/test_split_stages.py``
checks this on every corpus document). This module writes those one-pattern
stylesheets and plans which process runs which pattern.

Only rule sets whose patterns are measured here are cut: the weights are
Saxon's time per pattern over a 5,000-line invoice (``bench/validate.py
--pattern-costs`` measures them again).
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from validators.schematron.errors import SchematronError

_XSL = "{http://www.w3.org/1999/XSL/Transform}"

#: Saxon ms per pattern (in mode order) of the fast form over a 5,000-line UBL
#: invoice; only the ratios matter. EN 16931 UBL: model, syntax, code lists.
#: A rule set without costs (the XRechnung merges) runs whole, weighed as 300.
PATTERN_COSTS: dict[str, tuple[float, ...]] = {
    "en16931-ubl-xslt": (170.0, 195.0, 73.0),
    # CII: model, syntax, code lists (Saxon's parse of that invoice: 150 ms).
    "en16931-cii-sch": (533.0, 478.0, 15.0),
}
#: The same measure for a rule set run whole (not cut).
WHOLE_COSTS: dict[str, float] = {"peppol-ubl-sch": 200.0, "peppol-cii-sch": 297.0}
#: Saxon parsing the 5,000-line invoice (each process parses it; UBL 110, CII 150 ms),
#: and shipping its text to the worker.
PARSE_COST = 120.0
SHIP_COST = 10.0


def pattern_count(artifact_name: str) -> int:
    """How many patterns a rule set is cut into (0: it runs whole)."""
    return len(PATTERN_COSTS.get(artifact_name, ()))


def one_pattern_xslt(fast_xslt: Path, pattern: int) -> Path:
    """The fast stylesheet that applies only pattern ``pattern`` (1-based), written beside it.

    Written once (atomically) and reused: its name holds the fast form's own name,
    which is the digest of its sources and of the compiler.
    """
    target = fast_xslt.with_name(f"{fast_xslt.stem}.pattern-{pattern}.xslt")
    if target.is_file():
        return target
    tree = etree.parse(str(fast_xslt))
    main = next(
        template
        for template in tree.getroot().iterchildren(f"{_XSL}template")
        if template.get("match") == "/" and template.get("mode") is None
    )
    applied = [a for a in main.iter(f"{_XSL}apply-templates") if a.get("mode", "").startswith("M")]
    if not 1 <= pattern <= len(applied):
        raise SchematronError(f"{fast_xslt.name} has no pattern {pattern} (it has {len(applied)})")
    for apply in applied:
        if apply.get("mode") != f"M{pattern}":
            parent = apply.getparent()
            assert parent is not None
            parent.remove(apply)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".xslt")
    with os.fdopen(descriptor, "wb") as handle:
        tree.write(handle, encoding="utf-8", xml_declaration=True)
    os.replace(temporary, target)
    return target


@dataclass(frozen=True)
class Unit:
    """One piece of a rule set's work: a stage whole (``pattern`` None) or one of its patterns."""

    stage_id: str
    pattern: int | None
    cost: float


def units_of(stage_id: str, artifact_name: str, *, cut: bool) -> list[Unit]:
    """The units of one Schematron stage: its patterns when it is cut, else the whole stage."""
    costs = PATTERN_COSTS.get(artifact_name)
    if cut and costs:
        return [Unit(stage_id, number, cost) for number, cost in enumerate(costs, start=1)]
    whole = WHOLE_COSTS.get(artifact_name, sum(costs) if costs else 300.0)
    return [Unit(stage_id, None, whole)]


def plan(units: Sequence[Unit]) -> frozenset[Unit]:
    """The units the worker runs, so that both processes finish as close together as possible.

    Each process parses the document once; the worker also receives its text.
    The first unit stays here (this process starts with it at once); every
    assignment of the others is tried (a rule set has a handful of units).
    """
    best: frozenset[Unit] = frozenset()
    best_finish = PARSE_COST + sum(u.cost for u in units)
    rest = list(units[1:])
    for size in range(1, len(rest) + 1):
        for chosen in itertools.combinations(rest, size):
            worker = PARSE_COST + SHIP_COST + sum(u.cost for u in chosen)
            here = PARSE_COST + sum(u.cost for u in units) - sum(u.cost for u in chosen)
            if max(worker, here) < best_finish:
                best, best_finish = frozenset(chosen), max(worker, here)
    return best
