"""Errors of the console: shown as a page (not problem+json), with the status they mean."""

from __future__ import annotations

from schemas.errors import GatewayError


class ConsoleError(GatewayError):
    """A console request that cannot be served: the message says why, the status says how."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code


class SignInRequired(Exception):  # noqa: N818 - a signal, not a failure
    """No valid console session: the browser is sent to the sign-in page."""
