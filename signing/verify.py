"""Verification of XAdES signatures: digest, signature value, signing certificate and trust.

signxml checks the cryptography (every reference digest, the signature value and
the SigningCertificateV2 digest); this module decides trust: the signing
certificate must be one of the trusted certificates, or be issued by one, and be
valid at the signing time the signature states.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from lxml import etree
from signxml.exceptions import (
    InvalidCertificate,
    InvalidDigest,
    InvalidInput,
)
from signxml.exceptions import (
    InvalidSignature as SignxmlInvalidSignature,
)
from signxml.xades.xades import XAdESSignatureConfiguration, XAdESVerifier

from schemas.errors import XmlInputError
from schemas.xml_input import parse_xml
from signing.errors import VerificationError
from signing.keys import KeyRing, key_id

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"


@dataclass(frozen=True)
class SignatureInfo:
    """What a valid signature says: who signed, with which key and algorithm, and when."""

    kind: str
    signer: str
    key_id: str
    signing_time: datetime.datetime
    algorithm: str


def _signing_certificate(signature: etree._Element) -> x509.Certificate:
    value = signature.findtext(f".//{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    if not value:
        raise VerificationError(
            "no-certificate", "the signature carries no signing certificate (ds:X509Certificate)"
        )
    import base64

    return x509.load_der_x509_certificate(base64.b64decode("".join(value.split())))


def _signing_time(signature: etree._Element) -> datetime.datetime:
    text = signature.findtext(f".//{{{XADES}}}SigningTime")
    if not text:
        raise VerificationError("no-signing-time", "the signature has no XAdES SigningTime")
    moment = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    if certificate.issuer != issuer.subject:
        return False
    public_key = issuer.public_key()
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(
                certificate.signature,
                certificate.tbs_certificate_bytes,
                padding.PKCS1v15(),
                certificate.signature_hash_algorithm,  # type: ignore[arg-type]
            )
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            algorithm = certificate.signature_hash_algorithm
            if algorithm is None:
                return False
            public_key.verify(
                certificate.signature, certificate.tbs_certificate_bytes, ec.ECDSA(algorithm)
            )
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _check_trust(
    certificate: x509.Certificate, trusted: Sequence[x509.Certificate], at: datetime.datetime
) -> None:
    for anchor in trusted:
        if anchor == certificate or _issued_by(certificate, anchor):
            break
    else:
        raise VerificationError(
            "untrusted",
            f"the signing certificate ({certificate.subject.rfc4514_string()}, key id {key_id(certificate)[:16]}...) "
            "is not trusted: it is not a trust anchor and not issued by one",
        )
    if not (certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc):
        raise VerificationError(
            "expired",
            f"the signing certificate was not valid at the signing time {at.isoformat()} "
            f"(valid {certificate.not_valid_before_utc.isoformat()} to {certificate.not_valid_after_utc.isoformat()})",
        )


def verify(
    xml: bytes,
    *,
    trusted: Sequence[x509.Certificate] | KeyRing,
    detached_data: bytes | None = None,
) -> SignatureInfo:
    """Verifies an enveloped (UBL) or detached XAdES signature.

    Args:
        xml: The signed UBL document, or the detached signature document.
        trusted: Trust anchors: certificates (pinned signing certificates or CAs), or a key ring.
        detached_data: For a detached signature, the exact bytes of the signed document.

    Raises:
        VerificationError: With a reason: ``malformed``, ``no-signature``, ``digest``
            (the signed content changed), ``signature-value``, ``certificate-digest``
            (a swapped certificate), ``untrusted``, ``expired``.
    """
    anchors = trusted.certificates if isinstance(trusted, KeyRing) else list(trusted)
    try:
        root = parse_xml(xml).getroot()
    except XmlInputError as exc:
        raise VerificationError(
            "malformed", f"the signed document is not acceptable XML: {exc.message}"
        ) from exc
    signatures = list(root.iter(f"{{{DS}}}Signature"))
    if len(signatures) != 1:
        raise VerificationError(
            "no-signature", f"expected exactly one ds:Signature, found {len(signatures)}"
        )
    signature = signatures[0]
    certificate = _signing_certificate(signature)
    signing_time = _signing_time(signature)
    kind = "detached" if detached_data is not None else "enveloped"
    config = XAdESSignatureConfiguration(expect_references=3)
    try:
        XAdESVerifier().verify(
            xml,
            x509_cert=certificate,
            expect_config=config,
            uri_resolver=(lambda uri: detached_data) if detached_data is not None else None,
        )
    except InvalidDigest as exc:
        reason = "certificate-digest" if "cert" in str(exc).lower() else "digest"
        raise VerificationError(
            reason, f"the signed content does not match its digest: {exc}"
        ) from exc
    except (SignxmlInvalidSignature, InvalidCertificate) as exc:
        message = str(exc)
        reason = (
            "certificate-digest"
            if "certificate" in message.lower() and "digest" in message.lower()
            else "signature-value"
        )
        raise VerificationError(reason, f"the signature does not verify: {message}") from exc
    except InvalidInput as exc:
        raise VerificationError("malformed", f"the signature cannot be checked: {exc}") from exc
    _check_trust(certificate, anchors, signing_time)
    algorithm = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}SignatureMethod")
    return SignatureInfo(
        kind=kind,
        signer=certificate.subject.rfc4514_string(),
        key_id=key_id(certificate),
        signing_time=signing_time,
        algorithm=algorithm.get("Algorithm", "") if algorithm is not None else "",
    )
