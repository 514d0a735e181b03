"""Identifiers of gateway records: ULIDs (sortable by creation time, so they double as cursors)."""

from __future__ import annotations

from ulid import ULID


def new_id() -> str:
    """A new ULID as its 26-character text."""
    return str(ULID())
