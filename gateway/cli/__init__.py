"""The ``egw`` command line: one sub-command group per module in this package.

Each module exposes ``register(subparsers)``, which adds its sub-commands and sets
``func`` on each parser; ``func(args) -> int`` returns the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# One module per command group; the order is the order of ``egw --help``.
_COMMAND_MODULES = (
    "gateway.cli.validate",  # validate
    "gateway.cli.document",  # parse, render
    "gateway.cli.artifacts",  # artifacts list / fetch
    "gateway.cli.tax",  # tax explain
    "gateway.cli.keys",  # sign, verify, keys generate-dev
    "gateway.cli.serve",  # init, serve
)


def build_parser() -> argparse.ArgumentParser:
    """Builds the ``egw`` argument parser with every command group registered."""
    parser = argparse.ArgumentParser(
        prog="egw", description="Compliance-focused e-invoicing gateway (EN 16931)."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line and returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    code: int = args.func(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
