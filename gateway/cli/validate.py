"""Command group ``validate`` of ``egw`` (not yet implemented: registers nothing)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Adds this group's sub-commands (none yet)."""
