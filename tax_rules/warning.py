"""Tax warnings: what the seller should know about an invoice the rules do complete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TaxWarning:
    """One warning: a stable code, the draft field it concerns, a message and its legal source.

    >>> TaxWarning(code="tax.mandate-format", message="m").as_dict()["code"]
    'tax.mandate-format'
    """

    code: str
    message: str
    field: str | None = None
    source: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Returns the warning as a JSON-ready dict."""
        return {
            "code": self.code,
            "field": self.field,
            "message": self.message,
            "source": self.source,
        }
