"""The FastAPI application: ``create_app(settings)`` builds the engine, stores and keys; no import-time state."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from fastapi import FastAPI
from sqlmodel import Session, select

from gateway import db
from gateway.api import admin, errors, health, invoices, validation
from gateway.api.access_log import AccessLog
from gateway.api.limits import BodySizeLimit
from gateway.auth import create_key
from gateway.blobstore import BlobStore
from gateway.ids import new_id
from gateway.pipeline import Pipeline
from gateway.settings import Settings
from gateway.tables import Tenant
from schemas.model import InvoiceDraft
from signing import KeyRing, SignaturePolicy, SigningKey, generate_dev_key, load_pem

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


def bootstrap_tenant(engine: Any, name: str = "default") -> tuple[str, str, str] | None:
    """Creates the first tenant with an admin and an ERP key, if there is no tenant yet.

    Returns:
        (tenant id, admin key, ERP key), or None when a tenant already exists.
    """
    with Session(db.writer(engine), expire_on_commit=False) as session, session.begin():
        if session.exec(select(Tenant)).first() is not None:
            return None
        tenant = Tenant(id=new_id(), name=name, number_prefix="INV-", created_at=datetime.now(UTC))
        session.add(tenant)
        session.flush()
        _, admin_key = create_key(
            session, tenant_id=tenant.id, name="initial admin", roles=["admin"]
        )
        _, erp_key = create_key(session, tenant_id=tenant.id, name="initial ERP", roles=["erp"])
    return tenant.id, admin_key, erp_key


def _openapi_with_models(app: FastAPI) -> Any:
    # The draft is parsed by hand (to keep the exact bytes for idempotency), so its
    # JSON schema is added to the components here.
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(
            title=app.title, version=app.version, routes=app.routes, description=app.description
        )
        draft = InvoiceDraft.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in draft.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components["InvoiceDraft"] = draft
        app.openapi_schema = schema
        return schema

    return build


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the gateway application for the given settings (defaults: embedded, under ./data)."""
    settings = settings or Settings(_env_file=os.environ.get("EGW_SETTINGS_FILE"))  # type: ignore[call-arg]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.artifacts_dir is not None:
        os.environ["EGW_ARTIFACTS_DIR"] = str(settings.artifacts_dir)
    url = settings.resolved_database_url
    db.migrate(url)
    engine = db.make_engine(url)
    blobs = BlobStore(settings.resolved_blob_dir)
    keys = load_signing_keys(settings)

    app = FastAPI(
        title="einvoice-gateway",
        version="0.1.0",
        description="Compliance-focused e-invoicing gateway: EN 16931 drafts in, validated and signed UBL/CII out.",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.blobs = blobs
    app.state.keys = keys
    policy = (
        SignaturePolicy(
            identifier=settings.signature_policy_id, sha256_b64=settings.signature_policy_sha256
        )
        if settings.signature_policy_id and settings.signature_policy_sha256
        else None
    )
    app.state.pipeline = Pipeline(engine=engine, blobs=blobs, keys=keys, policy=policy)
    errors.install(app)
    for router in (health.router, invoices.router, validation.router, admin.router):
        app.include_router(router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(AccessLog)
    app.openapi = _openapi_with_models(app)  # type: ignore[method-assign]
    return app
