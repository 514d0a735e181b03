"""Errors of the ``signing`` package (all descend from ``GatewayError``).

They carry no HTTP status: the gateway maps error types to statuses in one table.
"""

from __future__ import annotations

from schemas.errors import GatewayError, Problem


class SigningError(GatewayError):
    """A document could not be signed."""


class SigningKeyError(SigningError):
    """A signing key or certificate could not be loaded or is not acceptable.

    Attributes:
        rule: A stable code (``signing.key-too-weak``, ``signing.cert-mismatch``, ...).
    """

    def __init__(
        self, message: str, *, rule: str, field: str = "signing_key", value: str | None = None
    ) -> None:
        super().__init__(
            message, problems=[Problem(field=field, message=message, rule=rule, value=value)]
        )
        self.rule = rule


class VerificationError(GatewayError):
    """A signature did not verify; ``reason`` is a stable code, the message says what failed."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(
            message,
            problems=[Problem(field="signature", message=message, rule=f"signature.{reason}")],
        )
        self.reason = reason
