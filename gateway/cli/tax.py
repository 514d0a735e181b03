"""``egw tax``: how the tax engine completes a draft, and what it knows of a country.

* ``egw tax explain DRAFT.json``: the VAT decisions and the computation of every amount;
* ``egw tax jurisdiction CC``: rates, tax classes, mandates, retention and sources;
* ``egw tax classes CC``: the tax classes a line may carry, with their rates on a date.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
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
    for name, helptext, func in (
        (
            "jurisdiction",
            "rates, tax classes, mandates, retention and sources of a country",
            run_jurisdiction,
        ),
        (
            "classes",
            "the tax classes a draft line may carry for a country, with their rates",
            run_classes,
        ),
    ):
        command = commands.add_parser(
            name,
            help=helptext,
            description=f"Show {helptext}. Exit 0, or 2 when there is no pack for the country.",
        )
        command.add_argument(
            "country", metavar="CC", help="ISO 3166-1 alpha-2 code (EL, UK accepted)"
        )
        command.add_argument(
            "--on",
            type=date.fromisoformat,
            default=None,
            metavar="YYYY-MM-DD",
            help="the date (default today)",
        )
        command.add_argument("--json", action="store_true", help="print JSON")
        command.set_defaults(func=func)
    tax.set_defaults(func=lambda args: (tax.print_help(), 2)[1])


def _pack(country: str) -> Any:
    from tax_rules import TaxRuleError, jurisdiction

    try:
        return jurisdiction(country, field="country")
    except TaxRuleError as exc:
        print(f"error: {exc.problems[0].message}", file=sys.stderr)
        return None


def run_classes(args: argparse.Namespace) -> int:
    """Prints the tax classes of a country on a date."""
    from gateway.api.jurisdictions import tax_classes

    pack = _pack(args.country)
    if pack is None:
        return 2
    view = tax_classes(pack, args.on or date.today())
    if args.json:
        print(view.model_dump_json(indent=2))
        return 0
    print(f"{view.country} tax classes on {view.on} (pack {view.pack_version}):")
    for entry in view.classes:
        rate = "exempt (E)" if entry.rate is None else f"{entry.rate} %"
        via = f" via {entry.follows}" if entry.follows else ""
        print(
            f"  {entry.tax_class:<22} {rate:>10}{via}  [{entry.kind}] {entry.description or ''}".rstrip()
        )
    return 0


def run_jurisdiction(args: argparse.Namespace) -> int:
    """Prints what a country's pack holds."""
    from gateway.api.jurisdictions import describe

    pack = _pack(args.country)
    if pack is None:
        return 2
    view = describe(pack, args.on or date.today())
    if args.json:
        print(view.model_dump_json(indent=2))
        return 0
    eu = "EU member state" if view.is_eu else "outside the EU"
    print(f"{view.name} ({view.country}), {eu}, {view.currency}, pack {view.pack_version}")
    print(f"default profile: {view.default_profile}; formats: {', '.join(view.formats)}")
    print("rates:")
    for row in view.rates:
        print(
            f"  {row.tax_class:<22} {row.rate} %  {row.valid_from}..{row.valid_to or ''}  ({row.source})"
        )
    if view.classes:
        print("product classes:")
        for row in view.classes:
            target = f"{row.rate} %" if row.rate is not None else f"= {row.follows}"
            print(
                f"  {row.tax_class:<22} {target}  {row.valid_from}..{row.valid_to or ''}  ({row.source})"
            )
    print("mandates:")
    for mandate in view.mandates:
        print(
            f"  {mandate.start} {mandate.scope}: {mandate.taxpayers}; {', '.join(mandate.formats)} "
            f"via {mandate.network} ({mandate.model}) ({mandate.source})"
        )
    if not view.mandates:
        print("  none recorded")
    retention = view.retention
    print(
        f"retention: {retention.years} years from {retention.starts.replace('_', ' ')} ({retention.source})"
    )
    for area in view.territories:
        print(
            f"outside the EU VAT territory: {area.name}, postcodes {', '.join(area.postcodes)} ({area.source})"
        )
    return 0


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
                    "warnings": [w.as_dict() for w in completion.warnings],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        print(completion.trace.explain())
        if completion.warnings:
            print("Warnings:")
            for warning in completion.warnings:
                print(f"  {warning.field or '-'}: {warning.message} [{warning.code}]")
    return 0
