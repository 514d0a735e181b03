"""Errors of the ``validators`` package (all descend from ``GatewayError``)."""

from schemas.errors import ArtifactError, GatewayError, XmlInputError

__all__ = ["ArtifactError", "GatewayError", "XmlInputError"]
