"""Document blobs: exact bytes, content-addressed by SHA-256, written once, never overwritten.

A blob is written to a temporary file in the same folder, flushed and fsynced, then
renamed into place atomically, and the folder is fsynced; a crash leaves either no
blob or the whole blob. Writing a blob that exists is a no-op (same name, same bytes).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Protocol

from schemas.errors import GatewayError


class BlobMissingError(GatewayError):
    """A record points at a blob that is not in the store (never expected: it is a corruption)."""

    status_code = 500


class BlobBackend(Protocol):
    """Where sealed blobs live: a local folder (embedded default) or an S3 bucket with Object Lock."""

    def put(self, data: bytes, *, retain_until: date | None = None) -> str:
        """Stores bytes durably (locked until ``retain_until`` where the store can) -> SHA-256."""
        ...

    def get(self, sha256: str) -> bytes:
        """The bytes, checked against their name (BlobMissingError otherwise)."""
        ...

    def delete(self, sha256: str) -> bool:
        """Removes a blob after its retention; False when it was not there."""
        ...

    def exists(self, sha256: str) -> bool:
        """Whether the blob is present."""
        ...

    def set_legal_hold(self, sha256: str, on: bool) -> None:
        """Places or lifts the store's own legal hold on a blob (a no-op where there is none)."""
        ...

    def probe(self) -> str:
        """``ok`` when a write would succeed now, else the reason (for readiness)."""
        ...


class BlobStore:
    """A folder of blobs named by their SHA-256 (``ab/cdef...``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes, *, retain_until: date | None = None) -> str:
        """Stores bytes durably and returns their SHA-256 (a folder has no retention lock)."""
        sha256 = hashlib.sha256(data).hexdigest()
        path = self._path(sha256)
        if path.exists():
            return sha256
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return sha256

    def get(self, sha256: str) -> bytes:
        """Reads a blob and checks its hash.

        Raises:
            BlobMissingError: The blob is missing or its bytes no longer match their name.
        """
        path = self._path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise BlobMissingError(f"blob {sha256} is missing from the store") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BlobMissingError(f"blob {sha256} is corrupt: its bytes do not match its hash")
        return data

    def delete(self, sha256: str) -> bool:
        """Removes a blob (purge after retention only); False when it was not there."""
        try:
            self._path(sha256).unlink()
        except FileNotFoundError:
            return False
        return True

    def exists(self, sha256: str) -> bool:
        """Whether the blob is present."""
        return self._path(sha256).is_file()

    def set_legal_hold(self, sha256: str, on: bool) -> None:
        """A folder has no object legal hold: the database's holds are what protects blobs here."""

    def probe(self) -> str:
        """Writes, syncs and removes a small file: permission bits say nothing about a full disk."""
        try:
            with tempfile.NamedTemporaryFile(
                dir=self.root, prefix=".readyz-", delete=True
            ) as probe:
                probe.write(b"readyz" * 512)
                probe.flush()
                os.fsync(probe.fileno())
        except OSError as exc:
            return f"cannot write: {exc.strerror or type(exc).__name__}"
        return "ok"

    def writable(self) -> bool:
        """Whether the store can be written (for readiness checks)."""
        return os.access(self.root, os.W_OK)
