"""The archive opened from settings, for the command line (no web application needed)."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from sqlalchemy import Engine

from gateway import db
from gateway.archive.kek import load_keks
from gateway.archive.store import Archive
from gateway.archive.vault import Vault
from gateway.blobstore import BlobBackend, BlobStore
from gateway.settings import Settings
from signing import KeyRing


@dataclass
class ArchiveContext:
    """An engine, the archive and the signing keys of one installation."""

    settings: Settings
    engine: Engine
    archive: Archive
    keys: KeyRing

    def tsa_roots(self) -> list[x509.Certificate]:
        """Trusted time-stamp authority certificates (empty when none are configured)."""
        path = self.settings.tsa_ca_file
        return x509.load_pem_x509_certificates(path.read_bytes()) if path else []


def open_blob_store(settings: Settings) -> BlobBackend:
    """The configured blob store: the local folder, or the S3 bucket with Object Lock."""
    if settings.blob_backend == "s3":
        from gateway.s3store import S3BlobStore

        assert settings.s3_bucket is not None  # the settings validator makes sure
        return S3BlobStore(
            settings.s3_bucket, endpoint_url=settings.s3_endpoint_url, region=settings.s3_region
        )
    return BlobStore(settings.resolved_blob_dir)


def open_archive(settings: Settings, *, migrate: bool = True) -> ArchiveContext:
    """Opens the installation's database, blob store, key-encryption and signing keys."""
    from gateway.app import load_signing_keys  # the one place that loads signing keys

    url = settings.resolved_database_url
    if migrate:
        db.migrate(url)
    engine = db.make_engine(url)
    archive = Archive(blobs=open_blob_store(settings), vault=Vault(load_keks(settings)))
    return ArchiveContext(
        settings=settings, engine=engine, archive=archive, keys=load_signing_keys(settings)
    )
