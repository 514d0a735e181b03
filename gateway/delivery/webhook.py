"""Webhooks: events signed with HMAC-SHA256 over ``timestamp.body`` (Stripe-style ``t=...,v1=...``).

A receiver checks a delivery with :func:`verify_signature`: it recomputes the
MAC with the endpoint's secret over the timestamp and the exact body, compares
in constant time, and refuses timestamps older than its tolerance (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from urllib.parse import urlsplit

SIGNATURE_HEADER = "Egw-Signature"
EVENT_ID_HEADER = "Egw-Event-Id"
DEFAULT_TOLERANCE_SECONDS = 300

# The event types a tenant can subscribe to.
EVENT_TYPES = (
    "invoice.accepted",
    "invoice.received",
    "delivery.queued",
    "delivery.delivered",
    "delivery.failed",
    "delivery.response",
    "invoice.response",
)


class SignatureMismatch(ValueError):
    """A webhook delivery whose signature header is missing, malformed, stale or wrong."""


def new_secret() -> str:
    """A fresh endpoint secret (``whsec_`` + 32 random bytes, URL-safe base64)."""
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"{timestamp}." + body`` under the endpoint secret."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The ``Egw-Signature`` header value for a body: ``t=<unix time>,v1=<hex MAC>``."""
    moment = int(time.time()) if timestamp is None else timestamp
    return f"t={moment},v1={signature(secret, moment, body)}"


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes,
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: int | None = None,
) -> int:
    """Checks a delivery's signature; returns its timestamp.

    Raises:
        SignatureMismatch: Missing or malformed header, a timestamp outside the
            tolerance (a replay), or no ``v1`` MAC that matches.
    """
    if not header:
        raise SignatureMismatch(f"the {SIGNATURE_HEADER} header is missing")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        moment = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureMismatch("the signature header has no timestamp t=<unix time>") from None
    current = int(time.time()) if now is None else now
    if abs(current - moment) > tolerance_seconds:
        raise SignatureMismatch(
            f"the signature timestamp is {abs(current - moment)} s away from now "
            f"(tolerance {tolerance_seconds} s): a replay or a wrong clock"
        )
    expected = signature(secret, moment, body)
    if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
        raise SignatureMismatch("no v1 signature matches the body under this secret")
    return moment


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not ip.is_global or ip.is_multicast


def check_url(url: str, *, allow_private: bool, resolve: bool = False) -> str:
    """Checks a webhook URL: absolute http(s), https unless private targets are allowed.

    Without ``allow_private``, a URL naming (or, with ``resolve``, resolving to) a
    loopback, private or link-local address is refused: a webhook must not be a
    way to reach the gateway's own network.

    Raises:
        ValueError: What is wrong with the URL (the message never repeats it).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("must be an absolute https:// URL")
    if parts.username or parts.password:
        raise ValueError("must not carry user or password (use the signature to authenticate)")
    if allow_private:
        return url
    if parts.scheme != "https":
        raise ValueError("must use https")
    host = parts.hostname
    candidates = [host]
    if resolve:
        try:
            candidates = [str(info[4][0]) for info in socket.getaddrinfo(host, parts.port or 443)]
        except OSError as exc:
            raise ValueError("its host name does not resolve") from exc
    for candidate in candidates:
        if candidate == "localhost" or candidate.endswith(".localhost"):
            raise ValueError("must not point at this machine")
        try:
            if _private(str(candidate).split("%")[0]):
                raise ValueError("must not point at a private, loopback or link-local address")
        except ValueError as exc:
            if "must not" in str(exc):
                raise
    return url
