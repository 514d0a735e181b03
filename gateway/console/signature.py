"""Signature status of a stored invoice, verified now against the gateway's key ring."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from gateway.archive.store import Archive
from gateway.tables import StoredInvoice
from signing import KeyRing, verify
from signing.errors import VerificationError
from signing.keys import key_id
from signing.verify import SignatureInfo


@dataclass(frozen=True)
class SignatureStatus:
    """What verifying the stored signature says right now."""

    state: str  # valid | invalid | unsigned
    message: str
    info: SignatureInfo | None = None
    certificate: dict[str, str] | None = None


def check(
    session: Session, archive: Archive, record: StoredInvoice, keys: KeyRing
) -> SignatureStatus:
    """Verifies the enveloped or detached signature of ``record`` over its exact stored bytes."""
    if not record.signature_kind:
        return SignatureStatus("unsigned", "this document carries no gateway signature")
    document = archive.open_blob(session, record, "document")
    try:
        if record.signature_kind == "detached" and record.signature_sha256:
            signature = archive.open_blob(session, record, "signature")
            info = verify(signature, trusted=keys, detached_data=document)
        else:
            info = verify(document, trusted=keys)
    except VerificationError as exc:
        return SignatureStatus("invalid", f"{exc.reason}: {exc.message}")
    cert = next((c for c in keys.certificates if key_id(c) == info.key_id), None)
    certificate = None
    if cert is not None:
        certificate = {
            "subject": cert.subject.rfc4514_string(),
            "issuer": cert.issuer.rfc4514_string(),
            "not_before": cert.not_valid_before_utc.isoformat(),
            "not_after": cert.not_valid_after_utc.isoformat(),
            "serial": format(cert.serial_number, "x"),
        }
    return SignatureStatus(
        "valid", "the signature verifies and its key is trusted", info, certificate
    )
