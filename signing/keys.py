"""Signing keys: loading (PEM, PKCS#12), development keys, key ids and rotation.

A key id is the hex SHA-256 fingerprint of the signing certificate (DER). The
private key is never part of a key's ``repr``/``str``, never logged and never
returned by any API.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from signing.errors import SigningKeyError

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def key_id(certificate: x509.Certificate) -> str:
    """The key id of a certificate: the hex SHA-256 of its DER encoding."""
    return certificate.fingerprint(hashes.SHA256()).hex()


def _check_strength(private_key: object, source: str) -> PrivateKey:
    if isinstance(private_key, rsa.RSAPrivateKey):
        if private_key.key_size < 2048:
            raise SigningKeyError(
                f"{source}: RSA keys need at least 2048 bits, this one has {private_key.key_size}",
                rule="signing.key-too-weak",
                value=source,
            )
        return private_key
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        if private_key.curve.key_size < 256:
            raise SigningKeyError(
                f"{source}: ECDSA keys need a curve of at least 256 bits (P-256)",
                rule="signing.key-too-weak",
                value=source,
            )
        return private_key
    raise SigningKeyError(
        f"{source}: only RSA (2048+) and ECDSA (P-256+) keys are supported",
        rule="signing.key-type",
        value=source,
    )


@dataclass(frozen=True, repr=False)
class SigningKey:
    """A private key with its certificate and chain. Its repr never shows the private key."""

    private_key: PrivateKey = field(repr=False)
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def key_id(self) -> str:
        """Hex SHA-256 fingerprint of the certificate."""
        return key_id(self.certificate)

    @property
    def algorithm(self) -> str:
        """``RSA-<bits>`` or ``ECDSA-<curve>``."""
        if isinstance(self.private_key, rsa.RSAPrivateKey):
            return f"RSA-{self.private_key.key_size}"
        return f"ECDSA-{self.private_key.curve.name}"

    @property
    def subject(self) -> str:
        """The certificate subject (RFC 4514)."""
        return self.certificate.subject.rfc4514_string()

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.key_id[:16]}..., subject={self.subject!r}, algorithm={self.algorithm})"

    __str__ = __repr__

    def certificate_pem(self) -> bytes:
        """The certificate as PEM (public: safe to publish)."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def _read(path: Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise SigningKeyError(
            f"cannot read the {what} {path}: {exc.strerror}",
            rule="signing.file-unreadable",
            field="signing_key" if what in {"key file", "PKCS#12 file"} else "signing_cert",
            value=str(path),
        ) from exc


def load_pem(
    key_path: Path | str,
    cert_path: Path | str,
    *,
    password: bytes | str | None = None,
    chain_paths: Iterable[Path | str] = (),
) -> SigningKey:
    """Loads a signing key and its certificate (and chain) from PEM files.

    Raises:
        SigningKeyError: Unreadable files, a wrong password, a weak key, or a certificate
            that does not belong to the key.
    """
    secret = password.encode() if isinstance(password, str) else password
    try:
        private_key = serialization.load_pem_private_key(
            _read(Path(key_path), "key file"), password=secret
        )
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(
            f"cannot load the private key {key_path}: wrong password or not a PEM key ({exc})",
            rule="signing.key-unreadable",
            value=str(key_path),
        ) from exc
    try:
        certificate = x509.load_pem_x509_certificate(_read(Path(cert_path), "certificate file"))
        chain = tuple(
            cert
            for path in chain_paths
            for cert in x509.load_pem_x509_certificates(_read(Path(path), "chain file"))
        )
    except ValueError as exc:
        raise SigningKeyError(
            f"cannot load the certificate: {exc}",
            rule="signing.cert-unreadable",
            field="signing_cert",
            value=str(cert_path),
        ) from exc
    return _assemble(private_key, certificate, chain, str(key_path))


