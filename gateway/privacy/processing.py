"""Records of processing activities (GDPR art. 30), computed from the data the gateway holds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from gateway.archive.store import Archive
from gateway.privacy.personal import tagged_fields
from gateway.tables import DataKey, StoredInvoice
from tax_rules import jurisdiction
from tax_rules.errors import TaxRuleError

CATEGORIES = {
    "identity": "names and trading names of natural-person buyers and sellers",
    "contact": "contact names, e-mail addresses and telephone numbers of any party",
    "address": "postal and delivery addresses of natural persons",
    "electronic address": "electronic addresses (e.g. Peppol ids) of natural persons",
    "payment": "account names, card holder names, debited accounts, mandate references",
    "free text": "invoice and line notes, which may name people",
}


def report(
    session: Session, archive: Archive, tenant_id: str, *, database: str, blob_store: str
) -> dict[str, Any]:
    """The art. 30 record of one tenant: categories, purpose, legal basis, retention, storage, encryption."""
    per_country = session.exec(
        select(StoredInvoice.direction, func.count())
        .where(StoredInvoice.tenant_id == tenant_id)
        .group_by(col(StoredInvoice.direction))
    ).all()
    rules = session.exec(
        select(StoredInvoice.retention_rule, func.count())
        .where(StoredInvoice.tenant_id == tenant_id)
        .group_by(col(StoredInvoice.retention_rule))
    ).all()
    live_keys = session.exec(
        select(func.count()).where(
            DataKey.tenant_id == tenant_id, col(DataKey.wrapped).is_not(None)
        )
    ).one()
    shredded = session.exec(
        select(func.count()).where(DataKey.tenant_id == tenant_id, col(DataKey.wrapped).is_(None))
    ).one()
    retention = []
    for rule, count in rules:
        country = (rule or "").split(":", 1)[0]
        try:
            pack = jurisdiction(country)
            retention.append(
                {
                    "jurisdiction": pack.country,
                    "years": pack.retention.years,
                    "starts": pack.retention.starts,
                    "legal_source": pack.retention.source,
                    "records": count,
                }
            )
        except TaxRuleError:
            retention.append(
                {"jurisdiction": None, "rule": "no pack rule: kept until erased", "records": count}
            )
    return {
        "controller_tenant": tenant_id,
        "purposes": [
            "issuing, validating, signing and delivering e-invoices for the tenant",
            "statutory retention of invoices and their audit by tax authorities",
        ],
        "legal_basis": "GDPR art. 6(1)(c): legal obligation under the VAT law of each jurisdiction "
        "(retention periods below); art. 6(1)(b) for the invoicing itself",
        "data_subjects": ["natural-person buyers and sellers", "contact persons of any party"],
        "categories": CATEGORIES,
        "business_terms_tagged_personal": tagged_fields(),
        "records_by_direction": {direction: count for direction, count in per_country},
        "retention": retention,
        "recipients": [
            "the tenant's ERP systems (API keys with the erp role)",
            "the tenant's compliance officers (compliance role)",
            "tax authorities (auditor role: time-boxed keys, every read audited; exports)",
            "buyers, through the invoice itself (delivery channels are configured per tenant)",
        ],
        "storage": {
            "database": database,
            "documents": blob_store,
            "in clear": "no personal data: parties of natural persons are keyed tokens (HMAC blind index)",
        },
        "security": {
            "encryption_at_rest": "AES-256-GCM, one data key per record, wrapped by the key-encryption key",
            "key_encryption_key_id": archive.vault.keks.current.key_id,
            "live_data_keys": live_keys,
            "shredded_data_keys": shredded,
            "integrity": "per-tenant hash-chained ledger with signed, time-stamped checkpoints",
            "logs": "no personal data, no SQL parameters",
        },
    }
