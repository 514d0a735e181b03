"""The statutory archive over HTTP: proofs, checkpoints, ledger events, legal holds, verification, exports."""

from __future__ import annotations

import tempfile
import threading
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from gateway.api.deps import ReaderPrincipal, RequireRole, SessionDep
from gateway.api.problems import problem_responses
from gateway.archive import checkpoint, holds, jobs, ledger, sealed_file
from gateway.archive.export import build_export
from gateway.archive.merkle import MerkleTree
from gateway.archive.store import Archive
from gateway.archive.vault import utcnow
from gateway.archive.verify import snapshot, verify_archive
from gateway.auth import Principal
from gateway.db import writer
from gateway.ids import new_id
from gateway.tables import Checkpoint, ExportJob, LegalHold, StoredInvoice

router = APIRouter(tags=["archive"])

CompliancePrincipal = Annotated[Principal, Depends(RequireRole("compliance"))]
OversightPrincipal = Annotated[Principal, Depends(RequireRole("compliance", "auditor", "admin"))]
ExportPrincipal = Annotated[Principal, Depends(RequireRole("compliance", "auditor"))]


def _archive(request: Request) -> Archive:
    archive: Archive = request.app.state.archive
    return archive


def _record(session: Session, principal: Principal, invoice_id: str) -> StoredInvoice:
    record = session.get(StoredInvoice, invoice_id)
    if record is None or record.tenant_id != principal.tenant_id:
        raise HTTPException(404, f"no invoice {invoice_id}")
    return record


@router.get("/v1/invoices/{invoice_id}/proof", operation_id="archive-proof")
def get_proof(
    invoice_id: str, principal: ReaderPrincipal, session: SessionDep, request: Request
) -> dict[str, Any]:
    """The invoice's ledger entry and its RFC 9162 inclusion proof in the latest checkpoint.

    When the entry is newer than the latest checkpoint, ``checkpoint`` is null and
    ``included`` false: ask for a checkpoint (``POST /v1/archive/checkpoints``) first.
    """
    record = _record(session, principal, invoice_id)
    entry = _archive(request).check(session, record)
    head = checkpoint.latest(session, principal.tenant_id)
    body: dict[str, Any] = {
        "invoice_id": record.id,
        "entry": {
            "seq": entry.seq,
            "kind": entry.kind,
            "prev_hash": entry.prev_hash,
            "entry_hash": entry.entry_hash,
            "body": ledger.body_of(entry),
        },
        "checkpoint": None,
        "included": False,
        "inclusion_proof": None,
    }
    if head is None or entry.seq >= head.tree_size:
        return body
    tree = request.app.state.proof_trees.tree(session, head)
    body["checkpoint"] = checkpoint.public(head)
    body["included"] = tree.root().hex() == head.root_hash
    body["inclusion_proof"] = {
        "leaf_index": entry.seq,
        "tree_size": head.tree_size,
        "audit_path": [h.hex() for h in tree.inclusion_proof(entry.seq)],
        "algorithm": "RFC 9162 section 2.1.3 (SHA-256)",
    }
    return body


@router.get("/v1/invoices/{invoice_id}/events", operation_id="archive-events")
def get_events(invoice_id: str, principal: ReaderPrincipal, session: SessionDep) -> dict[str, Any]:
    """The invoice's timeline: every ledger event about it, oldest first."""
    record = _record(session, principal, invoice_id)
    return {
        "invoice_id": record.id,
        "events": [
            {
                "seq": e.seq,
                "kind": e.kind,
                "time": ledger.body_of(e)["time"] + "Z",
                "facts": ledger.body_of(e)["facts"],
                "entry_hash": e.entry_hash,
            }
            for e in ledger.entries_of(session, principal.tenant_id, record.id)
        ],
    }


@router.get(
    "/v1/archive/checkpoints/latest",
    operation_id="archive-checkpoint-latest",
    responses=problem_responses(404),
)
def get_latest_checkpoint(principal: ReaderPrincipal, session: SessionDep) -> dict[str, Any]:
    """The newest signed checkpoint of the caller's ledger (404 when none was made yet)."""
    head = checkpoint.latest(session, principal.tenant_id)
    if head is None:
        raise HTTPException(404, "no checkpoint yet: POST /v1/archive/checkpoints makes one")
    return checkpoint.public(head)


