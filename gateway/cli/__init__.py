"""The ``egw`` command line: one sub-command group per module in this package.

Each module exposes ``register(subparsers)``, which adds its sub-commands and sets
``func`` on each parser; ``func(args) -> int`` returns the exit code.

Two things hold for every command, so they live here once:

- ``EGW_SETTINGS_FILE`` (``EGW_*=value`` lines) is read before the command runs;
  a variable already in the environment wins over the file.
- Output into a closed pipe (``egw parse x.xml | head``) ends the command quietly
  with exit code 141 (128 + SIGPIPE, what a shell reports for tools killed by it).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from dotenv import dotenv_values

# One module per command group; the order is the order of ``egw --help``.
_COMMAND_MODULES = (
    "gateway.cli.validate",  # validate
    "gateway.cli.document",  # parse, render
    "gateway.cli.show",  # show
    "gateway.cli.artifacts",  # artifacts list / fetch
    "gateway.cli.tax",  # tax explain
    "gateway.cli.keys",  # sign, verify, keys generate-dev
    "gateway.cli.serve",  # init, serve
    "gateway.cli.privacy",  # privacy report
    "gateway.cli.archive",  # archive verify / checkpoint / purge / export / verify-export / rotate-kek
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


BROKEN_PIPE_EXIT = 141


def load_settings_file() -> str | None:
    """Puts the ``EGW_*`` values of ``EGW_SETTINGS_FILE`` into the environment (the environment wins).

    Returns:
        An error message when the file is named but cannot be read, else None.
    """
    name = os.environ.get("EGW_SETTINGS_FILE")
    if not name:
        return None
    path = Path(name)
    if not path.is_file():
        return f"EGW_SETTINGS_FILE names {path}, which is not a readable file"
    try:
        values = dotenv_values(path)
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot read EGW_SETTINGS_FILE {path}: {exc}"
    for key, value in values.items():
        if key.startswith("EGW_") and value is not None:
            os.environ.setdefault(key, value)
    return None


def _quiet_after_broken_pipe() -> int:
    # Python flushes stdout again at exit; pointing it at /dev/null keeps that
    # flush from printing "Exception ignored ... BrokenPipeError".
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return BROKEN_PIPE_EXIT


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line and returns the process exit code."""
    from gateway.logs import cap_library_loggers

    cap_library_loggers()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    problem = load_settings_file()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        code: int = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        return _quiet_after_broken_pipe()
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