def load_pkcs12(path: Path | str, *, password: bytes | str | None) -> SigningKey:
    """Loads a signing key, certificate and chain from a PKCS#12 bundle.

    Raises:
        SigningKeyError: Unreadable file, wrong password, no certificate, or a weak key.
    """
    secret = password.encode() if isinstance(password, str) else password
    try:
        private_key, certificate, extra = pkcs12.load_key_and_certificates(
            _read(Path(path), "PKCS#12 file"), secret
        )
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(
            f"cannot open the PKCS#12 bundle {path}: wrong password or damaged file",
            rule="signing.key-unreadable",
            value=str(path),
        ) from exc
    if private_key is None or certificate is None:
        raise SigningKeyError(
            f"the PKCS#12 bundle {path} holds no private key with a certificate",
            rule="signing.pkcs12-incomplete",
            value=str(path),
        )
    return _assemble(private_key, certificate, tuple(extra or ()), str(path))


def _assemble(
    private_key: object,
    certificate: x509.Certificate,
    chain: tuple[x509.Certificate, ...],
    source: str,
) -> SigningKey:
    checked = _check_strength(private_key, source)
    public = checked.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    cert_public = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if public != cert_public:
        raise SigningKeyError(
            f"{source}: the certificate does not belong to this private key",
            rule="signing.cert-mismatch",
            field="signing_cert",
            value=source,
        )
    return SigningKey(private_key=checked, certificate=certificate, chain=chain)


def generate_dev_key(
    out_dir: Path | str | None = None,
    *,
    algorithm: str = "ECDSA",
    common_name: str = "einvoice-gateway DEVELOPMENT key (not for production)",
    valid_days: int = 365,
) -> SigningKey:
    """Creates a self-signed development key and certificate; writes ``key.pem`` and ``cert.pem``.

    The key file is written with mode 0600. These keys are for development and
    tests only: nobody trusts them.
    """
    private_key: PrivateKey
    if algorithm.upper().startswith("RSA"):
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    else:
        private_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "einvoice-gateway development"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(private_key, hashes.SHA256())
    )
    key = SigningKey(private_key=private_key, certificate=certificate)
    if out_dir is not None:
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        key_file = folder / "key.pem"
        data = private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        (folder / "cert.pem").write_bytes(key.certificate_pem())
    return key


class KeyRing:
    """Several signing keys, one current: new documents use the current key, old ones still verify."""

    def __init__(self, keys: Sequence[SigningKey] = (), *, current: str | None = None) -> None:
        self._keys: dict[str, SigningKey] = {}
        self._retired: dict[str, x509.Certificate] = {}
        self._current: str | None = None
        for key in keys:
            self.add(key)
        if current is not None:
            self.make_current(current)

    def add(self, key: SigningKey, *, make_current: bool = True) -> None:
        """Adds a key (by default it becomes current, retiring the previous one for signing)."""
        self._keys[key.key_id] = key
        if make_current or self._current is None:
            self._current = key.key_id

    def make_current(self, key_id_: str) -> None:
        """Makes a known key the one that signs."""
        if key_id_ not in self._keys:
            raise SigningKeyError(
                f"no key with id {key_id_} in the key ring",
                rule="signing.keyring-unknown-id",
                field="key_id",
                value=key_id_,
            )
        self._current = key_id_

    @property
    def current(self) -> SigningKey:
        """The key that signs new documents."""
        if self._current is None:
            raise SigningKeyError("the key ring is empty", rule="signing.keyring-empty")
        return self._keys[self._current]

    def get(self, key_id_: str) -> SigningKey | None:
        """The key with that id, if any."""
        return self._keys.get(key_id_)

    def keys(self) -> list[SigningKey]:
        """Every key of the ring, oldest first."""
        return list(self._keys.values())

    def retire(self, certificate: x509.Certificate) -> None:
        """Adds the certificate of a key that no longer signs, so its documents still verify."""
        self._retired[key_id(certificate)] = certificate

    @property
    def certificates(self) -> list[x509.Certificate]:
        """Every certificate of the ring, retired ones included (trusted for verification)."""
        return [k.certificate for k in self._keys.values()] + [
            c for i, c in self._retired.items() if i not in self._keys
        ]

    def __len__(self) -> int:
        return len(self._keys)