@router.get(
    "/v1/archive/checkpoints/consistency",
    operation_id="archive-checkpoint-consistency",
    responses=problem_responses(404),
)
def get_consistency(
    principal: ReaderPrincipal, session: SessionDep, first: str, second: str
) -> dict[str, Any]:
    """RFC 9162 consistency proof: the ledger at checkpoint ``first`` is a prefix of it at ``second``."""
    rows = {}
    for name, checkpoint_id in (("first", first), ("second", second)):
        row = session.get(Checkpoint, checkpoint_id)
        if row is None or row.tenant_id != principal.tenant_id:
            raise HTTPException(404, f"no checkpoint {checkpoint_id} ({name})")
        rows[name] = row
    older, newer = rows["first"], rows["second"]
    if older.tree_size > newer.tree_size or older.tree_size == 0:
        raise HTTPException(422, "first must be a non-empty checkpoint no larger than second")
    entries = [bytes.fromhex(e.entry_hash) for e in ledger.entries(session, principal.tenant_id)]
    tree = MerkleTree(entries[: newer.tree_size])
    return {
        "first": checkpoint.public(older),
        "second": checkpoint.public(newer),
        "consistency_proof": [h.hex() for h in tree.consistency_proof(older.tree_size)],
        "algorithm": "RFC 9162 section 2.1.4 (SHA-256)",
    }


@router.post("/v1/archive/checkpoints", operation_id="archive-checkpoint-create", status_code=201)
async def create_checkpoint(principal: OversightPrincipal, request: Request) -> dict[str, Any]:
    """Signs (and, with ``EGW_TSA_URL``, time-stamps) the ledger head now."""

    def make() -> dict[str, Any]:
        engine = writer(request.app.state.engine)
        with Session(engine, expire_on_commit=False) as session, session.begin():
            row = checkpoint.make_checkpoint(
                session,
                principal.tenant_id,
                request.app.state.keys.current,
                tsa_url=request.app.state.settings.tsa_url,
            )
        return checkpoint.public(row)

    return await run_in_threadpool(make)


@router.get("/v1/archive/verification", operation_id="archive-verify")
async def verify(principal: OversightPrincipal, request: Request) -> dict[str, Any]:
    """Verifies the caller's whole archive now: chain, records, blobs, checkpoints."""

    def run() -> dict[str, Any]:
        with Session(snapshot(request.app.state.engine)) as session:
            return verify_archive(
                session,
                _archive(request),
                certificates=request.app.state.keys.certificates,
                tenant_id=principal.tenant_id,
            ).as_dict()

    return await run_in_threadpool(run)


# -- legal holds ---------------------------------------------------------------------


class HoldCreate(BaseModel):
    """A legal hold to place."""

    model_config = {"extra": "forbid", "populate_by_name": True}

    scope: Literal["invoice", "buyer", "period", "tenant"] = Field(
        description="what the hold covers: one invoice, a buyer's invoices, a period of issue "
        "dates, or the whole tenant"
    )
    reason: str = Field(min_length=1, max_length=2000)
    invoice_id: str | None = Field(default=None, max_length=26)
    buyer: str | None = Field(
        default=None, max_length=300, description="buyer VAT id, legal id, e-mail or name"
    )
    period_from: date | None = Field(default=None, alias="from", description="YYYY-MM-DD")
    period_to: date | None = Field(default=None, alias="to", description="YYYY-MM-DD")


class HoldLift(BaseModel):
    """Why a hold ends."""

    model_config = {"extra": "forbid"}

    reason: str = Field(min_length=1, max_length=2000)


@router.post("/v1/archive/holds", operation_id="archive-hold-place", status_code=201)
def place_hold(
    body: HoldCreate, principal: CompliancePrincipal, request: Request
) -> dict[str, Any]:
    """Places a legal hold: nothing it covers is purged until it is lifted."""
    archive = _archive(request)
    with Session(writer(request.app.state.engine), expire_on_commit=False) as session:
        with session.begin():
            hold = holds.place(
                session,
                archive,
                principal.tenant_id,
                holds.HoldRequest(
                    scope=body.scope,
                    reason=body.reason,
                    invoice_id=body.invoice_id,
                    buyer=body.buyer,
                    period_from=body.period_from,
                    period_to=body.period_to,
                ),
                actor=principal.key_id,
            )
        return holds.public(session, archive, hold)


