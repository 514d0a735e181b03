"""RFC 3161 time stamps for checkpoints, through the maintained ``rfc3161-client`` library.

The gateway asks a time-stamp authority (``EGW_TSA_URL``) to stamp the SHA-256 of
a checkpoint's signature and keeps the whole response (``.tsr``): it verifies
with ``openssl ts -verify -in checkpoint.tsr -data checkpoint.sig -CAfile tsa.pem``
as well as with :func:`verify_token`.
"""

from __future__ import annotations

import base64

import httpx2
from cryptography import x509
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from gateway.archive.errors import TimestampError


def request_token(url: str, message: bytes, *, timeout: float = 10.0) -> bytes:
    """Asks the TSA at ``url`` to stamp ``message``; returns the DER time-stamp response.

    Raises:
        TimestampError: Unreachable TSA, an error status, or a token not over this message.
    """
    request = (
        TimestampRequestBuilder()
        .data(message)
        .hash_algorithm(HashAlgorithm.SHA256)
        .cert_request(cert_request=True)
        .nonce(nonce=True)
        .build()
    )
    try:
        response = httpx2.post(
            url,
            content=request.as_bytes(),
            headers={"Content-Type": "application/timestamp-query"},
            timeout=timeout,
        )
    except httpx2.HTTPError as exc:
        raise TimestampError(
            f"the time-stamp authority is unreachable ({type(exc).__name__})"
        ) from None
    if response.status_code != 200:
        raise TimestampError(f"the time-stamp authority answered HTTP {response.status_code}")
    try:
        decoded = decode_timestamp_response(response.content)
    except ValueError:
        raise TimestampError(
            "the time-stamp authority's answer is not a time-stamp response"
        ) from None
    if PKIStatus(decoded.status) not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampError(f"the time-stamp authority refused (status {decoded.status})")
    if decoded.tst_info.nonce != request.nonce:
        raise TimestampError("the time stamp does not answer this request (nonce differs)")
    return response.content


def verify_token(token: bytes, message: bytes, trusted: list[x509.Certificate]) -> str:
    """Verifies a time-stamp response over ``message`` against trusted TSA roots.

    Returns:
        The time the TSA vouches for (ISO 8601).

    Raises:
        TimestampError: The token does not verify.
    """
    try:
        decoded = decode_timestamp_response(token)
    except ValueError:
        raise TimestampError("the stored time stamp cannot be decoded") from None
    builder = VerifierBuilder()
    for certificate in trusted:
        builder = builder.add_root_certificate(certificate)
    try:
        builder.build().verify_message(decoded, message)
    except VerificationError as exc:
        raise TimestampError(f"the time stamp does not verify: {exc}") from None
    return decoded.tst_info.gen_time.isoformat()


def encode(token: bytes) -> str:
    """Base64 for a database column."""
    return base64.b64encode(token).decode("ascii")


def decode(text: str) -> bytes:
    """The DER bytes of a stored token."""
    return base64.b64decode(text)
