"""Gateway settings: one typed value, from environment variables (``EGW_*``) and an optional file.

The embedded defaults need nothing installed: a SQLite file and a blob folder under
the data directory, and a development signing key generated on first start. In
production (``EGW_ENV=production``) those defaults are refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the gateway needs to start."""

    model_config = SettingsConfigDict(env_prefix="EGW_", env_file=None, extra="ignore")

    env: Literal["development", "production"] = "development"
    data_dir: Path = Field(
        default=Path("data"), description="SQLite file, blobs and the development key live here."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite in the data dir."
    )
    blob_dir: Path | None = Field(
        default=None, description="Document blobs; default <data_dir>/blobs."
    )
    signing_key: Path | None = Field(
        default=None, description="PEM private key; default <data_dir>/keys/key.pem."
    )
    signing_cert: Path | None = Field(
        default=None, description="PEM certificate of the signing key."
    )
    signing_key_password: str | None = None
    previous_signing_certs: list[Path] = Field(
        default_factory=list,
        description="PEM certificates of retired signing keys: their documents still verify after rotation.",
    )
    signature_policy_id: str | None = Field(
        default=None,
        description="XAdES-EPES signature policy identifier (a URI or OID); unset: XAdES-BES.",
    )
    signature_policy_sha256: str | None = Field(
        default=None,
        description="Base64 SHA-256 of the signature policy document (with the identifier).",
    )
    artifacts_dir: Path | None = Field(
        default=None, description="Official artifacts (EGW_ARTIFACTS_DIR)."
    )
    max_body_bytes: int = Field(
        default=25 * 1024 * 1024, gt=0, description="Largest accepted request body."
    )
    page_size_max: int = Field(default=200, gt=0)

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'gateway.db').resolve()}"

    @property
    def resolved_blob_dir(self) -> Path:
        """Where document blobs are written."""
        return self.blob_dir or self.data_dir / "blobs"

    @property
    def resolved_key_paths(self) -> tuple[Path, Path]:
        """The signing key and certificate files."""
        key = self.signing_key or self.data_dir / "keys" / "key.pem"
        cert = self.signing_cert or key.with_name("cert.pem")
        return key, cert

    @property
    def uses_development_key(self) -> bool:
        """Whether no signing key was configured (a development key is generated then)."""
        return self.signing_key is None

    @model_validator(mode="after")
    def _policy_complete(self) -> Settings:
        if (self.signature_policy_id is None) != (self.signature_policy_sha256 is None):
            raise ValueError("EGW_SIGNATURE_POLICY_ID and EGW_SIGNATURE_POLICY_SHA256 go together")
        return self

    @model_validator(mode="after")
    def _safe_in_production(self) -> Settings:
        if self.env == "production":
            if self.resolved_database_url.startswith("sqlite"):
                raise ValueError(
                    "EGW_ENV=production needs EGW_DATABASE_URL pointing at PostgreSQL, not SQLite"
                )
            if self.signing_key is None or self.signing_cert is None:
                raise ValueError(
                    "EGW_ENV=production needs EGW_SIGNING_KEY and EGW_SIGNING_CERT (no development key)"
                )
        return self
