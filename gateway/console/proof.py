"""Archive proof of one invoice: is its ledger entry inside the latest signed checkpoint?

The same answer as ``GET /v1/invoices/{id}/proof``, and checked here rather than
only computed: the audit path is verified against the checkpoint's signed root
(RFC 9162 section 2.1.3.2), and the root is recomputed from the ledger.

The tree over a checkpoint's entries is the same for every invoice it covers, so
it is built once per signed checkpoint and kept in a small LRU (bounded in trees
and in leaves). Each view still checks the invoice's own row and entry against
the ledger and its audit path against the signed root; tampering with *other*
entries after the tree was cached is what ``egw archive verify`` finds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from gateway.archive import checkpoint, ledger
from gateway.archive.merkle import leaf_hash, verify_inclusion
from gateway.archive.store import Archive
from gateway.archive.trees import TreeCache
from gateway.tables import Checkpoint, StoredInvoice


@dataclass(frozen=True)
class ProofStatus:
    """What the console says about an invoice's place in the signed ledger."""

    state: str  # included | pending | no-checkpoint | mismatch
    message: str
    entry_seq: int
    entry_hash: str
    checkpoint: Checkpoint | None = None
    audit_path: list[str] = field(default_factory=list)

    @property
    def time_stamped(self) -> bool:
        """Whether the checkpoint carries an RFC 3161 time stamp."""
        return self.checkpoint is not None and self.checkpoint.timestamp_token is not None


def status(
    session: Session, archive: Archive, record: StoredInvoice, trees: TreeCache | None = None
) -> ProofStatus:
    """The proof status of ``record`` against its tenant's latest checkpoint.

    Raises:
        IntegrityViolation: The record's row or ledger entry no longer match (as every read does).
    """
    entry = archive.check(session, record)
    head = checkpoint.latest(session, record.tenant_id)
    if head is None:
        return ProofStatus(
            "no-checkpoint",
            "no checkpoint has been made yet: the entry is in the ledger but not yet signed over",
            entry.seq,
            entry.entry_hash,
        )
    if entry.seq >= head.tree_size:
        return ProofStatus(
            "pending",
            "the entry is newer than the latest checkpoint; the next checkpoint will include it",
            entry.seq,
            entry.entry_hash,
            head,
        )
    tree = (trees if trees is not None else TreeCache(max_trees=0)).tree(session, head)
    path = tree.inclusion_proof(entry.seq)
    root = bytes.fromhex(head.root_hash)
    included = tree.root() == root and verify_inclusion(
        entry.seq, head.tree_size, leaf_hash(bytes.fromhex(entry.entry_hash)), path, root
    )
    if not included:
        return ProofStatus(
            "mismatch",
            "the ledger no longer yields the checkpoint's signed root: run an archive verification",
            entry.seq,
            entry.entry_hash,
            head,
        )
    return ProofStatus(
        "included",
        "the entry is inside the latest checkpoint: its audit path leads to the signed root",
        entry.seq,
        entry.entry_hash,
        head,
        [h.hex() for h in path],
    )


def timeline(session: Session, record: StoredInvoice) -> list[dict[str, Any]]:
    """The invoice's ledger events, oldest first (kinds, times and non-personal facts only)."""
    events = []
    for entry in ledger.entries_of(session, record.tenant_id, record.id):
        body = ledger.body_of(entry)
        events.append(
            {
                "seq": entry.seq,
                "kind": entry.kind,
                "time": body["time"] + "Z",
                "facts": body["facts"],
                "entry_hash": entry.entry_hash,
            }
        )
    return events
