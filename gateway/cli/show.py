"""``egw show``: any UBL or CII e-invoice as readable HTML or PDF."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from schemas.errors import GatewayError


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Adds ``egw show``."""
    show = subparsers.add_parser(
        "show",
        help="show a UBL/CII invoice as readable HTML or PDF",
        description="Render a UBL or CII e-invoice for people: every business term with its name "
        "and BT number, grouped by business group, amounts per currency. HTML by default "
        "(stand-alone, attachments inside), or PDF. Exit 2 when the file is unreadable.",
    )
    show.add_argument("file", type=Path, metavar="FILE.xml")
    kind = show.add_mutually_exclusive_group()
    kind.add_argument(
        "--html", action="store_const", dest="kind", const="html", help="HTML (default)"
    )
    kind.add_argument("--pdf", action="store_const", dest="kind", const="pdf", help="PDF")
    show.add_argument("-o", "--output", type=Path, help="output file (default: standard output)")
    show.add_argument("--lang", choices=("en", "de"), default="en", help="language of the labels")
    show.set_defaults(func=run_show, kind="html")


def run_show(args: argparse.Namespace) -> int:
    """Writes the readable form of one document; exit 0, or 2 when it cannot be read or mapped."""
    from gateway.show import parse_document, render_html, render_pdf

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        invoice = parse_document(data)
    except GatewayError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for problem in exc.problems:
            rule = f" [{problem.rule}]" if problem.rule else ""
            print(f"  {problem.field}: {problem.message}{rule}", file=sys.stderr)
        return 2
    if args.kind == "pdf":
        if args.output is None and sys.stdout.isatty():
            print("error: PDF is binary; give -o OUT.pdf or redirect the output", file=sys.stderr)
            return 2
        out = render_pdf(invoice, lang=args.lang)
    else:
        out = render_html(invoice, lang=args.lang).encode("utf-8")
    if args.output:
        args.output.write_bytes(out)
    else:
        sys.stdout.buffer.write(out)
    return 0
