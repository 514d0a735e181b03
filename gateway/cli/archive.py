"""``egw archive``: verify, checkpoint, purge, export, verify-export, rotate-kek.

``egw archive verify`` exits 0 when the archive is intact, 1 with a list of
problems, 2 when the archive cannot be read at all.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from schemas.errors import GatewayError


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Adds ``egw archive`` and its sub-commands."""
    archive = subparsers.add_parser("archive", help="the statutory archive: verify, purge, export")
    commands = archive.add_subparsers(dest="archive_command", metavar="COMMAND")

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--data-dir", type=Path, help="data directory (default: EGW_DATA_DIR or ./data)"
        )
        parser.add_argument("--tenant", help="tenant id (default: every tenant, or the only one)")

    verify = commands.add_parser(
        "verify", help="check every chain link, record, blob and checkpoint"
    )
    common(verify)
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.add_argument("--progress", action="store_true", help="show a progress bar on stderr")
    verify.set_defaults(func=run_verify)

    make = commands.add_parser("checkpoint", help="sign (and time-stamp) the ledger head now")
    common(make)
    make.set_defaults(func=run_checkpoint)

    purge = commands.add_parser(
        "purge", help="crypto-shred documents past retention and not under hold"
    )
    common(purge)
    purge.add_argument(
        "--as-of", type=date.fromisoformat, help="YYYY-MM-DD, not after today (default: today)"
    )
    purge.add_argument("--dry-run", action="store_true", help="list what would be purged")
    purge.set_defaults(func=run_purge)

    export = commands.add_parser("export", help="write an auditor export ZIP of a period")
    common(export)
    export.add_argument(
        "--from", dest="period_from", type=date.fromisoformat, required=True, metavar="YYYY-MM-DD"
    )
    export.add_argument(
        "--to", dest="period_to", type=date.fromisoformat, required=True, metavar="YYYY-MM-DD"
    )
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.zip")
    export.add_argument(
        "--include-restricted",
        action="store_true",
        help="for the tax authority: include records under GDPR restriction",
    )
    export.add_argument("--progress", action="store_true", help="show a progress bar on stderr")
    export.set_defaults(func=run_export)

    check = commands.add_parser("verify-export", help="check an export ZIP offline (no database)")
    check.add_argument("file", type=Path, metavar="FILE.zip")
    check.add_argument("--tsa-ca", type=Path, help="PEM roots trusted for the time stamp")
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=run_verify_export)

    rotate = commands.add_parser(
        "rotate-kek", help="re-wrap every data key under the current key-encryption key"
    )
    common(rotate)
    rotate.set_defaults(func=run_rotate)

    legacy = commands.add_parser(
        "seal-legacy",
        help="once after upgrading: seal AS4 receipts and Invoice Responses stored in clear",
    )
    common(legacy)
    legacy.set_defaults(func=run_seal_legacy)
    archive.set_defaults(func=lambda args: (archive.print_help(), 2)[1])


def settings_for(data_dir: Path | None) -> Any:
    """Settings from the environment and EGW_SETTINGS_FILE, with an optional data directory."""
    from gateway.settings import Settings

    if data_dir is not None:
        os.environ["EGW_DATA_DIR"] = str(data_dir)
    return Settings(_env_file=os.environ.get("EGW_SETTINGS_FILE"))  # type: ignore[call-arg]


def _open(args: argparse.Namespace) -> Any:
    from gateway.archive.context import open_archive

    settings = settings_for(args.data_dir)
    if settings.database_url is None and not (settings.data_dir / "gateway.db").exists():
        raise FileNotFoundError(f"no archive in {settings.data_dir} (run egw init first)")
    return open_archive(settings)


def _tenant(context: Any, wanted: str | None) -> str | None:
    """The tenant to work on: the one asked for, or the only one there is."""
    from sqlmodel import Session, select

    from gateway.tables import Tenant

    if wanted:
        return wanted
    with Session(context.engine) as session:
        tenants = session.exec(select(Tenant.id)).all()
    if len(tenants) == 1:
        return tenants[0]
    return None


