"""Signed checkpoints: the ledger's Merkle root at a size, signed by the gateway's key.

The signed statement is plain text, so an auditor can check it with ``openssl dgst``:

    egw-checkpoint/v1
    tenant: <tenant id>
    tree_size: <number of ledger entries covered>
    root: <hex Merkle tree hash, RFC 9162>
    time: <UTC ISO 8601>
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from sqlmodel import Session, col, select

from gateway.archive import ledger, timestamp
from gateway.archive.errors import TimestampError
from gateway.archive.merkle import MerkleTree
from gateway.archive.vault import utcnow
from gateway.ids import new_id
from gateway.tables import Checkpoint, LedgerEntry
from signing.keys import SigningKey


@dataclass(frozen=True)
class Statement:
    """What a checkpoint says."""

    tenant_id: str
    tree_size: int
    root_hex: str
    time: str

    def text(self) -> str:
        """The exact text that is signed."""
        return (
            "egw-checkpoint/v1\n"
            f"tenant: {self.tenant_id}\n"
            f"tree_size: {self.tree_size}\n"
            f"root: {self.root_hex}\n"
            f"time: {self.time}\n"
        )

    @classmethod
    def parse(cls, text: str) -> Statement:
        """Reads a statement back (raises ValueError when it is not one)."""
        lines = text.split("\n")
        if lines[0] != "egw-checkpoint/v1" or len(lines) < 5:
            raise ValueError("not an egw checkpoint statement")
        fields = dict(line.split(": ", 1) for line in lines[1:5])
        return cls(
            tenant_id=fields["tenant"],
            tree_size=int(fields["tree_size"]),
            root_hex=fields["root"],
            time=fields["time"],
        )


def sign_statement(statement: Statement, key: SigningKey) -> bytes:
    """Signs a statement (RSA PKCS#1 v1.5 or ECDSA, SHA-256): the raw signature bytes."""
    data = statement.text().encode()
    private = key.private_key
    if isinstance(private, rsa.RSAPrivateKey):
        return private.sign(data, padding.PKCS1v15(), hashes.SHA256())
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    return private.sign(data, ec.ECDSA(hashes.SHA256()))


def verify_statement(statement_text: str, signature: bytes, certificate: x509.Certificate) -> bool:
    """Whether a signature over a statement verifies with a certificate's public key."""
    public = certificate.public_key()
    data = statement_text.encode()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def b64(data: bytes) -> str:
    """Base64 text."""
    return base64.b64encode(data).decode("ascii")


# -- database side ----------------------------------------------------------------


def ledger_tree(session: Session, tenant_id: str) -> tuple[MerkleTree, list[LedgerEntry]]:
    """The Merkle tree over a tenant's whole ledger, and its entries."""
    entries = list(ledger.entries(session, tenant_id))
    return MerkleTree([bytes.fromhex(e.entry_hash) for e in entries]), entries


def make_checkpoint(
    session: Session, tenant_id: str, key: SigningKey, *, tsa_url: str | None = None
) -> Checkpoint:
    """Signs the current ledger head of a tenant (and time-stamps it when a TSA is set).

    The checkpoint covers every entry before it and is itself recorded in the
    ledger, so a later checkpoint commits to the earlier one. A TSA that fails
    leaves the checkpoint signed, with a note saying why it is not time-stamped.
    """
    tree, _ = ledger_tree(session, tenant_id)
    statement = Statement(
        tenant_id=tenant_id,
        tree_size=tree.size,
        root_hex=tree.root().hex(),
        time=ledger.timestamp(utcnow()) + "Z",
    )
    signature = sign_statement(statement, key)
    token: str | None = None
    note: str | None = "not time-stamped: no time-stamp authority configured (EGW_TSA_URL)"
    if tsa_url:
        try:
            token, note = timestamp.encode(timestamp.request_token(tsa_url, signature)), None
        except TimestampError as exc:
            note = f"not time-stamped: {exc.message}"[:300]
    row = Checkpoint(
        id=new_id(),
        tenant_id=tenant_id,
        tree_size=tree.size,
        root_hash=statement.root_hex,
        created_at=utcnow(),
        statement=statement.text(),
        signature=b64(signature),
        signing_key_id=key.key_id,
        timestamp_token=token,
        timestamp_note=note,
    )
    session.add(row)
    ledger.append(
        session,
        tenant_id,
        ledger.CHECKPOINT,
        record_id=row.id,
        facts={
            "tree_size": row.tree_size,
            "root": row.root_hash,
            "signature_sha256": ledger.sha256_hex(signature),
            "time_stamped": token is not None,
        },
    )
    return row


def latest(session: Session, tenant_id: str) -> Checkpoint | None:
    """The newest checkpoint of a tenant."""
    return session.exec(
        select(Checkpoint)
        .where(Checkpoint.tenant_id == tenant_id)
        .order_by(col(Checkpoint.tree_size).desc(), col(Checkpoint.created_at).desc())
    ).first()


def public(row: Checkpoint) -> dict[str, object]:
    """A checkpoint as the API and exports show it."""
    return {
        "id": row.id,
        "tree_size": row.tree_size,
        "root_hash": row.root_hash,
        "created_at": ledger.timestamp(row.created_at) + "Z",
        "statement": row.statement,
        "signature": row.signature,
        "signing_key_id": row.signing_key_id,
        "timestamp_token": row.timestamp_token,
        "time_stamped": row.timestamp_token is not None,
        "timestamp_note": row.timestamp_note,
    }
