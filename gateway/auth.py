"""API keys and roles: keys are random tokens shown once and stored only as SHA-256 hashes.

Roles: ``erp`` (submit, read its tenant's submissions), ``compliance`` (read and
search the tenant's archive), ``auditor`` (read-only, time-boxed by the key's
expiry), ``admin`` (the tenant's keys and settings), ``platform`` (the operator of
the gateway: creates tenants, sees none of their data; held by the bootstrap key of
``egw init``). A key never sees another tenant's data.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from gateway.ids import new_id
from gateway.tables import ApiKey
from schemas.errors import GatewayError, Problem

ROLES = ("erp", "compliance", "auditor", "admin", "platform")
KEY_PREFIX = "egw_"


class KeyPolicyError(GatewayError):
    """A key request breaks the key policy (unknown role, expiry missing, past or too far)."""

    status_code = 422


def check_key_request(
    roles: list[str],
    expires_at: datetime | None,
    *,
    auditor_max_days: int,
    now: datetime | None = None,
) -> None:
    """Checks the roles and expiry of a new key against the policy.

    Every key may expire, never in the past; an auditor key must expire, within
    ``auditor_max_days`` (tax audits are time-boxed).

    Raises:
        KeyPolicyError: naming the field (``roles`` or ``expires_at``) and the rule.
    """
    now = now or datetime.now(UTC)
    problems = []
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        problems.append(
            Problem(
                field="roles",
                message=f"unknown or no roles ({', '.join(unknown) or 'none'}); known: {', '.join(ROLES)}",
                rule="key.roles",
            )
        )
    if expires_at is not None and expires_at.tzinfo is None:
        problems.append(
            Problem(
                field="expires_at",
                message="give a time zone, e.g. 2026-12-31T23:59:59Z",
                rule="key.expiry-time-zone",
            )
        )
    elif expires_at is not None and expires_at <= now:
        problems.append(
            Problem(
                field="expires_at",
                message="must be in the future",
                rule="key.expiry-in-past",
                value=expires_at.isoformat(),
            )
        )
    elif "auditor" in roles:
        latest = now + timedelta(days=auditor_max_days)
        if expires_at is None:
            problems.append(
                Problem(
                    field="expires_at",
                    message=f"auditor keys are time-boxed: give an expiry within {auditor_max_days} days",
                    rule="key.auditor-expiry-required",
                )
            )
        elif expires_at > latest:
            problems.append(
                Problem(
                    field="expires_at",
                    message=f"auditor keys expire within {auditor_max_days} days (by {latest.isoformat(timespec='seconds')})",
                    rule="key.auditor-expiry-too-far",
                    value=expires_at.isoformat(),
                )
            )
    if problems:
        raise KeyPolicyError("the key request breaks the key policy", problems=problems)


def hash_key(token: str) -> str:
    """The stored form of a key. Keys are 256-bit random tokens, so a plain SHA-256 suffices."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: which key, which tenant, which roles."""

    key_id: str
    tenant_id: str
    roles: frozenset[str]
    expires_at: datetime | None = None  # the key's own expiry (UTC), checked on every use

    def expired(self, now: datetime | None = None) -> bool:
        """Whether the key has passed its expiry."""
        return self.expires_at is not None and self.expires_at <= (now or datetime.now(UTC))


def create_key(
    session: Session,
    *,
    tenant_id: str,
    name: str,
    roles: list[str],
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Creates a key; returns the stored record and the token, which is never shown again."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(
            f"roles must be some of {', '.join(ROLES)}; got {', '.join(sorted(roles)) or 'none'}"
        )
    token = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(
        id=new_id(),
        tenant_id=tenant_id,
        name=name,
        key_hash=hash_key(token),
        display_prefix=token[:10],
        roles=",".join(sorted(set(roles))),
        created_at=datetime.now(UTC),
        expires_at=expires_at,
    )
    session.add(record)
    return record, token


def authenticate(session: Session, token: str) -> Principal | None:
    """The principal of a token, or None when it is unknown, revoked or expired."""
    record = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(token))).first()
    if record is None or record.revoked_at is not None:
        return None
    expires = record.expires_at
    if expires is not None and expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    principal = Principal(
        key_id=record.id,
        tenant_id=record.tenant_id,
        roles=frozenset(record.roles.split(",")),
        expires_at=expires,
    )
    return None if principal.expired() else principal


class KeyCache:
    """API keys seen recently (key hash -> principal), so that most requests read no database.

    An entry is trusted for ``ttl`` seconds after it was read from the database;
    then the next request reads the key again. Within one process, revoking a key
    calls :meth:`forget`, which takes effect at once. With several worker processes
    (``egw serve --workers N``, or several hosts), the other processes learn of a
    revocation when their entry ages out: ``ttl`` bounds how long a revoked key can
    still be used there (default 0.5 s, so "within a second" holds everywhere).
    A key's expiry needs no invalidation: it is part of the entry and checked on
    every use. Only keys that authenticated are cached (unknown tokens are not,
    so guessing cannot fill the cache), and at most ``max_entries`` of them.
    """

    def __init__(
        self,
        *,
        ttl: float = 0.5,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        # Requests run on the event loop and in the thread pool: mutations take the lock.
        self._lock = threading.Lock()
        self._generation = 0  # bumped by every invalidation

    def get(self, token: str) -> Principal | None:
        """The cached principal of a token, if it was read less than ``ttl`` ago and has not expired."""
        key_hash = hash_key(token)
        entry = self._entries.get(key_hash)
        if entry is None:
            return None
        principal, read_at = entry
        if self._clock() - read_at >= self.ttl or principal.expired():
            with self._lock:
                self._entries.pop(key_hash, None)
            return None
        return principal

    def start_read(self) -> tuple[float, int]:
        """Call before reading a key from the database; hand the result to :meth:`put`."""
        return self._clock(), self._generation

    def put(self, token: str, principal: Principal, *, started: tuple[float, int]) -> None:
        """Remembers a principal read from the database (``started``: from :meth:`start_read`).

        The entry ages from the moment the read started, so it is never trusted longer
        than ``ttl`` after the database said the key was valid; and a read that a
        revocation in this process overtook is not cached at all.
        """
        read_at, generation = started
        key_hash = hash_key(token)
        with self._lock:
            if generation != self._generation:
                return
            self._entries[key_hash] = (principal, read_at)
            self._entries.move_to_end(key_hash)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, key_id: str) -> None:
        """Drops a key (revoked in this process) so that its next use reads the database."""
        with self._lock:
            self._generation += 1
            for key_hash in [h for h, (p, _) in self._entries.items() if p.key_id == key_id]:
                del self._entries[key_hash]

    def clear(self) -> None:
        """Drops every entry."""
        with self._lock:
            self._generation += 1
            self._entries.clear()
