"""The FastAPI application: ``create_app(settings)`` builds the engine, stores and keys; no import-time state."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from fastapi import FastAPI
from sqlmodel import Session, select

from gateway import console, db, delivery, warmup
from gateway.api import (
    admin,
    as4,
    errors,
    health,
    invoices,
    jurisdictions,
    openapi,
    privacy,
    responses,
    submissions,
    validation,
    views,
    webhooks,
)
from gateway.api import archive as archive_api
from gateway.api.access_log import AccessLog
from gateway.api.limits import BodySizeLimit
from gateway.archive import scheduler as checkpoint_scheduler
from gateway.archive.context import open_blob_store
from gateway.archive.kek import load_keks
from gateway.archive.store import Archive
from gateway.archive.trees import TreeCache
from gateway.archive.vault import Vault
from gateway.audit import audit_event
from gateway.auth import KeyCache, create_key
from gateway.ids import new_id
from gateway.logs import cap_library_loggers
from gateway.pipeline import Pipeline
from gateway.settings import Settings
from gateway.tables import Tenant
from signing import KeyRing, SignaturePolicy, SigningKey, generate_dev_key, load_pem
from validators.native.audit import OfficialAudit

log = logging.getLogger("gateway")


def load_signing_keys(settings: Settings) -> KeyRing:
    """The configured signing key, or a development key generated on first start (said loudly)."""
    key_path, cert_path = settings.resolved_key_paths
    key: SigningKey
    if key_path.exists() and cert_path.exists():
        key = load_pem(key_path, cert_path, password=settings.signing_key_password)
    elif settings.uses_development_key:
        key = generate_dev_key(key_path.parent)
        log.warning(
            "GENERATED A DEVELOPMENT SIGNING KEY at %s: self-signed, NOT for production (key id %s)",
            key_path,
            key.key_id,
        )
    else:
        raise FileNotFoundError(f"signing key {key_path} or certificate {cert_path} not found")
    if settings.uses_development_key:
        log.warning("signing with a DEVELOPMENT key (key id %s): not for production", key.key_id)
    ring = KeyRing([key])
    for path in settings.previous_signing_certs:
        for certificate in x509.load_pem_x509_certificates(path.read_bytes()):
            ring.retire(certificate)
    return ring


@dataclass(frozen=True)
class BootstrapKeys:
    """The first tenant and its keys, created once on a fresh database."""

    tenant_id: str
    platform_key: str
    admin_key: str
    erp_key: str

    def as_env(self) -> str:
        """The keys as ``EGW_*=value`` lines (a shell can ``source`` them)."""
        return (
            f"EGW_PLATFORM_KEY={self.platform_key}\n"
            f"EGW_ADMIN_KEY={self.admin_key}\n"
            f"EGW_ERP_KEY={self.erp_key}\n"
        )


def bootstrap(engine: Any, name: str = "default") -> BootstrapKeys | None:
    """Creates the first tenant with a platform, an admin and an ERP key, if there is no tenant yet.

    The platform key belongs to this first tenant (every key has one) but holds only
    the ``platform`` role: it creates tenants and reads no tenant's data.

    Returns:
        The tenant and its keys, or None when a tenant already exists.
    """
    with Session(db.writer(engine), expire_on_commit=False) as session, session.begin():
        if session.exec(select(Tenant)).first() is not None:
            return None
        tenant = Tenant(id=new_id(), name=name, number_prefix="INV-", created_at=datetime.now(UTC))
        session.add(tenant)
        session.flush()
        keys = {}
        for role, label in (
            ("platform", "platform"),
            ("admin", "initial admin"),
            ("erp", "initial ERP"),
        ):
            record, keys[role] = create_key(session, tenant_id=tenant.id, name=label, roles=[role])
            session.add(
                audit_event(
                    tenant_id=tenant.id,
                    api_key_id=None,
                    action="key.create",
                    target=record.id,
                    detail=f"roles {role}; bootstrap",
                )
            )
    return BootstrapKeys(tenant.id, keys["platform"], keys["admin"], keys["erp"])


def bootstrap_tenant(engine: Any, name: str = "default") -> tuple[str, str, str] | None:
    """Like :func:`bootstrap`, returning (tenant id, admin key, ERP key) for callers that need no platform key."""
    created = bootstrap(engine, name)
    return None if created is None else (created.tenant_id, created.admin_key, created.erp_key)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the gateway application for the given settings (defaults: embedded, under ./data)."""
    cap_library_loggers()
    settings = settings or Settings(_env_file=os.environ.get("EGW_SETTINGS_FILE"))  # type: ignore[call-arg]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.artifacts_dir is not None:
        os.environ["EGW_ARTIFACTS_DIR"] = str(settings.artifacts_dir)
    url = settings.resolved_database_url
    db.migrate(url)
    engine = db.make_engine(url)
    blobs = open_blob_store(settings)
    keys = load_signing_keys(settings)
    archive = Archive(blobs=blobs, vault=Vault(load_keks(settings)))

    app = FastAPI(
        title="einvoice-gateway",
        version="0.1.0",
        description="Compliance-focused e-invoicing gateway: EN 16931 drafts in, validated and signed UBL/CII out.",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.blobs = blobs
    app.state.archive = archive
    # Merkle trees of signed checkpoints, shared by the API's and the console's proofs.
    app.state.proof_trees = TreeCache()
    app.state.keys = keys
    app.state.key_cache = KeyCache()  # API keys: see KeyCache for how revocation reaches it
    policy = (
        SignaturePolicy(
            identifier=settings.signature_policy_id, sha256_b64=settings.signature_policy_sha256
        )
        if settings.signature_policy_id and settings.signature_policy_sha256
        else None
    )
    app.state.pipeline = Pipeline(
        engine=engine,
        archive=archive,
        keys=keys,
        policy=policy,
        group_commit=settings.group_commit,
        validation_engine=settings.validation_engine,
        official_audit=OfficialAudit(settings.official_audit_fraction)
        if settings.validation_engine == "auto"
        else None,
    )
    errors.install(app)
    for router in (
        health.router,
        archive_api.router,
        invoices.router,
        views.router,
        submissions.router,
        validation.router,
        admin.router,
        privacy.router,
        jurisdictions.router,
        webhooks.router,
        responses.router,
        as4.router,
    ):
        app.include_router(router)
    delivery.install(app)
    console.install(app)
    checkpoint_scheduler.install(app)
    warmup.install(app)
    # The last added runs first: AccessLog sees every answer, CatchAll's 500s included.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(errors.CatchAll)
    app.add_middleware(AccessLog)
    app.openapi = openapi.builder(app)  # type: ignore[method-assign]
    return app
