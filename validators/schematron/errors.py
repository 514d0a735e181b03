"""Errors of the Schematron compiler."""

from schemas.errors import GatewayError


class SchematronError(GatewayError):
    """A Schematron rule set cannot be compiled."""
