"""``egw sign``, ``egw verify``, ``egw keys generate-dev`` and ``egw keys create``.

``egw verify`` exits 0 when the signature is valid, 1 when it is not, 2 when a file
cannot be read or is empty.

``egw keys create`` makes an API key straight in the database, for an operator who
lost the printed keys (it needs access to the data directory or database, which is
the authority here); the key is an audit event like one made over the API.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from schemas.errors import GatewayError


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Adds ``egw sign``, ``egw verify`` and ``egw keys``."""
    sign = subparsers.add_parser(
        "sign", help="sign a document (enveloped XAdES in UBL, or detached)"
    )
    sign.add_argument("file", type=Path, metavar="FILE")
    sign.add_argument("--key", type=Path, required=True, metavar="KEY.pem")
    sign.add_argument("--cert", type=Path, required=True, metavar="CERT.pem")
    sign.add_argument("--password", help="password of an encrypted key")
    sign.add_argument(
        "--detached", action="store_true", help="write a detached signature over the exact bytes"
    )
    sign.add_argument("-o", "--output", type=Path, help="output file (default: standard output)")
    sign.set_defaults(func=run_sign)

    verify = subparsers.add_parser(
        "verify", help="verify a signed document or a detached signature"
    )
    verify.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="the signed UBL document, or the signed data with --signature",
    )
    verify.add_argument("--signature", type=Path, metavar="SIG", help="detached signature file")
    verify.add_argument(
        "--trust",
        type=Path,
        action="append",
        default=[],
        metavar="CA.pem",
        help="trust anchor (repeatable)",
    )
    verify.set_defaults(func=run_verify)

    keys = subparsers.add_parser("keys", help="signing key tools")
    commands = keys.add_subparsers(dest="keys_command", metavar="COMMAND")
    generate = commands.add_parser(
        "generate-dev", help="write a self-signed DEVELOPMENT key and certificate"
    )
    generate.add_argument("--out", type=Path, required=True, metavar="DIR")
    generate.add_argument("--algorithm", choices=("ECDSA", "RSA"), default="ECDSA")
    generate.set_defaults(func=run_generate_dev)
    create = commands.add_parser(
        "create", help="create an API key in the database (shown once), audited"
    )
    create.add_argument(
        "--data-dir", type=Path, help="data directory (default: EGW_DATA_DIR or ./data)"
    )
    create.add_argument(
        "--role",
        action="append",
        required=True,
        metavar="ROLE",
        help="erp, compliance, auditor, admin or platform (repeatable)",
    )
    create.add_argument(
        "--expires",
        metavar="WHEN",
        help="expiry: an ISO 8601 date-time with time zone, a date (end of that day, UTC), "
        "or a number of days such as 30d; required for auditor keys",
    )
    create.add_argument("--tenant", metavar="ID", help="tenant id (default: the only tenant)")
    create.add_argument("--name", default="created by egw keys create", help="a label for the key")
    create.set_defaults(func=run_create)
    keys.set_defaults(func=lambda args: (keys.print_help(), 2)[1])


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def run_sign(args: argparse.Namespace) -> int:
    """Signs one file; exit 0, or 2 when the input or key cannot be used."""
    from signing import load_pem, sign, sign_detached

    try:
        key = load_pem(args.key, args.cert, password=args.password)
        data = args.file.read_bytes()
        signed = sign_detached(data, key) if args.detached else sign(data, key)
    except OSError as exc:
        _error(f"cannot read {args.file}: {exc.strerror}")
        return 2
    except GatewayError as exc:
        _error(str(exc))
        return 2
    if args.output:
        args.output.write_bytes(signed)
    else:
        sys.stdout.buffer.write(signed)
    return 0


def run_verify(args: argparse.Namespace) -> int:
    """Verifies one signature; exit 0 valid, 1 invalid, 2 unreadable."""
    from cryptography import x509

    from signing import VerificationError, verify

    try:
        anchors = [
            cert
            for path in args.trust
            for cert in x509.load_pem_x509_certificates(path.read_bytes())
        ]
        data = args.file.read_bytes()
        signature = args.signature.read_bytes() if args.signature else None
    except OSError as exc:
        _error(f"cannot read a file: {exc}")
        return 2
    except ValueError as exc:
        _error(f"a trust anchor is not a PEM certificate: {exc}")
        return 2
    if not anchors:
        _error("give at least one trust anchor with --trust CA.pem")
        return 2
    empty = [
        str(p)
        for p, content in ((args.file, data), (args.signature, signature))
        if p and not content
    ]
    if empty:
        _error(f"empty file: {', '.join(empty)}")
        return 2
    try:
        info = (
            verify(signature, trusted=anchors, detached_data=data)
            if signature
            else verify(data, trusted=anchors)
        )
    except VerificationError as exc:
        print(f"INVALID ({exc.reason}): {exc.message}")
        return 1
    print(f"valid {info.kind} signature by {info.signer}")
    print(
        f"  key id {info.key_id}, signed {info.signing_time.isoformat()}, algorithm {info.algorithm}"
    )
    return 0


