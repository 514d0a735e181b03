"""Errors of the ``tax_rules`` package."""

from __future__ import annotations

from schemas.errors import GatewayError, Problem

__all__ = ["Problem", "TaxRuleError"]


class TaxRuleError(GatewayError):
    """The tax rules cannot complete a draft: each problem names the field, the value and the rule."""

    status_code = 422

    def __init__(self, problems: list[Problem], message: str | None = None) -> None:
        summary = message or (
            problems[0].message if len(problems) == 1 else f"{len(problems)} tax rule problems"
        )
        super().__init__(summary, problems=problems)
