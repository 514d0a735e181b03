"""Logging policy: no personal data and no secrets in any log line, whatever the configured level.

Some libraries log the documents or statements they handle at DEBUG or INFO
level: signxml prints every canonicalised invoice, SQLAlchemy's engine logger
prints SQL parameters. The gateway caps those loggers at WARNING, so turning on
DEBUG for the gateway's own loggers never turns on theirs.
"""

from __future__ import annotations

import logging

CAPPED_LOGGERS = (
    "signxml",
    "sqlalchemy.engine",
    "sqlalchemy.pool",
    "xmlschema",
    "weasyprint",
    "fontTools",
    "httpx",
    "httpcore",
    "httpx2",  # the outbound HTTP client (webhooks, Peppol, SMP, timestamps): logs each URL
    "httpcore2",
)


def cap_library_loggers() -> None:
    """Raises the threshold of the loggers that would print documents or SQL parameters."""
    for name in CAPPED_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
