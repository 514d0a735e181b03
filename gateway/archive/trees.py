"""Merkle trees of signed checkpoints, kept in a small LRU for inclusion proofs.

The tree over a checkpoint's entries is the same for every invoice it covers, so
the API's ``/proof`` and the console's invoice page build it once per signed
checkpoint. Bounded in trees and in leaves; only a tree whose root equals the
checkpoint's signed root is kept. Each proof still checks the invoice's own row
and entry against the ledger; tampering with *other* entries after a tree was
cached is what ``egw archive verify`` finds.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from itertools import islice

from sqlmodel import Session

from gateway.archive import ledger
from gateway.archive.merkle import MerkleTree
from gateway.tables import Checkpoint


class TreeCache:
    """Merkle trees of signed checkpoints, least recently used first out.

    Only a tree whose root equals its checkpoint's signed root is kept, keyed by
    the checkpoint (id, tenant, size and root), so a new checkpoint never reuses
    an older tree and a mismatch is recomputed (and reported) on every view.
    """

    def __init__(self, *, max_trees: int = 8, max_leaves: int = 200_000) -> None:
        self.max_trees = max_trees
        self.max_leaves = max_leaves  # about 130 bytes a leaf with its interior nodes
        self.builds = 0  # trees built from the ledger (for tests and metrics)
        self._trees: OrderedDict[tuple[str, str, int, str], MerkleTree] = OrderedDict()
        self._lock = threading.Lock()

    def tree(self, session: Session, head: Checkpoint) -> MerkleTree:
        """The tree over the first ``head.tree_size`` entries of the checkpoint's tenant."""
        key = (head.id, head.tenant_id, head.tree_size, head.root_hash)
        with self._lock:
            cached = self._trees.get(key)
            if cached is not None:
                self._trees.move_to_end(key)
                return cached
        covered = islice(ledger.entries(session, head.tenant_id), head.tree_size)
        tree = MerkleTree([bytes.fromhex(e.entry_hash) for e in covered])
        with self._lock:
            self.builds += 1
            if tree.root().hex() == head.root_hash and tree.size <= self.max_leaves:
                self._trees[key] = tree
                self._evict()
        return tree

    def _evict(self) -> None:
        while self._trees and (
            len(self._trees) > self.max_trees
            or sum(t.size for t in self._trees.values()) > self.max_leaves
        ):
            self._trees.popitem(last=False)

    def __len__(self) -> int:
        return len(self._trees)
