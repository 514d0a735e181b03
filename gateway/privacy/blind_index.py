"""Blind index: keyed tokens (HMAC-SHA256) of party identifiers, for exact search without clear text.

A token is ``HMAC(index key, tenant | kind | normalised value)``. The index key is
a gateway secret wrapped by the key-encryption key (see ``gateway.archive.vault``),
so the tokens in the database reveal nothing without it, and the same value in
two tenants gives unrelated tokens. Normalisation makes search forgiving where
people expect it: VAT ids ignore case, spaces, dots and dashes; names and e-mails
ignore case and repeated spaces.

>>> key = bytes(32)
>>> token(key, "T1", "vat", "de 136 695 976") == token(key, "T1", "vat", "DE136695976")
True
>>> token(key, "T1", "name", "Anna  Müller") == token(key, "T1", "name", "anna müller")
True
>>> token(key, "T1", "name", "x") == token(key, "T2", "name", "x")
False
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from typing import Any

from gateway.privacy.personal import is_natural_person

KINDS = ("vat", "legal", "name", "email", "endpoint")


def normalise(kind: str, value: str) -> str:
    """The search form of a value of one kind."""
    text = unicodedata.normalize("NFC", value).strip()
    if kind in ("vat", "legal", "endpoint"):
        return re.sub(r"[\s.\-/]", "", text).upper()
    return " ".join(text.casefold().split())


def token(key: bytes, tenant_id: str, kind: str, value: str) -> str:
    """The blind-index token of one value (64 hex digits)."""
    message = f"{tenant_id}|{kind}|{normalise(kind, value)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def party_tokens(key: bytes, tenant_id: str, party: Any) -> set[str]:
    """Tokens of every identifier of a party a user may search by."""
    values: list[tuple[str, str]] = [("name", party.name)]
    if party.trading_name:
        values.append(("name", party.trading_name))
    if party.vat_id:
        values.append(("vat", party.vat_id))
    if party.legal_id is not None:
        values.append(("legal", party.legal_id.value))
    if party.electronic_address is not None:
        values.append(("endpoint", party.electronic_address.value))
    if party.contact is not None and party.contact.email:
        values.append(("email", party.contact.email))
    return {token(key, tenant_id, kind, value) for kind, value in values if value}


def query_tokens(key: bytes, tenant_id: str, text: str) -> set[str]:
    """Tokens a search text could match, whatever kind of identifier it is."""
    return {token(key, tenant_id, kind, text) for kind in KINDS}


def person_key(key: bytes, tenant_id: str, party: Any) -> str:
    """The column key of a party: clear for an organisation, ``h:<token>`` for a natural person."""
    from gateway.privacy.personal import party_key

    if not is_natural_person(party):
        return party_key(party)
    return "h:" + token(key, tenant_id, "name", party.name)[:64]
