"""Large files (auditor exports) sealed in chunks, so neither storing nor serving one needs it in memory.

A file is cut into chunks of ``CHUNK_BYTES``; each chunk is sealed (AES-256-GCM)
under the file's data key with associated data naming the owner, the file and
the chunk's position, and stored as a blob of its own. A manifest listing the
chunks in order, the file's size and its SHA-256 is sealed the same way and
stored last: its blob reference is the file's reference. A chunk moved,
dropped, repeated or altered fails to open or fails the manifest's count.

Files stored before chunking (one sealed blob, slot ``<slot>``) still open.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from gateway.archive.envelope import associated_data, open_sealed, seal
from gateway.archive.errors import SealBroken
from gateway.blobstore import BlobBackend

CHUNK_BYTES = 512 * 1024  # two of these (clear and sealed) in memory at a time


def _chunk_aad(owner: str, file_id: str, slot: str, index: int) -> bytes:
    return associated_data(owner, file_id, f"{slot}:chunk:{index}")


def _manifest_aad(owner: str, file_id: str, slot: str) -> bytes:
    return associated_data(owner, file_id, f"{slot}:manifest")


def store(
    blobs: BlobBackend, data_key: bytes, source: IO[bytes], *, owner: str, file_id: str, slot: str
) -> str:
    """Seals ``source`` (read from its current position) chunk by chunk; returns the file's reference."""
    chunks: list[str] = []
    digest = hashlib.sha256()
    size = 0
    while block := source.read(CHUNK_BYTES):
        digest.update(block)
        size += len(block)
        chunks.append(
            blobs.put(seal(data_key, block, _chunk_aad(owner, file_id, slot, len(chunks))))
        )
    manifest = {"v": 1, "chunks": chunks, "size": size, "sha256": digest.hexdigest()}
    return blobs.put(
        seal(data_key, json.dumps(manifest).encode(), _manifest_aad(owner, file_id, slot))
    )


@dataclass(frozen=True)
class SealedFile:
    """A stored file, opened: its size and SHA-256, and its bytes chunk by chunk."""

    blobs: BlobBackend
    data_key: bytes
    owner: str
    file_id: str
    slot: str
    chunks: list[str]
    size: int
    sha256: str
    whole: bytes | None = None  # a file stored before chunking

    def iter_bytes(self) -> Iterator[bytes]:
        """The file's bytes in order; a chunk that does not open ends the stream with SealBroken."""
        if self.whole is not None:
            yield self.whole
            return
        for index, ref in enumerate(self.chunks):
            yield open_sealed(
                self.data_key,
                self.blobs.get(ref),
                _chunk_aad(self.owner, self.file_id, self.slot, index),
            )


def open_file(
    blobs: BlobBackend, data_key: bytes, ref: str, *, owner: str, file_id: str, slot: str
) -> SealedFile:
    """Opens the manifest of a stored file (the chunks are read as they are iterated).

    Raises:
        SealBroken: The manifest (or a file stored whole) does not open under this key.
        BlobMissingError: The blob is gone or altered.
    """
    sealed = blobs.get(ref)
    try:
        manifest = json.loads(open_sealed(data_key, sealed, _manifest_aad(owner, file_id, slot)))
    except SealBroken:
        whole = open_sealed(data_key, sealed, associated_data(owner, file_id, slot))
        return SealedFile(
            blobs,
            data_key,
            owner,
            file_id,
            slot,
            [],
            len(whole),
            hashlib.sha256(whole).hexdigest(),
            whole,
        )
    return SealedFile(
        blobs,
        data_key,
        owner,
        file_id,
        slot,
        list(manifest["chunks"]),
        int(manifest["size"]),
        str(manifest["sha256"]),
    )
