"""Drafts for API tests: valid under the plain EN 16931 rule sets (available without the compiler)."""

from __future__ import annotations

from typing import Any

from tests.tax_rules.drafts import domestic_de


def api_draft(number: str | None = "API-1", **changes: Any) -> dict[str, Any]:
    data = domestic_de(profile="en16931")
    if number is None:
        data.pop("number")
    else:
        data["number"] = number
    data.update(changes)
    return data
