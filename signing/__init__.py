"""Signing: keys, XAdES signatures (enveloped in UBL, detached over exact bytes), verification."""

from signing.errors import SigningError, SigningKeyError, VerificationError
from signing.keys import KeyRing, SigningKey, generate_dev_key, load_pem, load_pkcs12
from signing.verify import SignatureInfo, verify
from signing.xades import SignaturePolicy, sign, sign_detached

__all__ = [
    "SigningKeyError",
    "KeyRing",
    "SignatureInfo",
    "SignaturePolicy",
    "SigningError",
    "SigningKey",
    "VerificationError",
    "generate_dev_key",
    "load_pem",
    "load_pkcs12",
    "sign",
    "sign_detached",
    "verify",
]
