"""``egw sign``, ``egw verify`` and ``egw keys generate-dev``: XAdES signatures from the command line.

``egw verify`` exits 0 when the signature is valid, 1 when it is not, 2 when a file
cannot be read.
"""

from __future__ import annotations

import argparse
import sys
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