@router.post(
    "/v1/archive/holds/{hold_id}/lift",
    operation_id="archive-hold-lift",
    responses=problem_responses(409),
)
def lift_hold(
    hold_id: str, body: HoldLift, principal: CompliancePrincipal, request: Request
) -> dict[str, Any]:
    """Lifts a legal hold (recorded in the ledger)."""
    archive = _archive(request)
    with Session(writer(request.app.state.engine), expire_on_commit=False) as session:
        with session.begin():
            hold = holds.lift(
                session,
                archive,
                principal.tenant_id,
                hold_id,
                reason=body.reason,
                actor=principal.key_id,
            )
        return holds.public(session, archive, hold)


@router.get("/v1/archive/holds", operation_id="archive-hold-list")
def list_holds(
    principal: OversightPrincipal, session: SessionDep, request: Request
) -> dict[str, Any]:
    """Every legal hold of the tenant, in force first (reasons only for the compliance role)."""
    archive = _archive(request)
    rows = session.exec(
        select(LegalHold)
        .where(LegalHold.tenant_id == principal.tenant_id)
        .order_by(col(LegalHold.placed_at).desc())
    ).all()
    items = [holds.public(session, archive, h) for h in rows]
    if "compliance" not in principal.roles:
        for item in items:
            item["reason"] = None
    items.sort(key=lambda h: not h["in_force"])
    return {"data": items}


# -- exports -------------------------------------------------------------------------


class ExportCreate(BaseModel):
    """The period of issue dates to export."""

    model_config = {"extra": "forbid", "populate_by_name": True}

    period_from: date = Field(alias="from", description="YYYY-MM-DD")
    period_to: date = Field(alias="to", description="YYYY-MM-DD")


def _job_public(job: ExportJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "status": job.status,
        "progress": job.progress,
        "total": job.total,
        "from": job.period_from,
        "to": job.period_to,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "error": job.error,
        "download": f"/v1/archive/exports/{job.id}/download" if job.status == "done" else None,
    }


def _run_export(app: Any, job_id: str, tenant_id: str, include_restricted: bool) -> None:
    """Builds an export in the background and stores it sealed under a data key of its own.

    The job's lease is renewed while this thread lives and dropped with its outcome; a
    thread or process that dies leaves the lease to run out, and the sweep fails the job.
    """
    engine, archive = app.state.engine, app.state.archive
    with Session(writer(engine), expire_on_commit=False) as session, session.begin():
        job = session.get(ExportJob, job_id)
        assert job is not None
        job.status = "running"
        session.add(job)

    def progress(done: int, total: int) -> None:
        if done % 20 and done != total:
            return
        with Session(writer(engine)) as session, session.begin():
            row = session.get(ExportJob, job_id)
            if row is not None:
                row.progress, row.total = done, total
                session.add(row)

    with jobs.Heartbeat(engine, job_id):
        try:
            # Built into a temporary file and sealed from it chunk by chunk: memory stays
            # bounded whatever the export's size (gateway.archive.sealed_file).
            with tempfile.TemporaryFile() as built:
                build_export(
                    engine,
                    archive,
                    tenant_id=tenant_id,
                    period_from=job.period_from,
                    period_to=job.period_to,
                    signing_key=app.state.keys.current,
                    certificates=app.state.keys.certificates,
                    out=built,
                    tsa_url=app.state.settings.tsa_url,
                    include_restricted=include_restricted,
                    progress=progress,
                )
                with Session(writer(engine)) as session, session.begin():
                    key_id, data_key = archive.vault.new_key(session, tenant_id)
                built.seek(0)
                ref = sealed_file.store(
                    archive.blobs, data_key, built, owner=tenant_id, file_id=job_id, slot="export"
                )
            with Session(writer(engine), expire_on_commit=False) as session, session.begin():
                row = session.get(ExportJob, job_id)
                assert row is not None
                row.status, row.data_key_id, row.file_ref = "done", key_id, ref
                row.finished_at = utcnow()
                session.add(row)
                jobs.release(session, job_id)
        except Exception as exc:  # the job records the failure; the request that started it is gone
            with Session(writer(engine)) as session, session.begin():
                row = session.get(ExportJob, job_id)
                if row is not None:
                    row.status, row.error = "failed", type(exc).__name__
                    row.finished_at = utcnow()
                    session.add(row)
                jobs.release(session, job_id)


