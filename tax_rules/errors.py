"""Errors of the ``tax_rules`` package.

They carry no HTTP status: the gateway maps error types to statuses in one table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemas.errors import GatewayError, Problem

__all__ = ["ClassProblem", "PackDataError", "Problem", "TaxRuleError", "UnknownTaxClass"]


class TaxRuleError(GatewayError):
    """The tax rules cannot complete a draft: each problem names the field, the value and the rule."""

    def __init__(self, problems: list[Problem], message: str | None = None) -> None:
        summary = message or (
            problems[0].message if len(problems) == 1 else f"{len(problems)} tax rule problems"
        )
        super().__init__(summary, problems=problems)


@dataclass(frozen=True)
class ClassProblem(Problem):
    """A problem with a tax class that also lists the classes the pack knows (``allowed``)."""

    allowed: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Returns the problem as a JSON-ready dict, with the allowed classes."""
        return {**super().as_dict(), "allowed": list(self.allowed)}


class UnknownTaxClass(TaxRuleError):
    """A line names a tax class the pack of the taxing country does not have."""

    def __init__(self, *, country: str, tax_class: str, known: list[str]) -> None:
        self.country = country
        self.known = known
        super().__init__(
            [
                ClassProblem(
                    field="tax_class",
                    message=f"{country} has no tax class {tax_class!r}; known: {', '.join(known)} "
                    f"(egw tax classes {country}, GET /v1/jurisdictions/{country}/tax-classes)",
                    rule="tax.unknown-class",
                    value=tax_class,
                    allowed=tuple(known),
                )
            ]
        )


class PackDataError(GatewayError):
    """A jurisdiction pack's data file is broken: the gateway cannot apply that country's rules.

    A defect of the installation, not of the request; it names the file and what is wrong.
    """

    def __init__(self, filename: str, detail: str) -> None:
        self.filename = filename
        super().__init__(
            f"jurisdiction pack {filename} is invalid",
            problems=[Problem(field=filename, message=detail, rule="tax.pack-invalid")],
        )
