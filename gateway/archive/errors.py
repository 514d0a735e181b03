"""Errors of the statutory archive. Messages name records by id and never carry personal data."""

from __future__ import annotations

from schemas.errors import GatewayError


class ArchiveError(GatewayError):
    """Root of the archive's errors."""

    status_code = 500


class ArchiveKeyError(ArchiveError):
    """A key-encryption or data key is missing, wrong, or destroyed."""


class SealBroken(ArchiveError):
    """A sealed artefact does not open: altered bytes, a wrong key, or moved from another record."""


class IntegrityViolation(ArchiveError):
    """A record, blob or ledger entry no longer matches what the ledger committed to.

    Reads fail loudly with this rather than serve changed data.
    """

    status_code = 500

    def __init__(self, message: str, *, record_id: str | None, kind: str) -> None:
        super().__init__(message)
        self.record_id = record_id
        self.kind = kind


class RecordShredded(ArchiveError):
    """The record was purged after its retention period: its data key is destroyed."""

    status_code = 410


class HoldConflict(ArchiveError):
    """A legal hold cannot be placed or lifted as asked."""

    status_code = 409


class HoldMissing(ArchiveError):
    """No legal hold of that id in the caller's tenant."""

    status_code = 404


class HoldInvalid(ArchiveError):
    """A legal hold request does not say what to hold, or why."""

    status_code = 422


class PurgeRefused(ArchiveError):
    """A purge was asked for that would remove something early."""

    status_code = 422


class TimestampError(ArchiveError):
    """The time-stamp authority could not be reached or answered something unusable."""

    status_code = 502
