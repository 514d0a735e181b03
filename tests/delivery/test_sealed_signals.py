"""Signals of received AS4 messages are sealed: with their invoice when they have one, else alone."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlmodel import Session

from gateway.archive import attachments, ledger
from gateway.archive.envelope import associated_data, open_sealed
from gateway.db import writer
from gateway.delivery import received
from gateway.delivery.tables import As4Inbound
from gateway.tables import StoredInvoice
from tests.api.drafts import api_draft
from tests.delivery.timeline import assert_archive_intact

SIGNAL = "<S12:Envelope><S12:Body><eb:Receipt>answered here</eb:Receipt></S12:Body></S12:Envelope>"


def _invoice(gateway) -> StoredInvoice:
    created = gateway.client.post("/v1/invoices", json=api_draft("SIG-1"), headers=gateway.erp)
    assert created.status_code == 201, created.text
    with Session(gateway.app.state.engine) as session:
        record = session.get(StoredInvoice, created.json()["id"])
        assert record is not None
        return record


def _legacy_row(gateway, message_id: str, tenant_id: str, invoice_id: str | None) -> None:
    """A row as revision 0010 wrote it: the signal in clear."""
    with gateway.app.state.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO as4_inbound (message_id, tenant_id, invoice_id, outcome, receipt,"
                " receipt_content_type, received_at) VALUES (:m, :t, :i, 'accepted', :r,"
                " 'application/soap+xml', :at)"
            ),
            {
                "m": message_id,
                "t": tenant_id,
                "i": invoice_id,
                "r": SIGNAL,
                "at": datetime.now(UTC),
            },
        )


def _open_own(gateway, row: As4Inbound) -> bytes:
    archive = gateway.app.state.archive
    with Session(gateway.app.state.engine) as session:
        key = archive.vault.open_key(session, row.data_key_id)
    return open_sealed(
        key,
        archive.blobs.get(row.receipt_ref),
        associated_data(row.tenant_id, row.message_id, attachments.SIGNAL),
    )


def test_signals_kept_in_clear_are_sealed_at_startup(gateway):
    record = _invoice(gateway)
    app = gateway.app
    _legacy_row(gateway, "bound@legacy", record.tenant_id, record.id)
    _legacy_row(gateway, "alone@legacy", record.tenant_id, None)
    assert received.seal_legacy(app.state.engine, app.state.archive) == 2
    assert received.seal_legacy(app.state.engine, app.state.archive) == 0  # once only
    with Session(app.state.engine) as session:
        bound = session.get(As4Inbound, "bound@legacy")
        alone = session.get(As4Inbound, "alone@legacy")
        assert bound is not None and alone is not None
        assert bound.receipt is None and alone.receipt is None
        assert bound.data_key_id == record.data_key_id  # shredded with the invoice
        assert alone.data_key_id not in (None, record.data_key_id)
        (entry,) = [
            e
            for e in ledger.entries_of(session, record.tenant_id, record.id)
            if e.kind == received.LEGACY_SEALED
        ]
        (kept,) = attachments.listed(ledger.body_of(entry)["facts"])
        assert (kept.sha256, kept.ref) == (bound.receipt_sha256, bound.receipt_ref)
        assert ledger.body_of(entry)["blobs"] == [kept.sha256]
        opened = attachments.open_attachment(app.state.archive, session, record, kept)
        assert opened == SIGNAL.encode()
    assert _open_own(gateway, alone) == SIGNAL.encode()
    assert_archive_intact(app)
    # The bound signal is under the ledger's watch: altering it is found.
    path = app.state.blobs._path(bound.receipt_ref)
    path.write_bytes(b"EGW1" + bytes(40))
    with Session(app.state.engine) as session:
        from gateway.archive.verify import verify_archive

        result = verify_archive(
            session, app.state.archive, certificates=app.state.keys.certificates
        )
    assert [(p.kind, p.record_id) for p in result.problems] == [("blob-changed", record.id)]


def test_a_signal_of_no_invoice_gets_a_key_of_its_own(gateway):
    record = _invoice(gateway)
    app = gateway.app
    with Session(writer(app.state.engine)) as session, session.begin():
        attachment = received.keep(
            app.state.archive,
            session,
            tenant_id=record.tenant_id,
            message_id="rejected@new",
            outcome="rejected",
            signal=SIGNAL.encode(),
            content_type="application/soap+xml",
            record=None,
        )
    assert attachment is None  # nothing to ledger: no invoice
    with Session(app.state.engine) as session:
        row = session.get(As4Inbound, "rejected@new")
        assert row is not None and row.receipt is None and row.invoice_id is None
    assert b"answered here" not in app.state.blobs.get(row.receipt_ref)
    assert _open_own(gateway, row) == SIGNAL.encode()


def test_receipts_and_responses_stored_in_clear_are_sealed_by_the_upgrade_step(
    gateway, monkeypatch, capsys
):
    from datetime import date

    from gateway.archive import purge
    from tests.archive.helpers import cli

    app = gateway.app
    live = _invoice(gateway)
    created = gateway.client.post("/v1/invoices", json=api_draft("SIG-2"), headers=gateway.erp)
    purged_id = created.json()["id"]
    clear = {}
    for record_id, kind, fact, data in (
        (live.id, "delivery.receipt", "receipt_sha256", b"<Receipt>clear</Receipt>"),
        (purged_id, "invoice.response", "document_sha256", b"<ApplicationResponse/>"),
    ):
        clear[record_id] = app.state.blobs.put(data)  # as delivery stored them before
        with Session(writer(app.state.engine)) as session, session.begin():
            ledger.append(
                session,
                live.tenant_id,
                kind,
                record_id=record_id,
                facts={fact: clear[record_id]},
            )
    purge.purge_record(app.state.engine, app.state.archive, purged_id, date(2035, 1, 1))
    assert app.state.blobs.exists(clear[purged_id])  # purge knew nothing of the clear copy

    # The upgrade step an operator runs: egw archive seal-legacy.
    code, out = cli(gateway, monkeypatch, capsys, "archive", "seal-legacy")
    assert code == 0 and "sealed 2 " in out, out
    assert received.seal_legacy_blobs(app.state.engine, app.state.archive) == 0
    assert not any(app.state.blobs.exists(sha) for sha in clear.values())
    with Session(app.state.engine) as session:
        record = session.get(StoredInvoice, live.id)
        assert record is not None
        (kept,) = attachments.of_record(session, record)
        assert (kept.kind, kept.sha256) == (attachments.RECEIPT, clear[live.id])
        opened = attachments.open_attachment(app.state.archive, session, record, kept)
        assert opened == b"<Receipt>clear</Receipt>"
    assert_archive_intact(app)
