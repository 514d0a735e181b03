"""The console's inclusion proof: one Merkle tree per signed checkpoint, kept in a bounded LRU."""

from __future__ import annotations

from sqlmodel import Session

from gateway.archive.merkle import leaf_hash, verify_inclusion
from gateway.archive.trees import TreeCache
from gateway.console.proof import status
from gateway.tables import StoredInvoice
from tests.archive.helpers import submit
from tests.console.helpers import key_with_roles, sign_in


def _checkpoint(gateway) -> dict:
    made = gateway.client.post("/v1/archive/checkpoints", headers=gateway.admin)
    assert made.status_code == 201, made.text
    return made.json()


def _proof(gateway, trees: TreeCache, invoice_id: str):
    app = gateway.app
    with Session(app.state.engine) as session:
        record = session.get(StoredInvoice, invoice_id)
        assert record is not None
        return status(session, app.state.archive, record, trees)


def _verifies(result) -> bool:
    head = result.checkpoint
    return verify_inclusion(
        result.entry_seq,
        head.tree_size,
        leaf_hash(bytes.fromhex(result.entry_hash)),
        [bytes.fromhex(h) for h in result.audit_path],
        bytes.fromhex(head.root_hash),
    )


def test_the_tree_is_built_once_per_checkpoint_and_proofs_stay_correct(gateway):
    first = [r["id"] for r in submit(gateway, 3, prefix="PC")]
    head = _checkpoint(gateway)
    trees = TreeCache()
    for invoice_id in first * 2:
        result = _proof(gateway, trees, invoice_id)
        assert result.state == "included" and _verifies(result)
    assert trees.builds == 1  # six views, one tree

    # New entries after the checkpoint: the cached tree is the checkpoint's, not the ledger's.
    later = [r["id"] for r in submit(gateway, 2, prefix="PD")]
    assert _proof(gateway, trees, later[0]).state == "pending"
    result = _proof(gateway, trees, first[1])
    assert result.state == "included" and _verifies(result)
    assert result.checkpoint.id == head["id"] and trees.builds == 1

    # A new checkpoint gets a tree of its own; old and new invoices prove against it.
    newer = _checkpoint(gateway)
    for invoice_id in (first[0], later[1]):
        result = _proof(gateway, trees, invoice_id)
        assert result.state == "included" and _verifies(result)
        assert result.checkpoint.id == newer["id"]
        assert result.checkpoint.tree_size == newer["tree_size"] > head["tree_size"]
    assert trees.builds == 2 and len(trees) == 2


def test_the_cache_is_bounded_and_never_keeps_a_mismatching_tree(gateway):
    ids = [r["id"] for r in submit(gateway, 2, prefix="PB")]
    _checkpoint(gateway)
    _checkpoint(gateway)  # two checkpoints: the latest is the one proofs use
    small = TreeCache(max_trees=1)
    _proof(gateway, small, ids[0])
    _checkpoint(gateway)
    _proof(gateway, small, ids[0])
    assert small.builds == 2 and len(small) == 1  # the older tree was evicted

    by_leaves = TreeCache(max_leaves=1)  # every tree here is larger: none is kept
    _proof(gateway, by_leaves, ids[0])
    _proof(gateway, by_leaves, ids[0])
    assert by_leaves.builds == 2 and len(by_leaves) == 0


def test_the_invoice_page_uses_the_apps_cache(gateway):
    ids = [r["id"] for r in submit(gateway, 2, prefix="PP")]
    _checkpoint(gateway)
    sign_in(gateway.client, key_with_roles(gateway, ["auditor"]))
    trees = gateway.app.state.proof_trees
    for invoice_id in ids * 2:
        page = gateway.client.get(f"/console/invoices/{invoice_id}").text
        assert 'id="proof-status" class="ok">Included in the latest checkpoint' in page
    assert trees.builds == 1


def test_the_api_proof_shares_the_cache_and_its_proofs_verify(gateway):
    ids = [r["id"] for r in submit(gateway, 3, prefix="PA")]
    head = _checkpoint(gateway)
    trees = gateway.app.state.proof_trees
    before = trees.builds
    for invoice_id in ids * 2:
        body = gateway.client.get(f"/v1/invoices/{invoice_id}/proof", headers=gateway.erp).json()
        proof = body["inclusion_proof"]
        assert body["included"] and proof["tree_size"] == head["tree_size"]
        assert verify_inclusion(
            proof["leaf_index"],
            proof["tree_size"],
            leaf_hash(bytes.fromhex(body["entry"]["entry_hash"])),
            [bytes.fromhex(h) for h in proof["audit_path"]],
            bytes.fromhex(head["root_hash"]),
        )
    assert trees.builds == before + 1  # six proofs, one tree
