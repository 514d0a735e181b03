"""The blob store: exact bytes, content-addressed, written once, corruption detected."""

from __future__ import annotations

import hashlib

import pytest

from gateway.blobstore import BlobMissingError, BlobStore


def test_put_get_and_idempotent_writes(tmp_path):
    store = BlobStore(tmp_path)
    data = b"<Invoice/>\n\x00\xff"
    sha = store.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.get(sha) == data
    assert store.put(data) == sha  # same bytes, same name, nothing rewritten
    assert not list(tmp_path.rglob(".tmp-*"))


def test_missing_and_corrupt_blobs_are_errors(tmp_path):
    store = BlobStore(tmp_path)
    with pytest.raises(BlobMissingError, match="missing"):
        store.get("0" * 64)
    sha = store.put(b"original")
    (tmp_path / sha[:2] / sha).write_bytes(b"changed")
    with pytest.raises(BlobMissingError, match="corrupt"):
        store.get(sha)
