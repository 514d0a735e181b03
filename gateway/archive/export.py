"""Auditor exports: one ZIP a tax auditor can check on their own machine, without the gateway.

Layout::

    README.txt                 how to check everything with sha256sum and openssl
    SHA256SUMS                 ``sha256sum -c SHA256SUMS`` checks every other file
    index.csv, index.json      number, dates, parties' identifiers, totals, VAT breakdown,
                               profile, SHA-256 and file names of every document
    documents/<id>.xml         each original document, byte-exact
    signatures/<id>.xml        detached XAdES signatures (documents signed enveloped carry theirs)
    reports/<id>.json          the validation report stored with each document
    ledger/entries.jsonl       the ledger entries about these documents
    ledger/links/<seq>.bin     prev_hash || body of each entry: its SHA-256 is the entry hash
    ledger/proofs.json         inclusion proof of every entry in the checkpoint's Merkle tree
    checkpoint/statement.txt   the signed tree head, made when the export was built
    checkpoint/signature.sig   its signature (raw bytes)
    checkpoint/timestamp.tsr   its RFC 3161 time stamp, when a TSA is configured
    certificates/*.pem         the gateway's signing certificates (and the TSA's roots)
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import IO, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from gateway.archive import checkpoint, ledger
from gateway.archive.merkle import MerkleTree, leaf_hash, verify_inclusion
from gateway.archive.store import Archive
from gateway.db import writer
from gateway.tables import StoredInvoice
from signing.keys import SigningKey, key_id

README = """\
Auditor export of an e-invoicing archive
========================================

Tenant: {tenant}
Period (issue dates): {period_from} to {period_to}
Documents: {count}
Checkpoint: {tree_size} ledger entries, Merkle root {root}

Everything here can be checked without the gateway, with sha256sum and openssl.

1. Every file is as exported:

       sha256sum -c SHA256SUMS

2. Every document is the one archived: its SHA-256 (``sha256sum documents/<id>.xml``)
   equals the ``sha256`` column of index.csv and the first entry of ``blobs`` in its
   ``invoice.accepted`` line of ledger/entries.jsonl.

3. Every ledger entry is what the chain holds: ``sha256sum ledger/links/<seq>.bin``
   prints the entry's ``entry_hash`` (the file is the previous entry's hash, as 32
   raw bytes, followed by the entry's canonical JSON body).

4. The checkpoint is the gateway's (the certificate named by its key id in
   checkpoint/checkpoint.json is in certificates/):

       openssl x509 -in certificates/signing-<key id>.pem -pubkey -noout > pub.pem
       openssl dgst -sha256 -verify pub.pem -signature checkpoint/signature.sig checkpoint/statement.txt

5. The checkpoint existed at the stamped time (when checkpoint/timestamp.tsr exists):

       openssl ts -verify -in checkpoint/timestamp.tsr -data checkpoint/signature.sig -CAfile <TSA root>

6. Every entry is inside the signed tree: ledger/proofs.json gives, per entry, its
   leaf index and audit path; recompute the root as RFC 9162 section 2.1.3.2 says
   (leaf = SHA-256(0x00 || entry_hash), node = SHA-256(0x01 || left || right)) and
   compare it with the ``root`` line of checkpoint/statement.txt.
   ``egw archive verify-export FILE.zip`` does steps 1 to 6 in one go.
