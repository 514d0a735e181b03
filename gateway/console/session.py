"""Console sessions: a signed, expiring cookie naming the API key; CSRF tokens bound to it.

The cookie holds no secret and no personal data: the key's id, its tenant, a
session id and the session's CSRF token, signed (itsdangerous, HMAC-SHA1 over a
secret kept in the data directory) and time-stamped. Every request re-reads the
key, so a revoked or expired key (an auditor's time box) ends its sessions at
once; signing out records the session id, so a copied cookie dies with it.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fastapi import Request, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import Session, select

from gateway.auth import Principal
from gateway.console.errors import ConsoleError
from gateway.tables import ApiKey, AuditEvent

COOKIE = "egw_console"
LOGIN_COOKIE = "egw_console_login"
SIGN_OUT_ACTION = "console.sign-out"
DEFAULT_LIFETIME = 8 * 3600  # a working day; then sign in again


def load_secret(data_dir: Path) -> bytes:
    """The cookie-signing secret: ``<data_dir>/console-secret``, made (mode 0600) on first use."""
    path = data_dir / "console-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


@dataclass(frozen=True)
class ConsoleSession:
    """A signed-in console user: the key's principal, the session id and its CSRF token."""

    principal: Principal
    session_id: str
    csrf: str
    key_name: str

    def has(self, *roles: str) -> bool:
        """Whether the key holds any of ``roles``."""
        return bool(self.principal.roles & set(roles))

    def require(self, *roles: str, to: str) -> None:
        """Refuses (403) a user holding none of ``roles``; ``to`` says what they tried to do."""
        if not self.has(*roles):
            raise ConsoleError(403, f"to {to} you need one of the roles: {', '.join(roles)}")


class Sessions:
    """Issues and checks console cookies for one app."""

    def __init__(self, secret: bytes, *, lifetime: int = DEFAULT_LIFETIME) -> None:
        self._signer = URLSafeTimedSerializer(secret, salt="egw-console-session")
        self._login_signer = URLSafeTimedSerializer(secret, salt="egw-console-login")
        self.lifetime = lifetime

    # -- sign-in form ---------------------------------------------------------

    def login_token(self, response: Response, request: Request) -> str:
        """A CSRF token for the sign-in form, also set as a short-lived cookie (double submit)."""
        token = secrets.token_urlsafe(24)
        _set_cookie(response, request, LOGIN_COOKIE, self._login_signer.dumps(token), 1800)
        return token

    def check_login_token(self, request: Request, submitted: str) -> None:
        """Refuses a sign-in whose form token does not match its cookie (login CSRF)."""
        cookie = request.cookies.get(LOGIN_COOKIE, "")
        try:
            expected = str(self._login_signer.loads(cookie, max_age=1800))
        except BadSignature:
            raise ConsoleError(403, "the sign-in form expired; reload the page") from None
        if not hmac.compare_digest(expected, submitted):
            raise ConsoleError(403, "the sign-in form token does not match; reload the page")

    # -- sessions ---------------------------------------------------------------

    def start(self, response: Response, request: Request, key: ApiKey) -> None:
        """Sets the session cookie for ``key``."""
        payload = {
            "k": key.id,
            "t": key.tenant_id,
            "s": secrets.token_urlsafe(16),
            "c": secrets.token_urlsafe(24),
        }
        _set_cookie(response, request, COOKIE, self._signer.dumps(payload), self.lifetime)
        response.delete_cookie(LOGIN_COOKIE, path="/console")

    def read(self, request: Request, session: Session) -> ConsoleSession | None:
        """The session of this request, or None (no cookie, bad signature, expired, signed out)."""
        cookie = request.cookies.get(COOKIE)
        if not cookie:
            return None
        try:
            payload = self._signer.loads(cookie, max_age=self.lifetime)
        except (SignatureExpired, BadSignature):
            return None
        key = session.get(ApiKey, payload["k"])
        if key is None or key.tenant_id != payload["t"] or not _usable(key):
            return None
        signed_out = session.exec(
            select(AuditEvent.id).where(
                AuditEvent.tenant_id == key.tenant_id,
                AuditEvent.action == SIGN_OUT_ACTION,
                AuditEvent.target == payload["s"],
            )
        ).first()
        if signed_out is not None:
            return None
        principal = Principal(
            key_id=key.id, tenant_id=key.tenant_id, roles=frozenset(key.roles.split(","))
        )
        return ConsoleSession(principal, payload["s"], payload["c"], key.name)

    @staticmethod
    def end(response: Response) -> None:
        """Removes the session cookie."""
        response.delete_cookie(COOKIE, path="/console")


def check_csrf(request: Request, user: ConsoleSession, submitted: str | None) -> None:
    """Refuses a form post without this session's CSRF token, or from another origin."""
    origin = request.headers.get("origin")
    if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise ConsoleError(403, "cross-site form posts are refused")
    if not submitted or not hmac.compare_digest(submitted, user.csrf):
        raise ConsoleError(403, "missing or wrong CSRF token; reload the page and try again")


def _usable(key: ApiKey) -> bool:
    if key.revoked_at is not None:
        return False
    if key.expires_at is None:
        return True
    expires = key.expires_at if key.expires_at.tzinfo else key.expires_at.replace(tzinfo=UTC)
    return expires > datetime.now(UTC)


def _set_cookie(response: Response, request: Request, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=age,
        path="/console",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
