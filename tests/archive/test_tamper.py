"""Tamper evidence: any change, deletion, insertion or reordering is found and named.

Each case changes the database or the blob store as someone with direct access
could, then ``egw archive verify`` must exit 1 naming the record and the kind of
problem, and reads of the changed record must fail loudly instead of serving it.
"""

from __future__ import annotations

from pathlib import Path

from tests.archive.helpers import cli, execute, scalar, submit, verify


def _kinds(result):
    return {(p["kind"], p["record"]) for p in result["problems"]}


def test_an_untouched_archive_verifies(gateway, monkeypatch, capsys):
    submit(gateway, 3)
    code, result = verify(gateway, monkeypatch, capsys)
    assert code == 0, result["problems"]
    assert result["records"] == 3 and result["entries"] >= 3 and result["blobs"] == 3
    assert result["intact"] is True


def test_an_updated_amount_is_found_and_not_served(gateway, monkeypatch, capsys):
    first, second = submit(gateway, 2)
    execute(gateway, "UPDATE invoice SET amount_due = '1.00' WHERE id = :id", id=first["id"])
    code, result = verify(gateway, monkeypatch, capsys)
    assert code == 1
    assert ("row-changed", first["id"]) in _kinds(result)
    assert all(p["record"] != second["id"] for p in result["problems"])
    for path in ("", "/xml", "/data", "/report"):
        response = gateway.client.get(f"/v1/invoices/{first['id']}{path}", headers=gateway.erp)
        assert response.status_code == 500
        assert "ledger" in response.json()["title"] or "committed" in response.json()["title"]
    assert (
        gateway.client.get(f"/v1/invoices/{second['id']}/xml", headers=gateway.erp).status_code
        == 200
    )


def test_an_updated_number_is_found(gateway, monkeypatch, capsys):
    (first,) = submit(gateway, 1)
    execute(gateway, "UPDATE invoice SET number = 'OTHER-1' WHERE id = :id", id=first["id"])
    code, result = verify(gateway, monkeypatch, capsys)
    assert code == 1 and ("row-changed", first["id"]) in _kinds(result)


def test_a_deleted_record_is_found(gateway, monkeypatch, capsys):
    first, _ = submit(gateway, 2)
    execute(gateway, "DELETE FROM party_index WHERE invoice_id = :id", id=first["id"])
    execute(gateway, "DELETE FROM invoice WHERE id = :id", id=first["id"])
    code, result = verify(gateway, monkeypatch, capsys)
    assert code == 1 and ("row-missing", first["id"]) in _kinds(result)


def test_a_swapped_blob_reference_is_found_and_not_served(gateway, monkeypatch, capsys):
    first, second = submit(gateway, 2)
    other_ref = scalar(gateway, "SELECT document_ref FROM invoice WHERE id = :id", id=second["id"])
    execute(
        gateway,
        "UPDATE invoice SET document_ref = :ref WHERE id = :id",
        ref=other_ref,
        id=first["id"],
    )
    code, result = verify(gateway, monkeypatch, capsys)
    assert code == 1 and ("row-changed", first["id"]) in _kinds(result)
    assert (
        gateway.client.get(f"/v1/invoices/{first['id']}/xml", headers=gateway.erp).status_code
        == 500
    )


def test_a_changed_blob_byte_is_found_and_not_served(gateway, monkeypatch, capsys):
    (first,) = submit(gateway, 1)
    ref = scalar(gateway, "SELECT document_ref FROM invoice WHERE id = :id", id=first["id"])
    blob = Path(gateway.app.state.settings.resolved_blob_dir) / ref[:2] / ref
    data = bytearray(blob.read_bytes())
    data[100] ^= 0x01
    blob.write_bytes(bytes(data))
    code, result = verify(gateway, monkeypatch, capsys)
    assert code == 1 and ("blob-changed", first["id"]) in _kinds(result)
    assert (
        gateway.client.get(f"/v1/invoices/{first['id']}/xml", headers=gateway.erp).status_code
        == 500
    )


def test_a_missing_blob_is_found(gateway, monkeypatch, capsys):
    (first,) = submit(gateway, 1)
    ref = scalar(gateway, "SELECT document_ref FROM invoice WHERE id = :id", id=first["id"])
    (Path(gateway.app.state.settings.resolved_blob_dir) / ref[:2] / ref).unlink()
    code, result = verify(gateway, monkeypatch, capsys)
    assert code == 1 and ("blob-missing", first["id"]) in _kinds(result)


