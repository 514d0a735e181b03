"""Delivery errors: a failed attempt is either worth retrying or final; each names channel and cause."""

from __future__ import annotations

from schemas.errors import GatewayError


class DeliveryError(GatewayError):
    """Delivery cannot continue (base of the errors below)."""

    status_code = 502


class RetryLater(DeliveryError):
    """A transient failure (5xx, timeout, refused connection): the job is tried again after a backoff.

    ``code`` is the remote status (HTTP code, SMTP reply) when there was one.
    """

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class GiveUp(DeliveryError):
    """A failure that another attempt cannot fix (4xx, refused by the receiver, no such participant)."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class PeppolLookupError(DeliveryError):
    """The SML/SMP lookup found no usable endpoint (unknown participant, bad signature, no AS4 endpoint)."""

    def __init__(self, message: str, *, not_registered: bool = False) -> None:
        super().__init__(message)
        self.not_registered = not_registered


class Cancelled(GiveUp):
    """The job no longer applies (its webhook endpoint was revoked): nothing is sent."""