"""

INDEX_COLUMNS = (
    "id",
    "number",
    "type_code",
    "issue_date",
    "direction",
    "profile",
    "currency",
    "seller",
    "seller_vat_id",
    "buyer",
    "buyer_vat_id",
    "total_without_vat",
    "vat_total",
    "amount_due",
    "vat_breakdown",
    "sha256",
    "document",
    "signature",
    "retain_until",
)


@dataclass
class ExportSummary:
    """What went into an export."""

    documents: int = 0
    entries: int = 0
    tree_size: int = 0
    root: str = ""
    restricted_left_out: int = 0
    files: list[str] = field(default_factory=list)


def _period_filter(
    statement: Any, tenant_id: str, period_from: date, period_to: date, include_restricted: bool
) -> Any:
    statement = statement.where(
        StoredInvoice.tenant_id == tenant_id,
        col(StoredInvoice.issue_date) >= period_from,
        col(StoredInvoice.issue_date) <= period_to,
    )
    return (
        statement
        if include_restricted
        else statement.where(col(StoredInvoice.restricted).is_(False))
    )


def _period_ids(
    session: Session, tenant_id: str, period_from: date, period_to: date, include_restricted: bool
) -> list[str]:
    # Ids only: each record (with its sealed columns) is loaded when its turn comes.
    statement = _period_filter(
        select(StoredInvoice.id), tenant_id, period_from, period_to, include_restricted
    )
    return list(session.exec(statement.order_by(col(StoredInvoice.id))).all())


def _index_row(record: StoredInvoice, invoice: dict[str, Any]) -> dict[str, Any]:
    seller, buyer = invoice.get("seller", {}), invoice.get("buyer", {})
    return {
        "id": record.id,
        "number": record.number,
        "type_code": record.type_code,
        "issue_date": record.issue_date.isoformat(),
        "direction": record.direction,
        "profile": record.profile,
        "currency": record.currency,
        "seller": seller.get("name"),
        "seller_vat_id": seller.get("vat_id"),
        "buyer": buyer.get("name"),
        "buyer_vat_id": buyer.get("vat_id"),
        "total_without_vat": record.total_without_vat,
        "vat_total": record.vat_total,
        "amount_due": record.amount_due,
        "vat_breakdown": invoice.get("vat_breakdown", []),
        "sha256": record.document_sha256,
        "document": f"documents/{record.id}.xml",
        "signature": f"signatures/{record.id}.xml" if record.signature_sha256 else None,
        "retain_until": record.retain_until.isoformat() if record.retain_until else None,
    }


class _Members:
    """Writes the ZIP's members one at a time and keeps each one's SHA-256 for SHA256SUMS."""

    def __init__(self, bundle: zipfile.ZipFile) -> None:
        self.bundle = bundle
        self.sums: dict[str, str] = {}

    def put(self, name: str, data: bytes) -> None:
        self.bundle.writestr(name, data)
        self.sums[name] = hashlib.sha256(data).hexdigest()

    def copy(self, name: str, parts: Iterable[bytes]) -> None:
        """A member written piece by piece (never whole in memory)."""
        digest = hashlib.sha256()
        with self.bundle.open(name, "w", force_zip64=True) as member:
            for part in parts:
                member.write(part)
                digest.update(part)
        self.sums[name] = digest.hexdigest()


def _lines(spool: IO[bytes]) -> Iterator[bytes]:
    spool.seek(0)
    yield from spool


def _index_csv(spool: IO[bytes]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer_csv = csv.DictWriter(buffer, fieldnames=INDEX_COLUMNS)
    writer_csv.writeheader()
    for line in _lines(spool):
        row = json.loads(line)
        writer_csv.writerow({**row, "vat_breakdown": json.dumps(row["vat_breakdown"])})
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode()


def _index_json(spool: IO[bytes]) -> Iterator[bytes]:
    yield b"["
    for number, line in enumerate(_lines(spool)):
        yield (b",\n" if number else b"\n") + line.rstrip(b"\n")
    yield b"\n]\n"


def _ledger_members(
    session: Session,
    members: _Members,
    tenant_id: str,
    tree_size: int,
    wanted: set[str],
    entries_spool: IO[bytes],
    proofs_spool: IO[bytes],
) -> int:
    """Writes ledger/links and spools ledger/entries.jsonl and the proofs; returns the entry count."""
    leaves = [
        bytes.fromhex(e.entry_hash) for e in islice(ledger.entries(session, tenant_id), tree_size)
    ]
    tree = MerkleTree(leaves)
    del leaves
    count = 0
    for entry in islice(ledger.entries(session, tenant_id), tree_size):
        if entry.record_id not in wanted and not entry.kind.startswith("hold."):
            continue
        line = {
            "seq": entry.seq,
            "kind": entry.kind,
            "record": entry.record_id,
            "prev_hash": entry.prev_hash,
            "entry_hash": entry.entry_hash,
            "body": ledger.body_of(entry),
            "body_text": entry.body,
        }
        entries_spool.write(json.dumps(line, sort_keys=True).encode() + b"\n")
        members.put(
            f"ledger/links/{entry.seq}.bin", bytes.fromhex(entry.prev_hash) + entry.body.encode()
        )
        proof = {
            "leaf_index": entry.seq,
            "entry_hash": entry.entry_hash,
            "audit_path": [h.hex() for h in tree.inclusion_proof(entry.seq)],
        }
        proofs_spool.write(
            (b",\n" if count else b"\n") + json.dumps(str(entry.seq)).encode() + b": "
        )
        proofs_spool.write(json.dumps(proof).encode())
        count += 1
    return count


def build_export(
    engine: Engine,
    archive: Archive,
    *,
    tenant_id: str,
    period_from: date,
    period_to: date,
    signing_key: SigningKey,
    certificates: list[x509.Certificate],
    out: IO[bytes],
    tsa_url: str | None = None,
    tsa_roots: list[x509.Certificate] | None = None,
    include_restricted: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ExportSummary:
    """Writes the export ZIP of a tenant's documents issued in a period to ``out``.

    A fresh checkpoint is signed first, so every entry about these documents is
    inside the tree the export proves against. The ZIP is written member by
    member: one document is in memory at a time, and the index and ledger lines
    are spooled to temporary files, so memory stays bounded however large the
    export (the Merkle tree's hashes, 32 bytes an entry, are the exception).
    """
    with Session(writer(engine), expire_on_commit=False) as session, session.begin():
        head = checkpoint.make_checkpoint(session, tenant_id, signing_key, tsa_url=tsa_url)
    summary = ExportSummary()
    with (
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bundle,
        tempfile.TemporaryFile() as index_spool,
        tempfile.TemporaryFile() as entries_spool,
        tempfile.TemporaryFile() as proofs_spool,
    ):
        members = _Members(bundle)
        with Session(engine) as session:
            ids = _period_ids(session, tenant_id, period_from, period_to, include_restricted)
            if not include_restricted:
                summary.restricted_left_out = len(
                    _period_ids(session, tenant_id, period_from, period_to, True)
                ) - len(ids)
            for done, record_id in enumerate(ids, start=1):
                record = session.get(StoredInvoice, record_id)
                assert record is not None
                archive.check(session, record)  # once per record: the reads below trust it
                members.put(
                    f"documents/{record.id}.xml",
                    archive.open_blob(session, record, "document", checked=True),
                )
                if record.signature_sha256:
                    members.put(
                        f"signatures/{record.id}.xml",
                        archive.open_blob(session, record, "signature", checked=True),
                    )
                report = archive.open_column(session, record, "report", checked=True)
                members.put(f"reports/{record.id}.json", (report or "{}").encode())
                invoice = json.loads(
                    archive.open_column(session, record, "invoice", checked=True) or "{}"
                )
                row = _index_row(record, invoice)
                index_spool.write(json.dumps(row, default=str).encode() + b"\n")
                session.expunge(record)
                summary.documents += 1
                if progress:
                    progress(done, len(ids))
            summary.entries = _ledger_members(
                session, members, tenant_id, head.tree_size, set(ids), entries_spool, proofs_spool
            )
        members.copy("ledger/entries.jsonl", _lines(entries_spool))
        members.copy(
            "ledger/proofs.json",
            [
                f'{{"tree_size": {head.tree_size}, "proofs": {{'.encode(),
                *_lines(proofs_spool),
                b"\n}}\n",
            ],
        )
        members.copy("index.csv", _index_csv(index_spool))
        members.copy("index.json", _index_json(index_spool))
        members.put("checkpoint/statement.txt", head.statement.encode())
        members.put("checkpoint/signature.sig", base64.b64decode(head.signature))
        members.put(
            "checkpoint/checkpoint.json", json.dumps(checkpoint.public(head), indent=1).encode()
        )
        if head.timestamp_token:
            members.put("checkpoint/timestamp.tsr", base64.b64decode(head.timestamp_token))
        for certificate in certificates:
            members.put(
                f"certificates/signing-{key_id(certificate)}.pem",
                certificate.public_bytes(Encoding.PEM),
            )
        for number, root in enumerate(tsa_roots or []):
            members.put(f"certificates/tsa-root-{number}.pem", root.public_bytes(Encoding.PEM))
        members.put(
            "README.txt",
            README.format(
                tenant=tenant_id,
                period_from=period_from,
                period_to=period_to,
                count=summary.documents,
                tree_size=head.tree_size,
                root=head.root_hash,
            ).encode(),
        )
        bundle.writestr(
            "SHA256SUMS",
            "".join(f"{digest}  {name}\n" for name, digest in sorted(members.sums.items())),
        )
        summary.files = sorted(members.sums)
    summary.tree_size, summary.root = head.tree_size, head.root_hash
    return summary


@dataclass
class ExportCheck:
    """The outcome of checking an export offline."""

    documents: int = 0
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        """Nothing wrong was found."""
        return not self.problems


def verify_export(path: Path, *, tsa_roots: list[x509.Certificate] | None = None) -> ExportCheck:
    """Checks an export ZIP without the database: steps 1 to 6 of its README."""
    from gateway.archive.checkpoint import Statement, verify_statement
    from gateway.archive.errors import TimestampError
    from gateway.archive.timestamp import verify_token

    check = ExportCheck()
    with zipfile.ZipFile(path) as bundle:
        names = set(bundle.namelist())
        if "SHA256SUMS" not in names:
            check.problems.append("SHA256SUMS is missing")
            return check
        listed = {}
        for line in bundle.read("SHA256SUMS").decode().splitlines():
            digest, _, name = line.partition("  ")
            listed[name] = digest
        for name in sorted(names - {"SHA256SUMS"}):
            if name not in listed:
                check.problems.append(f"{name}: not listed in SHA256SUMS")
            elif hashlib.sha256(bundle.read(name)).hexdigest() != listed[name]:
                check.problems.append(f"{name}: SHA-256 differs from SHA256SUMS")
        for name in sorted(set(listed) - names):
            check.problems.append(f"{name}: listed but missing")
        statement_text = bundle.read("checkpoint/statement.txt").decode()
        statement = Statement.parse(statement_text)
        signature = bundle.read("checkpoint/signature.sig")
        meta = json.loads(bundle.read("checkpoint/checkpoint.json"))
        cert_name = f"certificates/signing-{meta['signing_key_id']}.pem"
        if cert_name not in names:
            check.problems.append("the checkpoint's signing certificate is not in the export")
        else:
            certificate = x509.load_pem_x509_certificate(bundle.read(cert_name))
            if not verify_statement(statement_text, signature, certificate):
                check.problems.append("the checkpoint signature does not verify")
        roots = list(tsa_roots or [])
        roots += [
            x509.load_pem_x509_certificate(bundle.read(n))
            for n in sorted(names)
            if n.startswith("certificates/tsa-root-")
        ]
        if "checkpoint/timestamp.tsr" in names and roots:
            try:
                verify_token(bundle.read("checkpoint/timestamp.tsr"), signature, roots)
            except TimestampError as exc:
                check.problems.append(exc.message)
        root = bytes.fromhex(statement.root_hex)
        proofs = json.loads(bundle.read("ledger/proofs.json"))["proofs"]
        accepted_blobs: dict[str, str] = {}
        for line in bundle.read("ledger/entries.jsonl").decode().splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            check.entries += 1
            seq = entry["seq"]
            link = bundle.read(f"ledger/links/{seq}.bin")
            if (
                hashlib.sha256(link).hexdigest() != entry["entry_hash"]
                or link[32:].decode() != entry["body_text"]
            ):
                check.problems.append(f"ledger entry {seq}: its hash does not match its body")
            proof = proofs.get(str(seq))
            if proof is None or not verify_inclusion(
                seq,
                statement.tree_size,
                leaf_hash(bytes.fromhex(entry["entry_hash"])),
                [bytes.fromhex(h) for h in proof["audit_path"]],
                root,
            ):
                check.problems.append(f"ledger entry {seq}: not inside the signed checkpoint")
            if entry["kind"] == ledger.INVOICE_ACCEPTED and entry["body"]["blobs"]:
                accepted_blobs[entry["record"]] = entry["body"]["blobs"][0]
        for row in json.loads(bundle.read("index.json")):
            check.documents += 1
            data = bundle.read(row["document"])
            digest = hashlib.sha256(data).hexdigest()
            if digest != row["sha256"]:
                check.problems.append(f"document {row['id']}: SHA-256 differs from the index")
            if accepted_blobs.get(row["id"]) != digest:
                check.problems.append(f"document {row['id']}: not the document the ledger admitted")
    return check