def start_export_job(
    app: Any,
    *,
    tenant_id: str,
    requested_by: str | None,
    period_from: date,
    period_to: date,
    include_restricted: bool,
) -> ExportJob:
    """Records a queued export job and starts building it on a thread of its own.

    Shared by the API and the console; the caller checks roles and the period.
    """
    job = ExportJob(
        id=new_id(),
        tenant_id=tenant_id,
        period_from=period_from,
        period_to=period_to,
        status="queued",
        requested_by=requested_by,
        created_at=datetime.now(UTC),
    )
    with Session(writer(app.state.engine), expire_on_commit=False) as session:
        with session.begin():
            session.add(job)
            jobs.take(session, jobs.EXPORT, job.id, tenant_id)  # leased from the start
    threading.Thread(
        target=_run_export,
        args=(app, job.id, tenant_id, include_restricted),
        daemon=True,
        name=f"export-{job.id}",
    ).start()
    return job


def open_export(session: Session, archive: Archive, job: ExportJob) -> sealed_file.SealedFile:
    """The finished export ZIP of ``job``, opened for streaming (the job must be done)."""
    assert job.file_ref is not None and job.data_key_id is not None
    return sealed_file.open_file(
        archive.blobs,
        archive.vault.open_key(session, job.data_key_id),
        job.file_ref,
        owner=job.tenant_id,
        file_id=job.id,
        slot="export",
    )


def stream_export(opened: sealed_file.SealedFile, job_id: str) -> StreamingResponse:
    """The ZIP as a streaming download: one sealed chunk in memory at a time."""
    return StreamingResponse(
        opened.iter_bytes(),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="export-{job_id}.zip"',
            "Content-Length": str(opened.size),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


@router.post("/v1/archive/exports", operation_id="archive-export-start", status_code=202)
def start_export(
    body: ExportCreate, principal: ExportPrincipal, request: Request
) -> dict[str, Any]:
    """Starts an auditor export of a period (runs in the background; poll the job)."""
    if body.period_from > body.period_to:
        raise HTTPException(422, "the period ends before it starts (from > to)")
    job = start_export_job(
        request.app,
        tenant_id=principal.tenant_id,
        requested_by=principal.key_id,
        period_from=body.period_from,
        period_to=body.period_to,
        include_restricted="auditor" in principal.roles,
    )
    return _job_public(job)


def _job(session: Session, principal: Principal, job_id: str) -> ExportJob:
    jobs.sweep(session.get_bind().engine)  # a job whose worker died shows failed, not running
    job = session.get(ExportJob, job_id)
    if job is None or job.tenant_id != principal.tenant_id:
        raise HTTPException(404, f"no export {job_id}")
    return job


@router.get("/v1/archive/exports/{job_id}", operation_id="archive-export-get")
def get_export(job_id: str, principal: ExportPrincipal, session: SessionDep) -> dict[str, Any]:
    """An export job: status, progress, and the download link when done."""
    return _job_public(_job(session, principal, job_id))


@router.get(
    "/v1/archive/exports/{job_id}/download",
    operation_id="archive-export-download",
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}}},
        409: {"description": "The export is not done (queued, running or failed): poll the job"},
    },
)
def download_export(
    job_id: str, principal: ExportPrincipal, session: SessionDep, request: Request
) -> Response:
    """The export ZIP (check it with ``egw archive verify-export`` or its README)."""
    job = _job(session, principal, job_id)
    if job.status != "done" or job.file_ref is None or job.data_key_id is None:
        raise HTTPException(409, f"export {job_id} is {job.status}, not ready")
    # The key and the manifest are read here, with the request's session; the chunks
    # are read from the blob store as the response streams.
    return stream_export(open_export(session, _archive(request), job), job.id)
