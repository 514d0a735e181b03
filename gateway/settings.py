"""Gateway settings: one typed value, from environment variables (``EGW_*``) and an optional file.

The embedded defaults need nothing installed: a SQLite file and a blob folder under
the data directory, and a development signing key generated on first start. In
production (``EGW_ENV=production``) those defaults are refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
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
    kek: SecretStr | None = Field(
        default=None,
        description="Key-encryption key (base64 or hex of 32 bytes) wrapping every record's data key.",
    )
    kek_file: Path | None = Field(
        default=None,
        description="File holding the key-encryption key; default <data_dir>/keys/kek (generated in development).",
    )
    previous_kek_files: list[Path] = Field(
        default_factory=list,
        description="Files of retired key-encryption keys, kept until `egw archive rotate-kek` re-wrapped every data key.",
    )
    tsa_url: str | None = Field(
        default=None,
        description="RFC 3161 time-stamp authority for checkpoints; unset: checkpoints are signed, not time-stamped.",
    )
    blob_backend: Literal["filesystem", "s3"] = Field(
        default="filesystem",
        description="Where sealed documents live: a local folder, or an S3 bucket with Object Lock.",
    )
    s3_bucket: str | None = Field(
        default=None, description="S3 bucket created with Object Lock enabled (blob_backend=s3)."
    )
    s3_endpoint_url: str | None = Field(
        default=None, description="S3-compatible endpoint; unset: AWS."
    )
    s3_region: str | None = Field(default=None, description="S3 region.")
    checkpoint_interval_seconds: float = Field(
        default=3600,
        ge=0,
        description="Sign (and time-stamp) each tenant's ledger head this often when it grew; 0: only on demand.",
    )
    tsa_ca_file: Path | None = Field(
        default=None, description="PEM certificates trusted for the time-stamp authority's tokens."
    )
    group_commit: bool = Field(
        default=True,
        description="Submissions that arrive together share one transaction and one commit "
        "(EGW_GROUP_COMMIT=false: one transaction each).",
    )
    validation_engine: Literal["official", "auto"] = Field(
        default="auto",
        description="Who judges drafts the gateway rendered: 'auto' uses the native rules "
        "(validators.native, proven equal to the official ones) for each rule set they cover "
        "completely when the draft has at most 300 lines, Saxon for the rest; 'official' "
        "always Saxon. Inbound XML is always judged by Saxon.",
    )
    warm_up: bool = Field(
        default=True,
        description="Compile every rule set in force when the server starts (a background "
        "thread; /readyz answers 503 until it is done), so no request waits for a compile.",
    )
    official_audit_fraction: float = Field(
        default=0.01,
        ge=0.0,
        le=1.0,
        description="Fraction of natively judged drafts re-validated by Saxon in the background; "
        "a disagreement is logged at ERROR and stored as an audit event.",
    )
    auditor_key_max_days: int = Field(
        default=90,
        gt=0,
        le=3660,
        description="Auditor keys must expire within this many days of their creation.",
    )
    # -- delivery (issue 15) -------------------------------------------------------
    delivery_worker: bool = Field(
        default=True,
        description="Run the delivery worker inside the server process (webhooks, e-mail, Peppol).",
    )
    delivery_queue: Literal["auto", "table", "procrastinate"] = Field(
        default="auto",
        description="Job queue: procrastinate on PostgreSQL, the embedded table queue on SQLite (auto).",
    )
    delivery_max_attempts: int = Field(
        default=8, gt=0, le=50, description="Attempts before a delivery is dead-lettered."
    )
    delivery_backoff_seconds: float = Field(
        default=30.0, gt=0, description="First retry delay; doubles with every attempt."
    )
    delivery_backoff_max_seconds: float = Field(
        default=6 * 3600.0, gt=0, description="Longest delay between two attempts."
    )
    delivery_lease_seconds: float = Field(
        default=120.0,
        gt=0,
        description="A job taken by a worker that died is taken again after this long.",
    )
    delivery_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often the embedded worker looks for due jobs."
    )
    delivery_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Network timeout of one delivery attempt."
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Allow webhook URLs on loopback/private addresses and plain http (tests, on-premise).",
    )
    smtp_host: str | None = Field(
        default=None, description="SMTP server of the e-mail channel; unset: no e-mail."
    )
    smtp_port: int = Field(default=587, gt=0, lt=65536)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = Field(default=True, description="STARTTLS before authenticating.")
    smtp_sender: str = Field(
        default="einvoice@localhost", description="From address of delivered invoices."
    )
    peppol_key: Path | None = Field(
        default=None, description="PEM private key of this access point; unset: no Peppol."
    )
    peppol_cert: Path | None = Field(
        default=None, description="PEM certificate of this access point (its CN is the AP seat id)."
    )
    peppol_trust_anchors: list[Path] = Field(
        default_factory=list,
        description="PEM files of the CAs whose access-point certificates are trusted (Peppol AP CA).",
    )
    smp_trust_anchors: list[Path] = Field(
        default_factory=list,
        description="PEM files of the CAs whose SMP signing certificates are trusted (Peppol SMP CA).",
    )
    sml_zone: str = Field(
        default="edelivery.tech.ec.europa.eu",
        description="SML DNS zone (test network: acc.edelivery.tech.ec.europa.eu).",
    )
    smp_url: str | None = Field(
        default=None,
        description="A fixed SMP base URL that skips the SML DNS lookup (tests, closed networks).",
    )
    peppol_participants: dict[str, str] = Field(
        default_factory=dict,
        description="Peppol participant ids received here (scheme:value) -> tenant id or name.",
    )
    peppol_sender_country: str = Field(
        default="DE", min_length=2, max_length=2, description="COUNTRY_C1 when the seller has none."
    )

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
    def resolved_kek_file(self) -> Path:
        """Where the key-encryption key is read from (or generated, in development)."""
        return self.kek_file or self.data_dir / "keys" / "kek"

    @property
    def uses_development_kek(self) -> bool:
        """Whether no key-encryption key was configured (one is generated then)."""
        return self.kek is None and self.kek_file is None

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
    def _s3_complete(self) -> Settings:
        if self.blob_backend == "s3" and not self.s3_bucket:
            raise ValueError("EGW_BLOB_BACKEND=s3 needs EGW_S3_BUCKET")
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
            if self.uses_development_kek:
                raise ValueError(
                    "EGW_ENV=production needs EGW_KEK or EGW_KEK_FILE (no generated key-encryption key)"
                )
        return self
