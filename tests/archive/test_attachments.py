"""Receipts, responses and MLRs are sealed with their invoice: verified, and shredded with it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from gateway.archive import attachments, ledger, purge
from gateway.archive.errors import IntegrityViolation
from gateway.archive.verify import verify_archive
from gateway.db import writer
from gateway.tables import StoredInvoice
from tests.archive.helpers import submit

AFTER_RETENTION = date(2035, 1, 1)  # DE drafts of 2026 are kept until 2034-12-31
RECEIPT = (
    b'<S12:Envelope xmlns:S12="urn:x"><Receipt>signed by the receiver</Receipt></S12:Envelope>'
)


def _attach(app, invoice_id: str, kind: str, data: bytes) -> attachments.Attachment:
    """What delivery does with a receipt: sealed with the invoice, ledgered by hash."""
    with Session(writer(app.state.engine)) as session, session.begin():
        record = session.get(StoredInvoice, invoice_id)
        assert record is not None
        kept = attachments.seal_for(app.state.archive, session, record, kind, data)
        ledger.append(
            session,
            record.tenant_id,
            "delivery.receipt",
            record_id=record.id,
            facts={"receipt_sha256": kept.sha256, **attachments.facts(kept)},
            blobs=[kept.sha256],
        )
    return kept


def _verify(app):
    with Session(app.state.engine) as session:
        return verify_archive(session, app.state.archive, certificates=app.state.keys.certificates)


def _kinds(result) -> list[tuple[str, str | None]]:
    return [(p.kind, p.record_id) for p in result.problems]


def test_an_attachment_is_sealed_under_its_invoices_key_and_verified(gateway):
    first, second = (r["id"] for r in submit(gateway, 2))
    app, blobs = gateway.app, gateway.app.state.blobs
    before = _verify(app)
    kept = _attach(app, first, attachments.RECEIPT, RECEIPT)
    # Only the sealed bytes are stored: nothing under the clear bytes' hash, no clear text.
    assert not blobs.exists(kept.sha256) and blobs.exists(kept.ref)
    assert b"signed by the receiver" not in blobs.get(kept.ref)
    result = _verify(app)
    assert result.intact, result.as_dict()
    assert result.blobs == before.blobs + 1
    with Session(app.state.engine) as session:
        record = session.get(StoredInvoice, first)
        other = session.get(StoredInvoice, second)
        assert record is not None and other is not None
        assert attachments.open_attachment(app.state.archive, session, record, kept) == RECEIPT
        assert attachments.of_record(session, record) == [kept]
        # Under another invoice's key (or named as another invoice's), it does not open.
        with pytest.raises(IntegrityViolation):
            attachments.open_attachment(app.state.archive, session, other, kept)


def test_verification_finds_an_altered_or_missing_attachment(gateway):
    (invoice_id,) = (r["id"] for r in submit(gateway, 1))
    app = gateway.app
    kept = _attach(app, invoice_id, attachments.INVOICE_RESPONSE, b"<ApplicationResponse/>")
    path = app.state.blobs._path(kept.ref)
    sealed = path.read_bytes()
    path.write_bytes(sealed[:-1] + bytes([sealed[-1] ^ 1]))
    assert ("blob-changed", invoice_id) in _kinds(_verify(app))
    path.unlink()
    assert ("blob-missing", invoice_id) in _kinds(_verify(app))
    path.write_bytes(sealed)
    assert _verify(app).intact


def test_purging_the_invoice_shreds_and_deletes_its_attachments(gateway):
    gone, kept_invoice = (r["id"] for r in submit(gateway, 2))
    app = gateway.app
    receipt = _attach(app, gone, attachments.RECEIPT, RECEIPT)
    other = _attach(app, kept_invoice, attachments.RECEIPT, RECEIPT + b" ")
    with Session(app.state.engine) as session:
        record = session.get(StoredInvoice, gone)
        assert record is not None and record.data_key_id is not None
        key_id = record.data_key_id
    purged = purge.purge_record(app.state.engine, app.state.archive, gone, AFTER_RETENTION)
    assert purged is None
    assert not app.state.blobs.exists(receipt.ref)
    assert app.state.blobs.exists(other.ref)
    with Session(app.state.engine) as session:
        from gateway.archive.errors import RecordShredded

        with pytest.raises(RecordShredded):
            app.state.archive.vault.open_key(session, key_id)
    result = _verify(app)
    assert result.intact and result.purged == 1, result.as_dict()
