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
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, bindparam, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from gateway.archive.store import Accepted, Archive
from gateway.db import writer
from gateway.group_commit import GroupCommit
from gateway.ids import new_id
from gateway.numbering import next_number
from gateway.tables import AuditEvent, StoredInvoice, Tenant
from schemas import profiles
from schemas import syntax as syntax_binding
from schemas.errors import GatewayError, Problem
from schemas.model import Invoice, InvoiceDraft, TaxContext
from schemas.xml_input import parse_xml
from signing import KeyRing, SignaturePolicy, sign, sign_detached
from tax_rules import complete_with_trace, jurisdiction
from tax_rules.errors import TaxRuleError
from validators import Report, validate_tree
from validators.located import problems_on_draft
from validators.native.audit import Disagreement, OfficialAudit
from validators.native.judge import EngineChoice, validate_rendered

# Statements built once (their compiled form is cached): they run on every submission.
_TENANTS = Tenant.__table__  # type: ignore[attr-defined]
_TENANT_TAX_PROFILE = select(
    _TENANTS.c.tax_oss, _TENANTS.c.tax_distance_sales_over_threshold
).where(_TENANTS.c.id == bindparam("tenant"))
_INSERT_AUDIT = insert(AuditEvent.__table__)  # type: ignore[attr-defined]
_INVOICES = StoredInvoice.__table__  # type: ignore[attr-defined]
_IDEMPOTENCY_KEY = select(_INVOICES.c.id, _INVOICES.c.request_sha256).where(
    _INVOICES.c.tenant_id == bindparam("tenant"),
    _INVOICES.c.idempotency_key == bindparam("key"),
)


class SubmissionRejected(GatewayError):
    """The document does not pass the official rules (or cannot be parsed into the model)."""

    status_code = 422

    def __init__(
        self,
        message: str,
        *,
        report: Report | None = None,
        problems: list[Problem] | None = None,
        rendered_draft: bytes | None = None,
    ) -> None:
        if report is not None and rendered_draft is not None:
            # Findings on a document we rendered: name the draft field and business term.
            findings = problems_on_draft(report, rendered_draft)
        else:
            findings = [
                Problem(field=f.location, message=f.message, rule=f.rule_id, value=f.stage)
                for f in (report.fatal if report else [])
            ]
        super().__init__(message, problems=[*(problems or []), *findings])
        self.report = report
        self.rendered_draft = rendered_draft  # what the report judged (for the official audit)


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
    warnings: tuple[dict[str, Any], ...] = ()
    validated: bytes | None = None
    """The bytes the report judged, when they differ from ``document`` (signed after)."""


@dataclass(frozen=True)
class Outcome:
    """A stored invoice, and whether this request created it (False for an idempotent replay).

    A created outcome also carries the invoice and the tax engine's warnings it
    stored, so that the answer needs no read back from the archive.
    """

    record: StoredInvoice
    created: bool
    invoice: Invoice | None = None
    warnings: tuple[dict[str, Any], ...] = ()
    prepared: Prepared | None = None


def _rules(error: GatewayError) -> str:
    # Audit lines name the rules that failed, never the values (which may be personal data).
    rules = sorted({p.rule for p in error.problems if p.rule})
    return "rules: " + (", ".join(rules) if rules else "none")


# Why validating the stored (enveloped-signed) bytes gives two warnings the stored report
# of the unsigned document does not show: the signature itself is what they are about.
ENVELOPED_SIGNATURE_NOTE = (
    "The official rules judged the document before it was signed (validated_sha256). The stored "
    "document (stored_sha256) is the same document with its enveloped XAdES signature added in "
    "ext:UBLExtensions and cac:Signature, the places UBL 2.1 defines for it; validating the stored "
    "bytes therefore adds two warnings and nothing else: UBL-CR-001 (extensions present) and "
    "UBL-CR-137 (cac:Signature present)."
)


