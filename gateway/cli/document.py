"""``egw parse`` and ``egw render``: between e-invoice XML and the EN 16931 JSON contract."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemas import profiles
from schemas.errors import GatewayError


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Adds ``egw parse`` and ``egw render``."""
    parse = subparsers.add_parser(
        "parse",
        help="print a UBL/CII invoice as EN 16931 JSON",
        description="Parse a UBL or CII e-invoice and print it as JSON (EN 16931 business terms). "
        'Content outside EN 16931 is listed under "unmapped". Exit 2 when unreadable.',
    )
    parse.add_argument("file", type=Path, metavar="FILE.xml")
    parse.set_defaults(func=run_parse)

    render = subparsers.add_parser(
        "render",
        help="render an invoice JSON as a validated e-invoice",
        description="Render a complete invoice (or a draft, completed by the tax engine) as UBL or CII, "
        "validate it, and write it only when no fatal finding remains (exit 1 otherwise; "
        "exit 3 when a rule set of the profile is missing here: not checked).",
    )
    render.add_argument("file", type=Path, metavar="INVOICE.json")
    render.add_argument("--profile", choices=profiles.names(), help="output profile")
    render.add_argument(
        "--syntax", choices=("ubl", "cii"), help="output syntax (default: the profile's)"
    )
    render.add_argument("-o", "--output", type=Path, help="output file (default: standard output)")
    render.set_defaults(func=run_render)


def _print_error(error: GatewayError) -> None:
    print(f"error: {error.message}", file=sys.stderr)
    for problem in error.problems:
        rule = f" [{problem.rule}]" if problem.rule else ""
        print(f"  {problem.field}: {problem.message}{rule}", file=sys.stderr)


def run_parse(args: argparse.Namespace) -> int:
    """Parses one file and prints its JSON; exit 0, or 2 when it cannot be read or mapped."""
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    from schemas import syntax
    from schemas.xml_input import parse_xml

    try:
        # Parsed once, with the hardened parser; the syntax is told by the root element.
        parsed = syntax.parse_tree(parse_xml(data))
    except GatewayError as exc:
        _print_error(exc)
        return 2
    declared = profiles.identify(parsed.invoice.customization_id)
    if declared is not None and declared.note:
        print(f"note: {declared.note}", file=sys.stderr)
    out = parsed.invoice.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    out["unmapped"] = [{"path": u.path, "reason": u.reason} for u in parsed.unmapped]
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


def _load_invoice(path: Path) -> tuple[Any, str | None, str | None]:
    """Reads a complete invoice, or a draft that the tax engine completes.

    Returns:
        The invoice, and the profile and syntax the file asks for (if any).
    """
    from schemas.model import Invoice, InvoiceDraft

    data = json.loads(path.read_text("utf-8"))
    if isinstance(data, dict) and "totals" in data and "vat_breakdown" in data:
        # A complete invoice, possibly as ``egw parse`` printed it; the output
        # choices (profile, syntax) and the parse report are not invoice content.
        content = {k: v for k, v in data.items() if k not in ("unmapped", "profile", "syntax")}
        return Invoice.model_validate(content), data.get("profile"), data.get("syntax")
    from tax_rules import complete, jurisdiction

    draft = InvoiceDraft.model_validate(data)
    invoice = complete(draft)
    # A draft names its profile, or gets its seller's jurisdiction default (as the API does).
    default = draft.profile or jurisdiction(draft.seller.address.country).default_profile
    return invoice, default, draft.syntax


def run_render(args: argparse.Namespace) -> int:
    """Renders, validates and writes one invoice; exit 0, 1 on a fatal finding, 2 on bad input."""
    try:
        invoice, file_profile, file_syntax = _load_invoice(args.file)
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"error: {args.file} is not JSON: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(f"error: {args.file} is not a valid invoice:", file=sys.stderr)
        for item in exc.errors():
            print(f"  {'.'.join(str(p) for p in item['loc'])}: {item['msg']}", file=sys.stderr)
        return 2
    except GatewayError as exc:
        _print_error(exc)
        return 2
    detected = profiles.detect(getattr(invoice, "customization_id", None))
    profile_name = args.profile or file_profile or (detected.name if detected else "en16931")
    profile = profiles.get(profile_name)
    from schemas import syntax as syntaxes

    syntax = args.syntax or file_syntax or profile.default_syntax
    try:
        rendered = syntaxes.get(syntax).render_with_report(invoice, profile=profile)
    except GatewayError as exc:
        _print_error(exc)
        return 2
    xml = rendered.document
    for dropped in rendered.dropped:
        # Field paths and term numbers only: values may be personal data.
        print(
            f"warning: {dropped.business_term} ({dropped.field}) is not in the {syntax.upper()} "
            f"document: {dropped.reason}",
            file=sys.stderr,
        )
    from validators import validate

    report = validate(xml, profile=profile.name)
    if report.not_checked:
        for finding in report.not_checked:
            print(f"error: {finding.message}", file=sys.stderr)
        return 3
    if not report.valid:
        print(
            f"error: the rendered document is not valid under {report.ruleset_id}:", file=sys.stderr
        )
        for finding in report.findings:
            if finding.severity == "fatal":
                print(
                    f"  {finding.rule_id} at {finding.location}: {finding.message}", file=sys.stderr
                )
        for skipped in report.not_run:
            print(f"  [not run] {skipped['stage']}: {skipped['reason']}", file=sys.stderr)
        return 1
    if args.output:
        args.output.write_bytes(xml)
    else:
        sys.stdout.buffer.write(xml)
    return 0
