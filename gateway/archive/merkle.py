"""Merkle tree over the ledger, as Certificate Transparency defines it (RFC 9162, section 2.1).

Leaves are ledger entry hashes. ``leaf = SHA-256(0x00 || entry_hash)``, ``node =
SHA-256(0x01 || left || right)``; the tree of n leaves splits at the largest power
of two below n. Inclusion and consistency proofs, and their verification, follow
the RFC's algorithms, so any RFC 9162 verifier can check them.

>>> leaves = [bytes([i]) * 32 for i in range(5)]
>>> tree = MerkleTree(leaves)
>>> verify_inclusion(3, 5, leaf_hash(leaves[3]), tree.inclusion_proof(3), tree.root())
True
>>> verify_consistency(3, 5, MerkleTree(leaves[:3]).root(), tree.root(), tree.consistency_proof(3))
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """The leaf hash of one ledger entry hash."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class MerkleTree:
    """A tree over a list of entry hashes; levels are computed once, proofs read them."""

    def __init__(self, entries: Sequence[bytes]) -> None:
        level = [leaf_hash(e) for e in entries]
        self.size = len(level)
        # levels[0] are the leaves; a last node without a sibling is carried up unchanged,
        # which gives exactly RFC 9162's tree (split at the largest power of two).
        self.levels: list[list[bytes]] = [level]
        while len(level) > 1:
            paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                paired.append(level[-1])
            level = paired
            self.levels.append(level)

    def root(self) -> bytes:
        """The Merkle tree hash of all leaves (SHA-256 of nothing for an empty tree)."""
        return self.levels[-1][0] if self.size else EMPTY_ROOT

    def subtree_root(self, size: int) -> bytes:
        """The root of the tree over the first ``size`` leaves (an earlier version of this tree)."""
        if size == 0:
            return EMPTY_ROOT
        if not 0 < size <= self.size:
            raise IndexError(f"no prefix of size {size} in a tree of {self.size}")
        return self._subtree(0, size)

    def inclusion_proof(self, index: int) -> list[bytes]:
        """The audit path of leaf ``index`` in the whole tree (RFC 9162 2.1.3.1)."""
        if not 0 <= index < self.size:
            raise IndexError(f"leaf {index} is outside a tree of {self.size}")
        proof = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                proof.append(level[sibling])
            index //= 2
        return proof

    def _subtree(self, start: int, end: int) -> bytes:
        """The hash of leaves [start, end) of this tree."""
        n = end - start
        if n == 1:
            return self.levels[0][start]
        size = n & -n  # an aligned power-of-two range is one node of a level
        if size == n and start % n == 0:
            return self.levels[n.bit_length() - 1][start // n]
        k = _split(n)
        return node_hash(self._subtree(start, start + k), self._subtree(start + k, end))

    def consistency_proof(self, old_size: int) -> list[bytes]:
        """Proof that the tree of the first ``old_size`` leaves is a prefix of this one (2.1.4.1)."""
        if not 0 < old_size <= self.size:
            raise IndexError(f"no consistency proof from size {old_size} to {self.size}")
        return self._subproof(old_size, 0, self.size, True)

    def _subproof(self, m: int, start: int, end: int, complete: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if complete else [self._subtree(start, end)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, start, start + k, complete), self._subtree(start + k, end)]
        return [*self._subproof(m - k, start + k, end, False), self._subtree(start, start + k)]


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """Checks an inclusion proof (RFC 9162 2.1.3.2)."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Checks a consistency proof (RFC 9162 2.1.4.2)."""
    if old_size > new_size or old_size == 0:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root starts the path
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