def stored_report(prepared: Prepared) -> dict[str, Any]:
    """The report kept with a record, saying which bytes it judged and which bytes are stored."""
    data = prepared.report.to_json()
    stored_sha256 = hashlib.sha256(prepared.document).hexdigest()
    data["warnings"] = list(prepared.warnings)  # the tax engine's: mandates, registration abroad
    data["validated_sha256"] = prepared.report.document_sha256
    data["stored_sha256"] = stored_sha256
    if prepared.signature_kind == "enveloped" and stored_sha256 != prepared.report.document_sha256:
        data["stored_document_note"] = ENVELOPED_SIGNATURE_NOTE
        data["expected_findings_on_stored_bytes"] = ["UBL-CR-001", "UBL-CR-137"]
    return data


def prepare_draft(
    draft: InvoiceDraft,
    keys: KeyRing,
    *,
    policy: SignaturePolicy | None = None,
    tax_context: TaxContext | None = None,
    engine: EngineChoice = "official",
) -> Prepared:
    """Completes, renders, validates and signs a draft (no I/O).

    ``engine``: ``auto`` lets native rules judge the rendered document when they
    cover its profile's rule sets completely (see validators.native.judge);
    ``official`` always runs Saxon. The report says which engine judged.

    Raises:
        TaxRuleError: The tax rules cannot complete the draft.
        SubmissionRejected: The rendered document has fatal findings.
    """
    completion = complete_with_trace(draft, tax_context=tax_context)
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
    report = validate_rendered(document, profile=profile.name, engine=engine)
    _require_stages_ran(report)
    if not report.valid:
        raise SubmissionRejected(
            "the rendered e-invoice does not pass the official rules",
            report=report,
            rendered_draft=document,
        )
    key = keys.current
    rendered = document
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
        warnings=tuple(w.as_dict() for w in completion.warnings),
        validated=rendered if document is not rendered else None,
    )


def prepare_xml(
    xml: bytes, keys: KeyRing, *, profile: str | None = None, policy: SignaturePolicy | None = None
) -> Prepared:
    """Validates and parses a finished UBL or CII document, and seals it with a detached signature.

    Raises:
        XmlInputError: Hostile or malformed XML.
        SubmissionRejected: Fatal findings, or a document the model cannot hold.
    """
    # One hardened parse serves validation and reading into the model.
    tree = parse_xml(xml)
    report = validate_tree(tree, document_sha256=hashlib.sha256(xml).hexdigest(), profile=profile)
    _require_stages_ran(report)
    if not report.valid:
        raise SubmissionRejected("the e-invoice does not pass the official rules", report=report)
    try:
        parsed = syntax_binding.parse_tree(tree)
    except GatewayError as exc:
        raise SubmissionRejected(
            f"the e-invoice cannot be read into the EN 16931 model: {exc.message}",
            problems=exc.problems,
        ) from exc
    key = keys.current
    invoice = parsed.invoice
    return Prepared(
        invoice=invoice,
        profile=report.profile or "en16931",
        syntax="cii" if parsed.syntax == "cii" else "ubl",
        direction="inbound",
        document=xml,
        signature=sign_detached(xml, key, policy=policy),
        signature_kind="detached",
        signing_key_id=key.key_id,
        report=report,
        trace=None,
    )


def _tax_context_of(tenant: Tenant | None) -> TaxContext:
    """The tenant's distance-selling status (a draft's own ``tax_context`` wins over it)."""
    if tenant is None:
        return TaxContext()
    return TaxContext(
        oss=tenant.tax_oss,
        eu_distance_sales_over_threshold=tenant.tax_distance_sales_over_threshold,
    )


