"""Errors of the ``schemas`` package, and the root of every gateway error.

Every error the gateway raises descends from :class:`GatewayError` and carries
structured context: which field or business term, which value, which rule.
``schemas`` depends on nothing of ours, so the root class lives here and the
other packages import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One specific thing wrong with an input.

    Attributes:
        field: Dotted path of the offending field (``lines[2].quantity``) or the
            business term (``BT-1``) or an XPath, whichever locates it best.
        message: What is wrong and what was expected, in plain words.
        rule: The rule that was broken (``BR-CO-15``, ``xml.no-dtd``), if any.
        value: The offending value, rendered as text, if it helps.
        business_term: The EN 16931 business term or group (``BT-42``), when known.
        official_message: The official rule text as published (possibly not English),
            when ``message`` is a rewording or translation of it.
        location: Where an official rule found it in the generated XML (an XPath).
    """

    field: str
    message: str
    rule: str | None = None
    value: str | None = None
    business_term: str | None = None
    official_message: str | None = None
    location: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Returns the problem as a JSON-ready dict (the optional context only when known)."""
        data: dict[str, Any] = {
            "field": self.field,
            "message": self.message,
            "rule": self.rule,
            "value": self.value,
        }
        for name in ("business_term", "official_message", "location"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        return data


class GatewayError(Exception):
    """Root of all gateway errors: something that cannot continue.

    A failed business rule is a validation finding, not an exception; an
    exception means the input cannot be processed at all. Errors of the domain
    packages carry no HTTP status: ``gateway.api.errors.STATUS_BY_ERROR`` maps
    their types to statuses in one table.
    """

    def __init__(self, message: str, *, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems: list[Problem] = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        details = "; ".join(
            f"{p.field}: {p.message}" + (f" [{p.rule}]" if p.rule else "") for p in self.problems
        )
        return f"{self.message}: {details}"


class XmlInputError(GatewayError):
    """An XML document was refused before or while parsing it.

    Attributes:
        reason: A stable machine code: ``too-large``, ``dtd-forbidden``,
            ``entity-forbidden``, ``not-well-formed``, ``empty``.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(
            message, problems=[Problem(field="document", message=message, rule=f"xml.{reason}")]
        )
        self.reason = reason


class ParseError(GatewayError):
    """A well-formed document could not be mapped to the EN 16931 model."""


class RenderError(GatewayError):
    """An invoice could not be rendered in the requested syntax or profile."""


class ArtifactError(GatewayError):
    """An official artifact (XSD, Schematron, XSLT) is missing or does not match its pin."""
