"""``egw tax explain``: how the tax engine completes a draft, decision by decision."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemas.errors import GatewayError


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Adds ``egw tax explain``."""
    tax = subparsers.add_parser("tax", help="VAT engine tools")
    commands = tax.add_subparsers(dest="tax_command", metavar="COMMAND")
    explain = commands.add_parser(
        "explain",
        help="show the VAT decisions and the computation of every amount",
        description="Complete a draft with the seller's jurisdiction rules and print the trace. "
        "Exit 0 when it completes, 1 on tax rule problems, 2 on unreadable input.",
    )
    explain.add_argument("file", type=Path, metavar="DRAFT.json")
    explain.add_argument(
        "--json", action="store_true", help="print the invoice and the trace as JSON"
    )
    explain.set_defaults(func=run_explain)
    tax.set_defaults(func=lambda args: (tax.print_help(), 2)[1])


def run_explain(args: argparse.Namespace) -> int:
    """Completes the draft and prints its trace."""
    from schemas.model import InvoiceDraft
    from tax_rules import TaxRuleError, complete_with_trace

    try:
        draft = InvoiceDraft.model_validate_json(args.file.read_bytes())
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(f"error: {args.file} is not a valid draft:", file=sys.stderr)
        for item in exc.errors():
            print(f"  {'.'.join(str(p) for p in item['loc'])}: {item['msg']}", file=sys.stderr)
        return 2
    try:
        completion = complete_with_trace(draft)
    except TaxRuleError as exc:
        print("the tax rules cannot complete this draft:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem.field}: {problem.message} [{problem.rule}]", file=sys.stderr)
        return 1
    except GatewayError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(
            json.dumps(
                {
                    "invoice": completion.invoice.model_dump(mode="json", exclude_none=True),
                    "trace": completion.trace.to_json(),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        print(completion.trace.explain())
    return 0