def run_generate_dev(args: argparse.Namespace) -> int:
    """Writes a development key and certificate, and says loudly what they are."""
    from signing import generate_dev_key

    key = generate_dev_key(args.out, algorithm=args.algorithm)
    print(
        "WARNING: this is a self-signed DEVELOPMENT key. It is NOT for production: nobody trusts it.",
        file=sys.stderr,
    )
    print(
        f"wrote {args.out / 'key.pem'} (mode 0600) and {args.out / 'cert.pem'}; key id {key.key_id}"
    )
    return 0


def parse_expiry(text: str, *, now: datetime | None = None) -> datetime:
    """An expiry from the command line: ``30d``, ``2026-12-31`` (end of day UTC) or an ISO date-time.

    >>> parse_expiry("30d", now=datetime(2026, 1, 1, tzinfo=UTC)).isoformat()
    '2026-01-31T00:00:00+00:00'
    >>> parse_expiry("2026-03-31").isoformat()
    '2026-03-31T23:59:59+00:00'

    Raises:
        ValueError: The text is none of these, or a date-time without a time zone.
    """
    now = now or datetime.now(UTC)
    text = text.strip()
    if text.endswith("d") and text[:-1].isdigit():
        return now + timedelta(days=int(text[:-1]))
    if len(text) == 10:
        day = datetime.strptime(text, "%Y-%m-%d")
        return day.replace(hour=23, minute=59, second=59, tzinfo=UTC)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("give a time zone, e.g. 2026-12-31T23:59:59Z")
    return moment


def run_create(args: argparse.Namespace) -> int:
    """Creates an API key in the database; exit 0, or 2 when the request breaks the policy."""
    from sqlmodel import Session, select

    from gateway import db
    from gateway.audit import audit_event
    from gateway.auth import KeyPolicyError, check_key_request, create_key
    from gateway.settings import Settings
    from gateway.tables import Tenant

    if args.data_dir is not None:
        os.environ["EGW_DATA_DIR"] = str(args.data_dir)
    settings = Settings()
    try:
        expires_at = parse_expiry(args.expires) if args.expires else None
        check_key_request(args.role, expires_at, auditor_max_days=settings.auditor_key_max_days)
    except ValueError as exc:
        _error(f"--expires {args.expires}: {exc} (expected 30d, YYYY-MM-DD or an ISO date-time)")
        return 2
    except KeyPolicyError as exc:
        for problem in exc.problems:
            _error(f"{problem.field}: {problem.message} ({problem.rule})")
        return 2
    url = settings.resolved_database_url
    if url.startswith("sqlite") and not (settings.data_dir / "gateway.db").is_file():
        _error(f"no gateway database in {settings.data_dir.resolve()}: run egw init first")
        return 2
    engine = db.make_engine(url)
    try:
        with Session(db.writer(engine), expire_on_commit=False) as session, session.begin():
            tenants = session.exec(select(Tenant).order_by(Tenant.id)).all()
            chosen = [t for t in tenants if args.tenant in (None, t.id)]
            if args.tenant is None and len(tenants) > 1:
                _error(
                    "several tenants: choose one with --tenant ID ("
                    + ", ".join(t.id for t in tenants)
                    + ")"
                )
                return 2
            if not chosen:
                _error(f"no tenant {args.tenant}" if args.tenant else "no tenant yet: run egw init")
                return 2
            tenant = chosen[0]
            record, token = create_key(
                session, tenant_id=tenant.id, name=args.name, roles=args.role, expires_at=expires_at
            )
            session.add(
                audit_event(
                    tenant_id=tenant.id,
                    api_key_id=None,
                    action="key.create",
                    target=record.id,
                    detail=f"roles {record.roles}; command line (egw keys create)",
                )
            )
    finally:
        engine.dispose()
    print(
        f"# key {record.id} of tenant {tenant.id}, roles {record.roles}; shown once:",
        file=sys.stderr,
    )
    print(token)
    return 0
