"""Envelope encryption: per-record data keys (AES-256-GCM) wrapped by a key-encryption key.

Every archived record gets a data key of its own. Its artefacts (document,
signature, invoice JSON, report, trace) are sealed with that key, each with
associated data naming the tenant, the record and the artefact, so that an
artefact moved to another record, or another slot of the same record, fails
to open. The data key is stored only wrapped (RFC 3394 AES key wrap) by the
key-encryption key (KEK); destroying the wrapped key crypto-shreds the record.

Rotating the KEK re-wraps data keys; the sealed artefacts are not touched.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from gateway.archive.errors import ArchiveKeyError, SealBroken

SEAL_MAGIC = b"EGW1"
TEXT_PREFIX = "egw1:"
NONCE_BYTES = 12


@dataclass(frozen=True)
class KeyEncryptionKey:
    """A 256-bit key-encryption key; its id is public, its bytes never leave this value."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != 32:
            raise ArchiveKeyError("a key-encryption key must be 32 bytes (256 bits)")

    @property
    def key_id(self) -> str:
        """A public identifier: the first 16 hex digits of SHA-256 over a label and the key."""
        return hashlib.sha256(b"egw-kek-id|" + self.secret).hexdigest()[:16]

    @classmethod
    def from_text(cls, text: str) -> KeyEncryptionKey:
        """Reads a KEK given as base64 (44 characters) or hex (64 characters)."""
        value = text.strip()
        try:
            raw = (
                bytes.fromhex(value) if len(value) == 64 else base64.b64decode(value, validate=True)
            )
        except ValueError:
            raise ArchiveKeyError(
                "the key-encryption key is neither base64 nor hex of 32 bytes"
            ) from None
        return cls(raw)

    @classmethod
    def generate(cls) -> KeyEncryptionKey:
        """A new random KEK (development installs only)."""
        return cls(os.urandom(32))

    def to_text(self) -> str:
        """The key as base64, for a key file."""
        return base64.b64encode(self.secret).decode("ascii")

    def wrap(self, data_key: bytes) -> bytes:
        """Wraps a data key (RFC 3394)."""
        return aes_key_wrap(self.secret, data_key)

    def unwrap(self, wrapped: bytes) -> bytes:
        """Unwraps a data key wrapped by this KEK.

        Raises:
            ArchiveKeyError: The wrapped key was not made by this KEK, or was altered.
        """
        try:
            return aes_key_unwrap(self.secret, wrapped)
        except InvalidUnwrap:
            raise ArchiveKeyError(
                "a data key does not unwrap with this key-encryption key"
            ) from None


class KeyChain:
    """The current KEK (wraps new keys) and previous ones (still unwrap until rotation ends)."""

    def __init__(self, current: KeyEncryptionKey, previous: list[KeyEncryptionKey] | None = None):
        self.current = current
        self._by_id = {k.key_id: k for k in [*(previous or []), current]}

    def get(self, kek_id: str) -> KeyEncryptionKey:
        """The KEK with that id.

        Raises:
            ArchiveKeyError: No configured KEK has that id.
        """
        kek = self._by_id.get(kek_id)
        if kek is None:
            raise ArchiveKeyError(
                f"key-encryption key {kek_id} is not configured (set it in EGW_PREVIOUS_KEK_FILES)"
            )
        return kek


def new_data_key() -> bytes:
    """A fresh 256-bit data key."""
    return AESGCM.generate_key(bit_length=256)


def associated_data(tenant_id: str, record_id: str, slot: str) -> bytes:
    """What a sealed artefact is bound to: its tenant, its record and its slot in the record."""
    return f"egw-seal|{tenant_id}|{record_id}|{slot}".encode()


def seal(data_key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypts bytes: ``EGW1 || nonce || ciphertext+tag``."""
    nonce = os.urandom(NONCE_BYTES)
    return SEAL_MAGIC + nonce + AESGCM(data_key).encrypt(nonce, plaintext, aad)


def open_sealed(data_key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """Decrypts what :func:`seal` made.

    Raises:
        SealBroken: Wrong key, wrong record or slot, or altered bytes.
    """
    if not sealed.startswith(SEAL_MAGIC) or len(sealed) < len(SEAL_MAGIC) + NONCE_BYTES + 16:
        raise SealBroken("not a sealed artefact")
    nonce = sealed[len(SEAL_MAGIC) : len(SEAL_MAGIC) + NONCE_BYTES]
    try:
        return AESGCM(data_key).decrypt(nonce, sealed[len(SEAL_MAGIC) + NONCE_BYTES :], aad)
    except Exception:  # cryptography raises InvalidTag; nothing else is expected here
        raise SealBroken(
            "a sealed artefact does not open: altered, or moved from another record"
        ) from None


def seal_text(data_key: bytes, text: str, aad: bytes) -> str:
    """Seals a text for a database column (``egw1:<base64>``)."""
    return TEXT_PREFIX + base64.b64encode(seal(data_key, text.encode(), aad)).decode("ascii")


def open_text(data_key: bytes, column: str, aad: bytes) -> str:
    """Opens a column sealed by :func:`seal_text`."""
    if not column.startswith(TEXT_PREFIX):
        raise SealBroken("a column that must be sealed holds clear text")
    try:
        raw = base64.b64decode(column[len(TEXT_PREFIX) :], validate=True)
    except ValueError:
        raise SealBroken("a sealed column is not valid base64") from None
    return open_sealed(data_key, raw, aad).decode()
