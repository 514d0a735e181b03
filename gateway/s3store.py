"""Sealed blobs in an S3-compatible bucket with Object Lock (WORM), for production.

Each blob is an object named by the SHA-256 of its (sealed) bytes. It is written
in COMPLIANCE mode with ``RetainUntilDate`` = the record's ``retain_until``: not
even the bucket's owner can delete or overwrite it earlier. Legal holds placed in
the archive are mirrored as object legal holds. A purge after retention removes
every version of the object. The bucket must have been created with Object Lock
enabled (which also enables versioning).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time
from typing import Any

from gateway.blobstore import BlobMissingError


class S3BlobStore:
    """Blobs in one bucket, through boto3 (credentials from the usual AWS settings)."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        prefix: str = "blobs/",
        client: Any = None,
    ) -> None:
        import boto3

        self.bucket = bucket
        self.prefix = prefix
        self.client = client or boto3.client("s3", endpoint_url=endpoint_url, region_name=region)

    def _key(self, sha256: str) -> str:
        return f"{self.prefix}{sha256[:2]}/{sha256}"

    def put(self, data: bytes, *, retain_until: date | None = None) -> str:
        """Writes the object (compliance-locked until the end of ``retain_until``) -> SHA-256."""
        sha256 = hashlib.sha256(data).hexdigest()
        extra: dict[str, Any] = {}
        if retain_until is not None:
            extra["ObjectLockMode"] = "COMPLIANCE"
            extra["ObjectLockRetainUntilDate"] = datetime.combine(
                retain_until, time(23, 59, 59), tzinfo=UTC
            )
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._key(sha256),
            Body=data,
            ChecksumAlgorithm="SHA256",
            **extra,
        )
        return sha256

    def get(self, sha256: str) -> bytes:
        """Reads an object and checks its bytes against its name."""
        from botocore.exceptions import ClientError

        try:
            data: bytes = self.client.get_object(Bucket=self.bucket, Key=self._key(sha256))[
                "Body"
            ].read()
        except ClientError:
            raise BlobMissingError(f"blob {sha256} is missing from the bucket") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BlobMissingError(f"blob {sha256} is corrupt: its bytes do not match its hash")
        return data

    def exists(self, sha256: str) -> bool:
        """Whether the object is there."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(sha256))
        except ClientError:
            return False
        return True

    def delete(self, sha256: str) -> bool:
        """Removes every version (after retention: Object Lock refuses anything earlier)."""
        key = self._key(sha256)
        versions = self.client.list_object_versions(Bucket=self.bucket, Prefix=key)
        found = [
            v
            for v in [*versions.get("Versions", []), *versions.get("DeleteMarkers", [])]
            if v["Key"] == key
        ]
        for version in found:
            self.client.delete_object(Bucket=self.bucket, Key=key, VersionId=version["VersionId"])
        return bool(found)

    def set_legal_hold(self, sha256: str, on: bool) -> None:
        """Mirrors an archive legal hold on the object."""
        self.client.put_object_legal_hold(
            Bucket=self.bucket,
            Key=self._key(sha256),
            LegalHold={"Status": "ON" if on else "OFF"},
        )

    def lock_of(self, sha256: str) -> dict[str, Any]:
        """The object's lock state: mode, retain-until date, legal hold."""
        head = self.client.head_object(Bucket=self.bucket, Key=self._key(sha256))
        return {
            "mode": head.get("ObjectLockMode"),
            "retain_until": head.get("ObjectLockRetainUntilDate"),
            "legal_hold": head.get("ObjectLockLegalHoldStatus"),
        }

    def probe(self) -> str:
        """``ok`` when the bucket answers."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            return f"bucket unavailable: {type(exc).__name__}"
        return "ok"