class Pipeline:
    """Runs submissions against one database and blob store, with one signing key ring."""

    def __init__(
        self,
        *,
        engine: Engine,
        archive: Archive,
        keys: KeyRing,
        policy: SignaturePolicy | None = None,
        group_commit: bool = True,
        validation_engine: EngineChoice = "official",
        official_audit: OfficialAudit | None = None,
    ) -> None:
        self.engine = engine
        self.validation_engine: EngineChoice = validation_engine
        # Native judgements re-validated by Saxon in the background (a sampled fraction).
        self.official_audit = official_audit
        if official_audit is not None and official_audit.on_disagreement is None:
            official_audit.on_disagreement = self._record_disagreement
        self.writer = writer(engine)
        self.archive = archive
        self.keys = keys
        self.policy = policy
        # Called inside the store transaction of every accepted invoice (gateway.delivery).
        self.on_stored: Callable[[Session, StoredInvoice, Invoice], None] | None = None
        # Submissions prepared before their transaction share commits (gateway.group_commit).
        self.group = GroupCommit(self.writer) if group_commit else None

    def _tax_context(self, tenant_id: str) -> TaxContext:
        # A Core read of two columns: an ORM session and entity cost ~0.5 ms more per submission.
        with self.engine.connect() as connection:
            row = connection.execute(_TENANT_TAX_PROFILE, {"tenant": tenant_id}).first()
        if row is None:
            return TaxContext()
        return TaxContext(oss=row[0], eu_distance_sales_over_threshold=row[1])

    # -- idempotency -------------------------------------------------------------

    def _replay(
        self, tenant_id: str, idempotency_key: str | None, request_sha256: str
    ) -> Outcome | None:
        if not idempotency_key:
            return None
        # Most keys are new: a Core read of two columns says so; the record loads on a hit only.
        with self.engine.connect() as connection:
            seen = connection.execute(
                _IDEMPOTENCY_KEY, {"tenant": tenant_id, "key": idempotency_key}
            ).first()
        if seen is None:
            return None
        if seen[1] != request_sha256:
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
        with Session(self.engine, expire_on_commit=False) as session:
            existing = session.get(StoredInvoice, seen[0])
        if existing is None:  # purged (retention ended) between the two reads
            return None
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
        strict: bool = False,
    ) -> Outcome:
        """Stores a draft as a signed, validated e-invoice (numbering it when it has no number).

        ``strict``: the official rules (Saxon) judge this draft whatever the
        configured engine is; an idempotent replay returns the stored judgement.
        """
        replay = self._replay(tenant_id, idempotency_key, request_sha256)
        if replay:
            return replay
        engine: EngineChoice = "official" if strict else self.validation_engine
        try:
            if draft.number:
                # Prepared outside the transaction: no lock is held while rendering.
                prepared = prepare_draft(
                    draft,
                    self.keys,
                    policy=self.policy,
                    tax_context=self._tax_context(tenant_id),
                    engine=engine,
                )
                outcome = self._store(
                    tenant_id,
                    lambda _: prepared,
                    request_sha256,
                    idempotency_key,
                    api_key_id,
                    grouped=True,
                )
            else:
                outcome = self._store(
                    tenant_id,
                    self._numbered(tenant_id, draft, engine),
                    request_sha256,
                    idempotency_key,
                    api_key_id,
                )
        except (TaxRuleError, SubmissionRejected) as exc:
            self.audit(tenant_id, api_key_id, "invoice.submit", None, "rejected", _rules(exc))
            if isinstance(exc, SubmissionRejected):
                self._offer_audit(exc.rendered_draft, exc.report, None)
            raise
        if outcome.prepared is not None:
            validated = outcome.prepared.validated or outcome.prepared.document
            self._offer_audit(validated, outcome.prepared.report, outcome.record.id)
        return outcome

    def _offer_audit(
        self, document: bytes | None, report: Report | None, record: str | None
    ) -> None:
        if self.official_audit is not None and document is not None and report is not None:
            self.official_audit.offer(document, report, record)

    def _record_disagreement(self, found: Disagreement) -> None:
        # Runs on the audit thread: the alarm is an audit event (rule ids and a hash only).
        self.audit(
            None, None, "validation.official-audit", found.record_id, "disagreement", found.detail
        )

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
            tenant_id, lambda _: prepared, request_sha256, idempotency_key, api_key_id, grouped=True
        )

    def _record(
        self,
        session: Session,
        tenant_id: str,
        prepared: Prepared,
        request_sha256: str,
        idempotency_key: str | None,
    ) -> StoredInvoice:
        return self.archive.admit(
            session,
            tenant_id,
            Accepted(
                invoice=prepared.invoice,
                profile=prepared.profile,
                syntax=prepared.syntax,
                direction=prepared.direction,
                document=prepared.document,
                signature=prepared.signature,
                signature_kind=prepared.signature_kind,
                signing_key_id=prepared.signing_key_id,
                report_json=json.dumps(stored_report(prepared)),
                trace_json=json.dumps(prepared.trace) if prepared.trace else None,
            ),
            request_sha256=request_sha256,
            idempotency_key=idempotency_key,
        )

    def _store(
        self,
        tenant_id: str,
        prepare: Callable[[Session], Prepared],
        request_sha256: str,
        idempotency_key: str | None,
        api_key_id: str | None,
        *,
        grouped: bool = False,
    ) -> Outcome:
        """Stores a submission in one transaction: blobs first (durable), then the record.

        ``prepare`` runs inside the transaction, so a number it takes from the
        tenant's series is given back when anything fails. ``grouped``: the
        transaction may be shared with other submissions (see gateway.group_commit);
        for work that is already prepared, so that no member holds the others up.
        Other work still queues through the group (in a transaction of its own).
        """

        def write(session: Session) -> tuple[StoredInvoice, Prepared]:
            prepared = prepare(session)
            record = self._record(session, tenant_id, prepared, request_sha256, idempotency_key)
            if self.on_stored is not None:
                # Delivery jobs and webhook events commit with the record, or neither does.
                self.on_stored(session, record, prepared.invoice)
            # A Core insert of a plain row: the ORM unit of work and model validation cost
            # more than the row (the columns are those of tables.AuditEvent).
            session.connection().execute(
                _INSERT_AUDIT,
                {
                    "id": new_id(),
                    "tenant_id": tenant_id,
                    "api_key_id": api_key_id,
                    "action": "invoice.submit",
                    "target": record.id,
                    "outcome": "accepted",
                    "detail": None,
                    "created_at": datetime.now(UTC),
                },
            )
            return record, prepared

        try:
            if self.group is not None:
                # Not grouped: the write prepares the document inside its transaction.
                record, prepared = self.group.run(write, alone=not grouped)
            else:
                with Session(self.writer, expire_on_commit=False) as session, session.begin():
                    record, prepared = write(session)
        except IntegrityError:
            return self._resolve_conflict(tenant_id, None, idempotency_key, request_sha256)
        return Outcome(
            record=record,
            created=True,
            invoice=prepared.invoice,
            warnings=prepared.warnings,
            prepared=prepared,
        )

    def _numbered(
        self, tenant_id: str, draft: InvoiceDraft, engine: EngineChoice
    ) -> Callable[[Session], Prepared]:
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
                draft.model_copy(update={"number": number}),
                self.keys,
                policy=self.policy,
                tax_context=_tax_context_of(tenant),
                engine=engine,
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
        """Writes one audit line, committed before this returns (rule ids and counts only, no personal data).

        The line shares a group commit when there is one (a refused submission's line
        queues with the accepted ones instead of contending for the database's lock).
        """
        row = self._audit_event(tenant_id, api_key_id, action, target, outcome, detail).model_dump()

        def write(session: Session) -> None:
            session.connection().execute(_INSERT_AUDIT, row)

        if self.group is not None:
            self.group.run(write)
            return
        with Session(self.writer, expire_on_commit=False) as session, session.begin():
            write(session)
