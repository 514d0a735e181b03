"""Archive benchmark: CPU per accepted invoice (sealing, index, ledger), verification and export times.

Usage::

    python -m bench.archive [--invoices 500] [--verify-records 100000] [--export-records 10000]
                            [--database-url postgresql+psycopg://...]

Figures printed:

* sealing: envelope encryption of one invoice's artefacts (document, signature,
  three JSON columns) plus the data-key wrap, CPU per invoice;
* admit: the whole archive step of a submission (data key, sealing, blob writes,
  blind index, retention, ledger append), CPU per invoice, in its own transaction;
* verify: ``verify_archive`` over an archive of N records (every chain link,
  record, blob and seal), wall time and records/s;
* export: ``build_export`` of N invoices, wall time and documents/s.

The records of the large archive are written 500 per transaction to keep the
set-up short; each is a real sealed record with its ledger entry.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlmodel import Session

from gateway import db
from gateway.app import bootstrap_tenant
from gateway.archive.envelope import KeyChain, KeyEncryptionKey, associated_data, seal, seal_text
from gateway.archive.export import build_export
from gateway.archive.store import Accepted, Archive
from gateway.archive.vault import Vault
from gateway.archive.verify import verify_archive
from gateway.blobstore import BlobStore
from schemas import ubl
from schemas.model import InvoiceDraft
from signing import generate_dev_key, sign
from tax_rules import complete_with_trace
from tests.api.drafts import api_draft


def _accepted(signing_key) -> tuple[Accepted, object]:
    completion = complete_with_trace(InvoiceDraft.model_validate(api_draft("BENCH-0")))
    invoice = completion.invoice
    from schemas import profiles

    document = sign(ubl.render(invoice, profile=profiles.get("en16931")), signing_key)
    accepted = Accepted(
        invoice=invoice,
        profile="en16931",
        syntax="ubl",
        direction="outbound",
        document=document,
        signature=None,
        signature_kind="enveloped",
        signing_key_id=signing_key.key_id,
        report_json=json.dumps({"valid": True, "findings": []}),
        trace_json=json.dumps(completion.trace.to_json()),
    )
    return accepted, invoice


def _numbered(accepted: Accepted, invoice, number: int) -> Accepted:
    renumbered = invoice.model_copy(update={"number": f"BENCH-{number}"})
    return Accepted(**{**accepted.__dict__, "invoice": renumbered})


def bench_sealing(accepted: Accepted, rounds: int) -> float:
    kek = KeyEncryptionKey.generate()
    invoice_json = accepted.invoice.model_dump_json(exclude_none=True)
    start = time.thread_time()
    for number in range(rounds):
        key = os.urandom(32)
        kek.wrap(key)
        record = f"R{number}"
        seal(key, accepted.document, associated_data("T", record, "document"))
        seal_text(key, invoice_json, associated_data("T", record, "invoice"))
        seal_text(key, accepted.report_json, associated_data("T", record, "report"))
        seal_text(key, accepted.trace_json or "", associated_data("T", record, "trace"))
    return (time.thread_time() - start) / rounds * 1000


def build(folder: Path, url: str | None, records: int, accepted, invoice, *, batch: int = 500):
    url = url or f"sqlite:///{folder / 'gateway.db'}"
    db.migrate(url)
    engine = db.make_engine(url)
    tenant_id, _, _ = bootstrap_tenant(engine)
    archive = Archive(
        blobs=BlobStore(folder / "blobs"), vault=Vault(KeyChain(KeyEncryptionKey.generate()))
    )
    cpu = 0.0
    done = 0
    while done < records:
        with Session(db.writer(engine)) as session, session.begin():
            for _ in range(min(batch, records - done)):
                done += 1
                start = time.thread_time()
                archive.admit(
                    session,
                    tenant_id,
                    _numbered(accepted, invoice, done),
                    request_sha256=hashlib.sha256(str(done).encode()).hexdigest(),
                    idempotency_key=None,
                )
                cpu += time.thread_time() - start
    return engine, archive, tenant_id, cpu / records * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=500)
    parser.add_argument("--verify-records", type=int, default=100_000)
    parser.add_argument("--export-records", type=int, default=10_000)
    parser.add_argument("--database-url", help="PostgreSQL URL (a fresh, empty database)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        signing_key = generate_dev_key(Path(tmp) / "keys")
        accepted, invoice = _accepted(signing_key)
        print(f"document: {len(accepted.document)} bytes (the 2-line DESIGN.md draft, signed)")
        print(
            f"sealing (5 artefacts + key wrap): {bench_sealing(accepted, 2000):.3f} ms CPU per invoice"
        )

        folder = Path(tmp) / "admit"
        folder.mkdir()
        engine, _, _, admit_ms = build(folder, None, args.invoices, accepted, invoice, batch=1)
        print(
            f"admit, one transaction each ({args.invoices} invoices, SQLite): {admit_ms:.3f} ms CPU per invoice"
        )
        engine.dispose()

        folder = Path(tmp) / "big"
        folder.mkdir()
        started = time.perf_counter()
        engine, archive, tenant_id, admit_batch_ms = build(
            folder, args.database_url, args.verify_records, accepted, invoice
        )
        print(
            f"built {args.verify_records} records in {time.perf_counter() - started:.1f} s "
            f"({admit_batch_ms:.3f} ms CPU each in batches of 500)"
        )
        from signing import KeyRing

        ring = KeyRing([signing_key])
        started = time.perf_counter()
        with Session(engine) as session:
            result = verify_archive(session, archive, certificates=ring.certificates)
        elapsed = time.perf_counter() - started
        assert result.intact, result.problems[:3]
        print(
            f"verify {result.records} records / {result.entries} entries / {result.blobs} blobs: "
            f"{elapsed:.1f} s ({result.records / elapsed:.0f} records/s)"
        )
        buffer = io.BytesIO()
        small = Path(tmp) / "export"
        small.mkdir()
        engine2, archive2, tenant2, _ = build(small, None, args.export_records, accepted, invoice)
        started = time.perf_counter()
        summary = build_export(
            engine2,
            archive2,
            tenant_id=tenant2,
            period_from=date(2026, 1, 1),
            period_to=date(2026, 12, 31),
            signing_key=signing_key,
            certificates=ring.certificates,
            out=buffer,
        )
        elapsed = time.perf_counter() - started
        print(
            f"export {summary.documents} invoices: {elapsed:.1f} s ({summary.documents / elapsed:.0f}/s), "
            f"{len(buffer.getvalue()) / 1e6:.1f} MB"
        )


if __name__ == "__main__":
    main()