class ProgressBar:
    """A plain progress bar on stderr (only when asked for or stderr is a terminal)."""

    def __init__(self, label: str, enabled: bool) -> None:
        self.label = label
        self.enabled = enabled or sys.stderr.isatty()
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        """Shows ``done`` of ``total``."""
        if not self.enabled or total <= 0:
            return
        percent = done * 100 // total
        if percent == self.shown and done != total:
            return
        self.shown = percent
        filled = percent * 30 // 100
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def run_verify(args: argparse.Namespace) -> int:
    """Verifies the archive; exit 0 intact, 1 problems, 2 unreadable."""
    from sqlmodel import Session

    from gateway.archive.verify import snapshot, verify_archive

    try:
        context = _open(args)
        with Session(snapshot(context.engine)) as session:
            result = verify_archive(
                session,
                context.archive,
                certificates=context.keys.certificates,
                tsa_roots=context.tsa_roots(),
                tenant_id=args.tenant,
                progress=ProgressBar("verifying", args.progress),
            )
    except (GatewayError, OSError, ValueError) as exc:
        print(f"egw archive verify: cannot read the archive: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
    else:
        print(
            f"{result.tenants} tenant(s), {result.entries} ledger entries, {result.records} records, "
            f"{result.blobs} blobs, {result.checkpoints} checkpoints, {result.purged} purged"
        )
        for problem in result.problems:
            print(
                f"PROBLEM {problem.kind}: tenant {problem.tenant_id} record {problem.record_id}: {problem.detail}"
            )
        print("archive intact" if result.intact else f"{len(result.problems)} problem(s)")
    return 0 if result.intact else 1


def run_checkpoint(args: argparse.Namespace) -> int:
    """Signs a checkpoint for one tenant (or each)."""
    from sqlmodel import Session, select

    from gateway.archive.checkpoint import make_checkpoint, public
    from gateway.db import writer
    from gateway.tables import Tenant

    context = _open(args)
    with Session(context.engine) as session:
        tenants = [args.tenant] if args.tenant else list(session.exec(select(Tenant.id)).all())
    for tenant in tenants:
        with Session(writer(context.engine), expire_on_commit=False) as session, session.begin():
            row = make_checkpoint(
                session, tenant, context.keys.current, tsa_url=context.settings.tsa_url
            )
        print(json.dumps(public(row)))
    return 0


def run_purge(args: argparse.Namespace) -> int:
    """Purges records past retention (exit 0), or refuses an early purge (exit 1)."""
    from gateway.archive.purge import purge

    context = _open(args)
    today = datetime.now(UTC).date()
    try:
        result = purge(
            context.engine,
            context.archive,
            as_of=args.as_of or today,
            today=today,
            tenant_id=args.tenant,
            dry_run=args.dry_run,
        )
    except GatewayError as exc:
        print(f"egw archive purge: {exc.message}", file=sys.stderr)
        return 1
    print(json.dumps(result.as_dict(), indent=2))
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Writes an auditor export ZIP."""
    from gateway.archive.export import build_export

    context = _open(args)
    tenant = _tenant(context, args.tenant)
    if tenant is None:
        print("egw archive export: several tenants here: name one with --tenant", file=sys.stderr)
        return 2
    temporary = args.output.with_name(args.output.name + ".part")
    with temporary.open("wb") as handle:
        summary = build_export(
            context.engine,
            context.archive,
            tenant_id=tenant,
            period_from=args.period_from,
            period_to=args.period_to,
            signing_key=context.keys.current,
            certificates=context.keys.certificates,
            out=handle,
            tsa_url=context.settings.tsa_url,
            tsa_roots=context.tsa_roots(),
            include_restricted=args.include_restricted,
            progress=ProgressBar("exporting", args.progress),
        )
    temporary.replace(args.output)
    print(
        f"{summary.documents} documents, {summary.entries} ledger entries, checkpoint of "
        f"{summary.tree_size} entries (root {summary.root}) -> {args.output}"
    )
    if summary.restricted_left_out:
        print(
            f"{summary.restricted_left_out} record(s) under GDPR restriction left out",
            file=sys.stderr,
        )
    return 0


def run_verify_export(args: argparse.Namespace) -> int:
    """Checks an export offline; exit 0 intact, 1 problems, 2 unreadable."""
    import zipfile

    from cryptography import x509

    from gateway.archive.export import verify_export

    roots = x509.load_pem_x509_certificates(args.tsa_ca.read_bytes()) if args.tsa_ca else []
    try:
        check = verify_export(args.file, tsa_roots=roots)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        print(f"egw archive verify-export: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(
            json.dumps(
                {
                    "intact": check.intact,
                    "documents": check.documents,
                    "entries": check.entries,
                    "problems": check.problems,
                }
            )
        )
    else:
        for problem in check.problems:
            print(f"PROBLEM: {problem}")
        print(
            f"{check.documents} documents, {check.entries} ledger entries: "
            + ("export intact" if check.intact else f"{len(check.problems)} problem(s)")
        )
    return 0 if check.intact else 1


def run_rotate(args: argparse.Namespace) -> int:
    """Re-wraps every data key and secret under the current KEK, recorded in each tenant's ledger."""
    from sqlmodel import Session, select

    from gateway.archive import ledger
    from gateway.db import writer
    from gateway.tables import Tenant

    context = _open(args)
    with Session(writer(context.engine)) as session, session.begin():
        count = context.archive.vault.rotate(session)
        for tenant in session.exec(select(Tenant.id)).all():
            ledger.append(
                session,
                tenant,
                ledger.KEY_ROTATED,
                record_id=None,
                facts={"kek_id": context.archive.vault.keks.current.key_id, "rewrapped": count},
            )
    print(
        f"re-wrapped {count} keys under key-encryption key {context.archive.vault.keks.current.key_id}"
    )
    return 0


def run_seal_legacy(args: argparse.Namespace) -> int:
    """Seals receipts and responses an older gateway kept in clear (idempotent)."""
    from gateway.delivery.received import seal_legacy_blobs

    context = _open(args)
    count = seal_legacy_blobs(context.engine, context.archive)
    print(f"sealed {count} receipts and responses that were stored in clear")
    return 0
