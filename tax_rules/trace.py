"""The rounding trace: how every computed amount came about (formula, inputs, result, rule).

The trace is returned with the completed invoice and kept with the archived
record, so that an auditor can follow each figure back to its inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")


def round2(value: Decimal) -> Decimal:
    """Rounds to two decimals, half up (EN 16931 amounts).

    >>> round2(Decimal("2.345")), round2(Decimal("-2.345")), round2(Decimal("2.344"))
    (Decimal('2.35'), Decimal('-2.35'), Decimal('2.34'))
    """
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TraceStep:
    """One computed amount."""

    target: str
    rule: str
    formula: str
    inputs: dict[str, str]
    result: str

    def to_json(self) -> dict[str, Any]:
        """Returns the step as a JSON-ready dict."""
        return {
            "target": self.target,
            "rule": self.rule,
            "formula": self.formula,
            "inputs": self.inputs,
            "result": self.result,
        }


@dataclass
class Trace:
    """An ordered list of trace steps, filled while the engine computes."""

    steps: list[TraceStep] = field(default_factory=list)
    decisions: list[dict[str, str]] = field(default_factory=list)

    def record(
        self, target: str, rule: str, formula: str, result: Decimal, **inputs: Decimal | str | None
    ) -> Decimal:
        """Adds a step and returns the result, so computing and tracing stay one expression."""
        self.steps.append(
            TraceStep(
                target=target,
                rule=rule,
                formula=formula,
                inputs={k: str(v) for k, v in inputs.items() if v is not None},
                result=str(result),
            )
        )
        return result

    def decide(self, target: str, decision: str, reason: str) -> None:
        """Records a VAT treatment decision (category, rate, exemption) and why it was made."""
        self.decisions.append({"target": target, "decision": decision, "reason": reason})

    def to_json(self) -> dict[str, Any]:
        """Returns the trace as a JSON-ready dict."""
        return {"decisions": list(self.decisions), "steps": [s.to_json() for s in self.steps]}

    def explain(self) -> str:
        """Returns the trace as readable text, one line per decision and amount."""
        lines = ["VAT treatment:"]
        lines += [f"  {d['target']}: {d['decision']} ({d['reason']})" for d in self.decisions]
        lines.append("Amounts:")
        for step in self.steps:
            inputs = ", ".join(f"{k}={v}" for k, v in step.inputs.items())
            lines.append(
                f"  {step.target} = {step.result}  [{step.rule}]  {step.formula}  ({inputs})"
            )
        return "\n".join(lines)