def test_reordered_ledger_entries_are_found(gateway, monkeypatch, capsys):
    submit(gateway, 3)
    tenant = scalar(gateway, "SELECT tenant_id FROM invoice LIMIT 1")
    # Swap the positions of entries 0 and 1 (through a free slot, as the key is (tenant, seq)).
    execute(
        gateway, "UPDATE ledger_entry SET seq = 1000 WHERE tenant_id = :t AND seq = 0", t=tenant
    )
    execute(gateway, "UPDATE ledger_entry SET seq = 0 WHERE tenant_id = :t AND seq = 1", t=tenant)
    execute(
        gateway, "UPDATE ledger_entry SET seq = 1 WHERE tenant_id = :t AND seq = 1000", t=tenant
    )
    code, result = verify(gateway, monkeypatch, capsys)
    assert code == 1
    assert {"entry-changed", "chain-broken"} & {p["kind"] for p in result["problems"]}


def test_a_removed_last_entry_is_found(gateway, monkeypatch, capsys):
    submit(gateway, 2)
    tenant = scalar(gateway, "SELECT tenant_id FROM invoice LIMIT 1")
    last = scalar(gateway, "SELECT max(seq) FROM ledger_entry WHERE tenant_id = :t", t=tenant)
    execute(gateway, "DELETE FROM ledger_entry WHERE tenant_id = :t AND seq = :s", t=tenant, s=last)
    code, result = verify(gateway, monkeypatch, capsys)
    assert code == 1
    kinds = {p["kind"] for p in result["problems"]}
    assert "head-mismatch" in kinds and "row-not-in-ledger" in kinds


def test_a_forged_checkpoint_is_found(gateway, monkeypatch, capsys):
    submit(gateway, 2)
    code, _ = cli(gateway, monkeypatch, capsys, "archive", "checkpoint")
    assert code == 0
    code, result = verify(gateway, monkeypatch, capsys)
    assert code == 0 and result["checkpoints"] == 2  # one per tenant
    forged = "f" * 64
    execute(
        gateway,
        "UPDATE checkpoint SET statement = replace(statement, root_hash, :r), root_hash = :q",
        r=forged,
        q=forged,
    )
    code, result = verify(gateway, monkeypatch, capsys)
    assert code == 1
    assert {"checkpoint-mismatch", "checkpoint-signature-invalid"} <= {
        p["kind"] for p in result["problems"]
    }


def test_a_rewritten_chain_is_caught_by_the_checkpoint(gateway, monkeypatch, capsys):
    """Someone who recomputes every hash after a change still cannot forge the signed root."""
    from gateway.archive.ledger import chain_hash

    (first,) = submit(gateway, 1)
    code, _ = cli(gateway, monkeypatch, capsys, "archive", "checkpoint")
    tenant = first and scalar(gateway, "SELECT tenant_id FROM invoice LIMIT 1")
    with gateway.app.state.engine.begin() as connection:
        from sqlalchemy import text

        rows = connection.execute(
            text("SELECT seq, body FROM ledger_entry WHERE tenant_id = :t ORDER BY seq"),
            {"t": tenant},
        ).all()
        prev = "0" * 64
        for seq, body in rows:
            if seq == 0:
                body = body.replace('"profile":"en16931"', '"profile":"en16931 "')
            new_hash = chain_hash(prev, body)
            connection.execute(
                text(
                    "UPDATE ledger_entry SET body = :b, prev_hash = :p, entry_hash = :h WHERE tenant_id = :t AND seq = :s"
                ),
                {"b": body, "p": prev, "h": new_hash, "t": tenant, "s": seq},
            )
            prev = new_hash
        connection.execute(
            text("UPDATE ledger_head SET head_hash = :h WHERE tenant_id = :t"),
            {"h": prev, "t": tenant},
        )
    code, result = verify(gateway, monkeypatch, capsys)
    assert code == 1
    assert "checkpoint-mismatch" in {p["kind"] for p in result["problems"]}


def test_unreadable_archive_exits_2(tmp_path, monkeypatch, capsys):
    from gateway.cli import main

    monkeypatch.delenv("EGW_DATABASE_URL", raising=False)
    assert main(["archive", "verify", "--data-dir", str(tmp_path / "nothing-here")]) == 2
