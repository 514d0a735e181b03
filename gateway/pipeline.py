"""The submission pipeline: draft -> tax rules -> render -> validate -> sign -> store.

The CPU work (completion, rendering, validation, signing) is a plain function of
values; storing is one database transaction after the blobs are durable. A crash
at any point leaves either no record or a complete one whose blobs exist.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from gateway.blobstore import BlobStore
from gateway.db import writer
from gateway.ids import new_id
from gateway.numbering import next_number
from gateway.tables import AuditEvent, StoredInvoice, Tenant
from schemas import profiles
from schemas.errors import GatewayError, Problem
from schemas.model import Invoice, InvoiceDraft
from schemas.xml_input import parse_xml
from signing import KeyRing, SignaturePolicy, sign, sign_detached
from tax_rules import complete_with_trace, jurisdiction
from tax_rules.errors import TaxRuleError
from validators import Report, detect_syntax, validate


class SubmissionRejected(GatewayError):
    """The document does not pass the official rules (or cannot be parsed into the model)."""

    status_code = 422

    def __init__(
        self, message: str, *, report: Report | None = None, problems: list[Problem] | None = None
    ) -> None:
        findings = [
            Problem(field=f.location, message=f.message, rule=f.rule_id, value=f.stage)
            for f in (report.fatal if report else [])
        ]
        super().__init__(message, problems=[*(problems or []), *findings])
        self.report = report


class ValidationUnavailable(GatewayError):
    """A rule set the profile needs could not run here: the gateway's fault, not the document's."""

    status_code = 503


# Findings that stand for a rule set that could not run (see validators.report.stage_failure).
# A document whose syntax is unknown (EGW-VALIDATION-NOT-STARTED) stays the client's 422.
_STAGE_FAILURES = {"EGW-RULESET-NOT-AVAILABLE", "EGW-STAGE-ERROR"}


def _require_stages_ran(report: Report) -> None:
    failures = [f for f in report.fatal if f.rule_id in _STAGE_FAILURES]
    if failures:
        raise ValidationUnavailable(
            "the official rule sets of this profile cannot run on this gateway; nothing was stored",
            problems=[Problem(field=f.stage, message=f.message, rule=f.rule_id) for f in failures],
        )


class IdempotencyConflict(GatewayError):
    """The idempotency key was used before with a different request body."""

    status_code = 409


class DuplicateInvoice(GatewayError):
    """The tenant already stored an invoice with this number from this seller."""

    status_code = 409


@dataclass(frozen=True)
class Prepared:
    """Everything a submission stores, computed before any I/O."""

    invoice: Invoice
    profile: str
    syntax: str
    direction: str
    document: bytes
    signature: bytes | None
    signature_kind: str | None
    signing_key_id: str | None
    report: Report
    trace: dict[str, Any] | None


@dataclass(frozen=True)
class Outcome:
    """A stored invoice, and whether this request created it (False for an idempotent replay)."""

    record: StoredInvoice
    created: bool


def _rules(error: GatewayError) -> str:
    # Audit lines name the rules that failed, never the values (which may be personal data).
    return (
        "rules: " + ", ".join(sorted({p.rule for p in error.problems if p.rule})) or "rules: none"
    )


def _party_key(party: Any) -> str:
    if party.vat_id:
        return str(party.vat_id)
    if party.legal_id:
        return str(party.legal_id.value)
    return str(party.name)[:200]


def _retain_until(invoice: Invoice) -> date | None:
    try:
        pack = jurisdiction(invoice.seller.address.country)
    except TaxRuleError:
        return None
    # The retention period runs from the end of the calendar year of issue.
    return date(invoice.issue_date.year + pack.retention_years, 12, 31)


def prepare_draft(
    draft: InvoiceDraft, keys: KeyRing, *, policy: SignaturePolicy | None = None
) -> Prepared:
    """Completes, renders, validates and signs a draft (no I/O).

    Raises:
        TaxRuleError: The tax rules cannot complete the draft.
        SubmissionRejected: The rendered document has fatal findings.
    """
    completion = complete_with_trace(draft)
    invoice = completion.invoice
    pack = jurisdiction(invoice.seller.address.country)
    profile = profiles.get(draft.profile or pack.default_profile)
    syntax = draft.syntax or profile.default_syntax
    if syntax not in profile.syntaxes:
        raise SubmissionRejected(
            f"profile {profile.name} is not written in {syntax}",
            problems=[
                Problem(
                    field="syntax",
                    message=f"use one of {', '.join(profile.syntaxes)}",
                    value=syntax,
                )
            ],
        )
    if syntax == "cii":
        from schemas import cii

        document = cii.render(invoice, profile=profile)
    else:
        from schemas import ubl

        document = ubl.render(invoice, profile=profile)
    report = validate(document, profile=profile.name)
    _require_stages_ran(report)
    if not report.valid:
        raise SubmissionRejected(
            "the rendered e-invoice does not pass the official rules", report=report
        )
    key = keys.current
    if profile.signature == "enveloped" and syntax == "ubl":
        document = sign(document, key, policy=policy)
        signature, kind = None, "enveloped"
    else:
        signature, kind = sign_detached(document, key, policy=policy), "detached"
    return Prepared(
        invoice=invoice,
        profile=profile.name,
        syntax="ubl" if syntax == "ubl" else "cii",
        direction="outbound",
        document=document,
        signature=signature,
        signature_kind=kind,
        signing_key_id=key.key_id,
        report=report,
        trace=completion.trace.to_json(),
    )


def prepare_xml(
    xml: bytes, keys: KeyRing, *, profile: str | None = None, policy: SignaturePolicy | None = None
) -> Prepared:
    """Validates and parses a finished UBL or CII document, and seals it with a detached signature.

    Raises:
        XmlInputError: Hostile or malformed XML.
        SubmissionRejected: Fatal findings, or a document the model cannot hold.
    """
    report = validate(xml, profile=profile)
    _require_stages_ran(report)
    if not report.valid:
        raise SubmissionRejected("the e-invoice does not pass the official rules", report=report)
    syntax = detect_syntax(parse_xml(xml))
    try:
        if syntax == "cii":
            from schemas import cii

            invoice = cii.parse(xml)
        else:
            from schemas import ubl

            invoice = ubl.parse(xml)
    except GatewayError as exc:
        raise SubmissionRejected(
            f"the e-invoice cannot be read into the EN 16931 model: {exc.message}",
            problems=exc.problems,
        ) from exc
    key = keys.current
    return Prepared(
        invoice=invoice,
        profile=report.profile or "en16931",
        syntax="cii" if syntax == "cii" else "ubl",
        direction="inbound",
        document=xml,
        signature=sign_detached(xml, key, policy=policy),
        signature_kind="detached",
        signing_key_id=key.key_id,
        report=report,
        trace=None,
    )


class Pipeline:
    """Runs submissions against one database and blob store, with one signing key ring."""

    def __init__(
        self,
        *,
        engine: Engine,
        blobs: BlobStore,
        keys: KeyRing,
        policy: SignaturePolicy | None = None,
    ) -> None:
        self.engine = engine
        self.writer = writer(engine)
        self.blobs = blobs
        self.keys = keys
        self.policy = policy

    # -- idempotency -------------------------------------------------------------

    def _replay(
        self, tenant_id: str, idempotency_key: str | None, request_sha256: str
    ) -> Outcome | None:
        if not idempotency_key:
            return None
        with Session(self.engine, expire_on_commit=False) as session:
            existing = session.exec(
                select(StoredInvoice).where(
                    StoredInvoice.tenant_id == tenant_id,
                    StoredInvoice.idempotency_key == idempotency_key,
                )
            ).first()
        if existing is None:
            return None
        if existing.request_sha256 != request_sha256:
            raise IdempotencyConflict(
                "this Idempotency-Key was used with a different request body",
                problems=[
                    Problem(
                        field="Idempotency-Key",
                        message="use a new key for a different request",
                        rule="idempotency",
                        value=idempotency_key,
                    )
                ],
            )
        return Outcome(record=existing, created=False)

    # -- submissions -------------------------------------------------------------

    def submit_draft(
        self,
        tenant_id: str,
        draft: InvoiceDraft,
        *,
        request_sha256: str,
        idempotency_key: str | None,
        api_key_id: str | None,
    ) -> Outcome:
        """Stores a draft as a signed, validated e-invoice (numbering it when it has no number)."""
        replay = self._replay(tenant_id, idempotency_key, request_sha256)
        if replay:
            return replay
        try:
            if draft.number:
                # Prepared outside the transaction: no lock is held while rendering.
                prepared = prepare_draft(draft, self.keys, policy=self.policy)
                return self._store(
                    tenant_id, lambda _: prepared, request_sha256, idempotency_key, api_key_id
                )
            return self._store(
                tenant_id,
                self._numbered(tenant_id, draft),
                request_sha256,
                idempotency_key,
                api_key_id,
            )
        except (TaxRuleError, SubmissionRejected) as exc:
            self.audit(tenant_id, api_key_id, "invoice.submit", None, "rejected", _rules(exc))
            raise

    def submit_xml(
        self,
        tenant_id: str,
        xml: bytes,
        *,
        profile: str | None,
        idempotency_key: str | None,
        api_key_id: str | None,
    ) -> Outcome:
        """Stores a finished UBL or CII e-invoice after validating and parsing it."""
        request_sha256 = hashlib.sha256(xml).hexdigest()
        replay = self._replay(tenant_id, idempotency_key, request_sha256)
        if replay:
            return replay
        try:
            prepared = prepare_xml(xml, self.keys, profile=profile, policy=self.policy)
        except SubmissionRejected as exc:
            self.audit(tenant_id, api_key_id, "invoice.submit-xml", None, "rejected", _rules(exc))
            raise
        return self._store(
            tenant_id, lambda _: prepared, request_sha256, idempotency_key, api_key_id
        )

    def _record(
        self, tenant_id: str, prepared: Prepared, request_sha256: str, idempotency_key: str | None
    ) -> StoredInvoice:
        invoice = prepared.invoice
        document_sha256 = self.blobs.put(prepared.document)
        signature_sha256 = self.blobs.put(prepared.signature) if prepared.signature else None
        return StoredInvoice(
            id=new_id(),
            tenant_id=tenant_id,
            direction=prepared.direction,
            status="accepted",
            profile=prepared.profile,
            syntax=prepared.syntax,
            number=invoice.number,
            type_code=invoice.type_code,
            issue_date=invoice.issue_date,
            currency=invoice.currency,
            seller_key=_party_key(invoice.seller),
            seller_name=invoice.seller.name[:300],
            buyer_key=_party_key(invoice.buyer),
            total_without_vat=str(invoice.totals.total_without_vat),
            vat_total=str(
                invoice.totals.vat_total if invoice.totals.vat_total is not None else "0"
            ),
            amount_due=str(invoice.totals.amount_due),
            document_sha256=document_sha256,
            signature_sha256=signature_sha256,
            signature_kind=prepared.signature_kind,
            signing_key_id=prepared.signing_key_id,
            retain_until=_retain_until(invoice),
            report_json=json.dumps(prepared.report.to_json()),
            invoice_json=invoice.model_dump_json(exclude_none=True),
            trace_json=json.dumps(prepared.trace) if prepared.trace else None,
            idempotency_key=idempotency_key,
            request_sha256=request_sha256,
            created_at=datetime.now(UTC),
        )

    def _store(
        self,
        tenant_id: str,
        prepare: Callable[[Session], Prepared],
        request_sha256: str,
        idempotency_key: str | None,
        api_key_id: str | None,
    ) -> Outcome:
        """Stores a submission in one transaction: blobs first (durable), then the record.

        ``prepare`` runs inside the transaction, so a number it takes from the
        tenant's series is given back when anything fails.
        """
        record: StoredInvoice | None = None
        try:
            with Session(self.writer, expire_on_commit=False) as session, session.begin():
                record = self._record(tenant_id, prepare(session), request_sha256, idempotency_key)
                session.add(record)
                session.add(
                    self._audit_event(
                        tenant_id, api_key_id, "invoice.submit", record.id, "accepted", None
                    )
                )
        except IntegrityError:
            return self._resolve_conflict(tenant_id, record, idempotency_key, request_sha256)
        return Outcome(record=record, created=True)

    def _numbered(self, tenant_id: str, draft: InvoiceDraft) -> Callable[[Session], Prepared]:
        def prepare(session: Session) -> Prepared:
            tenant = session.get(Tenant, tenant_id)
            if tenant is None or tenant.number_prefix is None:
                # Numbering is optional per tenant: without a series, BT-1 must be given.
                raise SubmissionRejected(
                    "the invoice number (BT-1) is missing and this tenant has no number series",
                    problems=[
                        Problem(
                            field="number",
                            message="give a number, or have an admin set the tenant's number prefix",
                            rule="BR-02",
                        )
                    ],
                )
            number = next_number(
                session,
                tenant_id=tenant_id,
                year=draft.issue_date.year,
                prefix=tenant.number_prefix,
            )
            return prepare_draft(
                draft.model_copy(update={"number": number}), self.keys, policy=self.policy
            )

        return prepare

    def _resolve_conflict(
        self,
        tenant_id: str,
        record: StoredInvoice | None,
        idempotency_key: str | None,
        request_sha256: str,
    ) -> Outcome:
        replay = self._replay(tenant_id, idempotency_key, request_sha256)
        if replay:
            return replay
        number = record.number if record else "(assigned)"
        raise DuplicateInvoice(
            f"invoice number {number} of this seller is already stored",
            problems=[
                Problem(
                    field="number",
                    message="invoice numbers are unique per seller (BT-1)",
                    rule="duplicate-number",
                    value=number,
                )
            ],
        )

    # -- audit -------------------------------------------------------------------

    @staticmethod
    def _audit_event(
        tenant_id: str | None,
        api_key_id: str | None,
        action: str,
        target: str | None,
        outcome: str,
        detail: str | None,
    ) -> AuditEvent:
        return AuditEvent(
            id=new_id(),
            tenant_id=tenant_id,
            api_key_id=api_key_id,
            action=action,
            target=target,
            outcome=outcome,
            detail=detail[:2000] if detail else None,
            created_at=datetime.now(UTC),
        )

    def audit(
        self,
        tenant_id: str | None,
        api_key_id: str | None,
        action: str,
        target: str | None,
        outcome: str,
        detail: str | None,
    ) -> None:
        """Writes one audit line in its own transaction (rule ids and counts only, no personal data)."""
        with Session(self.writer, expire_on_commit=False) as session, session.begin():
            session.add(self._audit_event(tenant_id, api_key_id, action, target, outcome, detail))
