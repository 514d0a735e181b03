"""Proofs, legal holds, purge after retention (crypto-shredding), KEK rotation."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from gateway.archive import purge
from gateway.archive.errors import PurgeRefused
from gateway.archive.merkle import leaf_hash, verify_inclusion
from tests.archive.helpers import cli, key, scalar, submit, verify

AFTER_RETENTION = date(2035, 1, 1)  # DE drafts of 2026 are kept until 2034-12-31


def test_inclusion_proof_verifies_against_the_signed_checkpoint(gateway):
    records = submit(gateway, 3)
    compliance = key(gateway, "compliance")
    proof = gateway.client.get(f"/v1/invoices/{records[1]['id']}/proof", headers=gateway.erp).json()
    assert proof["included"] is False and proof["checkpoint"] is None
    made = gateway.client.post("/v1/archive/checkpoints", headers=compliance)
    assert made.status_code == 201, made.text
    assert made.json()["time_stamped"] is False and "EGW_TSA_URL" in made.json()["timestamp_note"]
    proof = gateway.client.get(f"/v1/invoices/{records[1]['id']}/proof", headers=gateway.erp).json()
    assert proof["included"] is True
    inclusion = proof["inclusion_proof"]
    assert verify_inclusion(
        inclusion["leaf_index"],
        inclusion["tree_size"],
        leaf_hash(bytes.fromhex(proof["entry"]["entry_hash"])),
        [bytes.fromhex(h) for h in inclusion["audit_path"]],
        bytes.fromhex(proof["checkpoint"]["root_hash"]),
    )
    events = gateway.client.get(
        f"/v1/invoices/{records[1]['id']}/events", headers=gateway.erp
    ).json()
    assert [e["kind"] for e in events["events"]] == ["invoice.accepted"]


def test_holds_block_purge_and_purge_shreds(gateway, monkeypatch, capsys):
    kept, held_by_period, gone = submit(gateway, 3)
    compliance = key(gateway, "compliance")
    auditor = key(gateway, "auditor")
    hold = gateway.client.post(
        "/v1/archive/holds",
        json={"scope": "invoice", "invoice_id": kept["id"], "reason": "tax audit 2026"},
        headers=compliance,
    )
    assert hold.status_code == 201, hold.text
    refused = gateway.client.post(
        "/v1/archive/holds", json={"scope": "tenant", "reason": "x"}, headers=auditor
    )
    assert refused.status_code == 403
    bad = gateway.client.post(
        "/v1/archive/holds", json={"scope": "period", "reason": "x"}, headers=compliance
    )
    assert bad.status_code == 422
    archive, engine = gateway.app.state.archive, gateway.app.state.engine
    today = date.today()
    # Nothing is purged before retention ends, and an as-of date after today is refused.
    assert purge.purge(engine, archive, as_of=today, today=today).purged == []
    with pytest.raises(PurgeRefused):
        purge.purge(engine, archive, as_of=AFTER_RETENTION, today=today)
    code, _ = cli(gateway, monkeypatch, capsys, "archive", "purge", "--as-of", "2099-01-01")
    assert code == 1
    # With the clock at the end of retention: the held invoice stays, the others go.
    dry = purge.purge(engine, archive, as_of=AFTER_RETENTION, today=AFTER_RETENTION, dry_run=True)
    assert set(dry.purged) == {held_by_period["id"], gone["id"]} and dry.held == [kept["id"]]
    assert (
        scalar(
            gateway,
            "SELECT count(*) FROM invoice WHERE tenant_id = (SELECT tenant_id FROM invoice WHERE id = :i)",
            i=kept["id"],
        )
        == 3
    )
    data_key = scalar(gateway, "SELECT data_key_id FROM invoice WHERE id = :i", i=gone["id"])
    ref = scalar(gateway, "SELECT document_ref FROM invoice WHERE id = :i", i=gone["id"])
    result = purge.purge(engine, archive, as_of=AFTER_RETENTION, today=AFTER_RETENTION)
    assert set(result.purged) == {held_by_period["id"], gone["id"]}
    assert scalar(gateway, "SELECT wrapped FROM data_key WHERE id = :k", k=data_key) is None
    assert not (Path(gateway.app.state.settings.resolved_blob_dir) / ref[:2] / ref).exists()
    assert gateway.client.get(f"/v1/invoices/{gone['id']}", headers=gateway.erp).status_code == 404
    assert (
        gateway.client.get(f"/v1/invoices/{kept['id']}/xml", headers=gateway.erp).status_code == 200
    )
    tombstones = scalar(gateway, "SELECT count(*) FROM ledger_entry WHERE kind = 'invoice.purged'")
    assert tombstones == 2
    # A second run (or a clock that went backwards) purges nothing twice.
    assert purge.purge(engine, archive, as_of=AFTER_RETENTION, today=AFTER_RETENTION).purged == []
    assert purge.purge(engine, archive, as_of=today, today=today).purged == []
    code, result_json = verify(gateway, monkeypatch, capsys)
    assert code == 0, result_json["problems"]
    assert result_json["purged"] == 2
    # Lifting the hold lets the last one go.
    lifted = gateway.client.post(
        f"/v1/archive/holds/{hold.json()['id']}/lift",
        json={"reason": "audit closed"},
        headers=compliance,
    )
    assert lifted.status_code == 200 and lifted.json()["in_force"] is False
    assert purge.purge(engine, archive, as_of=AFTER_RETENTION, today=AFTER_RETENTION).purged == [
        kept["id"]
    ]
    code, _ = verify(gateway, monkeypatch, capsys)
    assert code == 0


def test_buyer_and_period_holds_cover_their_invoices(gateway):
    records = submit(gateway, 2)
    compliance = key(gateway, "compliance")
    archive, engine = gateway.app.state.archive, gateway.app.state.engine
    for body in (
        {"scope": "buyer", "buyer": "de136695976", "reason": "dispute with buyer"},
        {"scope": "period", "from": "2026-11-01", "to": "2026-11-01", "reason": "fiscal review"},
    ):
        hold = gateway.client.post("/v1/archive/holds", json=body, headers=compliance)
        assert hold.status_code == 201, hold.text
        dry = purge.purge(
            engine, archive, as_of=AFTER_RETENTION, today=AFTER_RETENTION, dry_run=True
        )
        assert dry.purged == [] and set(dry.held) == {r["id"] for r in records}
        gateway.client.post(
            f"/v1/archive/holds/{hold.json()['id']}/lift",
            json={"reason": "done"},
            headers=compliance,
        )
    listed = gateway.client.get("/v1/archive/holds", headers=compliance).json()["data"]
    assert len(listed) == 2 and all(not h["in_force"] for h in listed)
    # Lifting again is a conflict; a hold that is not the tenant's is not found.
    again = gateway.client.post(
        f"/v1/archive/holds/{listed[0]['id']}/lift", json={"reason": "x"}, headers=compliance
    )
    assert again.status_code == 409, again.text
    unknown = gateway.client.post(
        "/v1/archive/holds/no-such-hold/lift", json={"reason": "x"}, headers=compliance
    )
    assert unknown.status_code == 404, unknown.text
    other_compliance = key(gateway, "compliance", admin=gateway.other_admin_key)
    foreign = gateway.client.post(
        f"/v1/archive/holds/{listed[0]['id']}/lift", json={"reason": "x"}, headers=other_compliance
    )
    assert foreign.status_code == 404, foreign.text


def test_kek_rotation_rewraps_every_key(gateway, monkeypatch, capsys, tmp_path):
    from gateway.archive.envelope import KeyEncryptionKey
    from gateway.cli import main

    (record,) = submit(gateway, 1)
    settings = gateway.app.state.settings
    old_file = settings.resolved_kek_file
    new_file = tmp_path / "new-kek"
    new_file.write_text(KeyEncryptionKey.generate().to_text())
    monkeypatch.setenv("EGW_KEK_FILE", str(new_file))
    monkeypatch.setenv("EGW_PREVIOUS_KEK_FILES", f'["{old_file}"]')
    code, out = cli(gateway, monkeypatch, capsys, "archive", "rotate-kek")
    assert code == 0 and "re-wrapped" in out
    # With the new KEK alone everything reads and verifies ...
    monkeypatch.delenv("EGW_PREVIOUS_KEK_FILES")
    code, result = verify(gateway, monkeypatch, capsys)
    assert code == 0, result["problems"]
    # ... and the old KEK alone opens nothing any more.
    monkeypatch.setenv("EGW_KEK_FILE", str(old_file))
    code, result = verify(gateway, monkeypatch, capsys)
    assert code != 0
    assert main(["archive", "verify", "--data-dir", str(settings.data_dir)]) != 0


def test_consistency_proof_between_two_checkpoints(gateway):
    from gateway.archive.merkle import verify_consistency

    compliance = key(gateway, "compliance")
    submit(gateway, 2)
    first = gateway.client.post("/v1/archive/checkpoints", headers=compliance).json()
    submit(gateway, 3, prefix="LATER")
    second = gateway.client.post("/v1/archive/checkpoints", headers=compliance).json()
    answer = gateway.client.get(
        "/v1/archive/checkpoints/consistency",
        params={"first": first["id"], "second": second["id"]},
        headers=gateway.erp,
    )
    assert answer.status_code == 200, answer.text
    proof = [bytes.fromhex(h) for h in answer.json()["consistency_proof"]]
    assert verify_consistency(
        first["tree_size"],
        second["tree_size"],
        bytes.fromhex(first["root_hash"]),
        bytes.fromhex(second["root_hash"]),
        proof,
    )
    assert not verify_consistency(
        first["tree_size"],
        second["tree_size"],
        bytes.fromhex(second["root_hash"]),
        bytes.fromhex(second["root_hash"]),
        proof,
    )


def test_periodic_checkpoints_only_when_the_ledger_grew(gateway):
    from gateway.archive.scheduler import checkpoint_due_tenants

    app = gateway.app
    submit(gateway, 1)
    made = checkpoint_due_tenants(app.state.engine, app.state.keys, interval=0, tsa_url=None)
    assert made >= 1
    # Nothing new since: no second checkpoint, whatever the interval.
    assert checkpoint_due_tenants(app.state.engine, app.state.keys, interval=0, tsa_url=None) == 0
    submit(gateway, 1, prefix="MORE")
    # Grown, but the last checkpoint is younger than the interval.
    assert (
        checkpoint_due_tenants(app.state.engine, app.state.keys, interval=3600, tsa_url=None) == 0
    )
    assert checkpoint_due_tenants(app.state.engine, app.state.keys, interval=0, tsa_url=None) == 1
