"""Data keys in the database, wrapped by the key-encryption key; shredding and KEK rotation.

Only this module unwraps keys. A destroyed key leaves its row (so the record can
say "shredded" instead of "missing") with the wrapped bytes gone.
"""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from gateway.archive.envelope import KeyChain, new_data_key
from gateway.archive.errors import ArchiveKeyError, RecordShredded
from gateway.db import writer
from gateway.ids import new_id
from gateway.tables import DataKey, KeyMaterial

_INSERT_KEY = insert(DataKey.__table__)  # type: ignore[attr-defined]


def utcnow() -> datetime:
    """Now, in UTC (microsecond precision, which both databases keep)."""
    return datetime.now(UTC)


class Vault:
    """Creates, opens and destroys data keys under a chain of key-encryption keys."""

    def __init__(self, keks: KeyChain) -> None:
        self.keks = keks
        self._material: dict[str, bytes] = {}

    def new_key(self, session: Session, tenant_id: str) -> tuple[str, bytes]:
        """A new data key for one record: (its id, its bytes). The row joins the caller's transaction."""
        key = new_data_key()
        key_id = new_id()
        session.connection().execute(
            _INSERT_KEY,
            {
                "id": key_id,
                "tenant_id": tenant_id,
                "kek_id": self.keks.current.key_id,
                "wrapped": base64.b64encode(self.keks.current.wrap(key)).decode("ascii"),
                "created_at": utcnow(),
                "destroyed_at": None,
            },
        )
        return key_id, key

    def open_key(self, session: Session, key_id: str) -> bytes:
        """The bytes of a data key.

        Raises:
            RecordShredded: The key was destroyed when its record was purged.
            ArchiveKeyError: The key row is missing or does not unwrap.
        """
        row = session.get(DataKey, key_id)
        if row is None:
            raise ArchiveKeyError(f"data key {key_id} is missing")
        if row.wrapped is None or row.kek_id is None:
            raise RecordShredded(f"data key {key_id} was destroyed (record purged)")
        return self.keks.get(row.kek_id).unwrap(base64.b64decode(row.wrapped))

    def destroy(self, session: Session, key_id: str) -> bool:
        """Destroys a data key (crypto-shredding); False when it was already gone."""
        row = session.get(DataKey, key_id)
        if row is None or row.wrapped is None:
            return False
        row.wrapped = None
        row.kek_id = None
        row.destroyed_at = utcnow()
        session.add(row)
        return True

    def material(self, session: Session, name: str) -> bytes:
        """A gateway-wide secret (e.g. the blind-index key), created on first use.

        A reading session never writes it: on SQLite its deferred transaction would
        have to upgrade to the write lock (503 under concurrent writers), and on any
        database its uncommitted row would be rolled back while this process kept
        using the key, so blind indexes written afterwards would not survive a
        restart. The secret is created in a writing transaction of its own instead,
        or, when the caller's session already writes, in the caller's transaction
        (not cached until a later read finds it committed).
        """
        cached = self._material.get(name)
        if cached is not None:
            return cached
        row = session.get(KeyMaterial, name)
        if row is not None:
            secret = self.keks.get(row.kek_id).unwrap(base64.b64decode(row.wrapped))
            self._material[name] = secret
            return secret
        bind = session.get_bind()
        if bind.get_execution_options().get("immediate", False):
            return self._create_material(session, name)  # commits or rolls back with the caller
        try:
            with Session(writer(bind.engine)) as own, own.begin():
                found = own.get(KeyMaterial, name)
                secret = (
                    self.keks.get(found.kek_id).unwrap(base64.b64decode(found.wrapped))
                    if found is not None
                    else self._create_material(own, name)
                )
        except IntegrityError:  # another process made it first (PostgreSQL): use theirs
            with Session(bind.engine) as fresh:
                made = fresh.get(KeyMaterial, name)
                assert made is not None
                secret = self.keks.get(made.kek_id).unwrap(base64.b64decode(made.wrapped))
        self._material[name] = secret
        return secret

    def _create_material(self, session: Session, name: str) -> bytes:
        secret = os.urandom(32)
        session.add(
            KeyMaterial(
                name=name,
                kek_id=self.keks.current.key_id,
                wrapped=base64.b64encode(self.keks.current.wrap(secret)).decode("ascii"),
                created_at=utcnow(),
            )
        )
        session.flush()
        return secret

    def rotate(self, session: Session) -> int:
        """Re-wraps every live key under the current KEK; returns how many were re-wrapped.

        Afterwards the previous KEKs open nothing: no wrapped key made by them is left.
        """
        current = self.keks.current
        count = 0
        for row in session.exec(select(DataKey).where(DataKey.wrapped.is_not(None))).all():  # type: ignore[union-attr]
            if row.kek_id == current.key_id or row.wrapped is None or row.kek_id is None:
                continue
            key = self.keks.get(row.kek_id).unwrap(base64.b64decode(row.wrapped))
            row.wrapped = base64.b64encode(current.wrap(key)).decode("ascii")
            row.kek_id = current.key_id
            session.add(row)
            count += 1
        for material in session.exec(select(KeyMaterial)).all():
            if material.kek_id == current.key_id:
                continue
            secret = self.keks.get(material.kek_id).unwrap(base64.b64decode(material.wrapped))
            material.wrapped = base64.b64encode(current.wrap(secret)).decode("ascii")
            material.kek_id = current.key_id
            session.add(material)
            count += 1
        return count
