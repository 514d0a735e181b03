"""Errors of the ``signing`` package (all descend from ``GatewayError``)."""

from __future__ import annotations

from schemas.errors import GatewayError, Problem


class SigningError(GatewayError):
    """A document could not be signed."""

    status_code = 500


class KeyError_(SigningError):  # noqa: N801 - KeyError is a builtin; the underscore keeps them apart
    """A signing key or certificate could not be loaded or is not acceptable."""

    status_code = 400


class VerificationError(GatewayError):
    """A signature did not verify; ``reason`` is a stable code, the message says what failed."""

    status_code = 422

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(
            message,
            problems=[Problem(field="signature", message=message, rule=f"signature.{reason}")],
        )
        self.reason = reason
