"""Loading the key-encryption keys from settings (the only file I/O of the envelope scheme)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from gateway.archive.envelope import KeyChain, KeyEncryptionKey
from gateway.archive.errors import ArchiveKeyError
from gateway.settings import Settings

log = logging.getLogger("gateway.archive")


def _read(path: Path) -> KeyEncryptionKey:
    try:
        return KeyEncryptionKey.from_text(path.read_text())
    except OSError:
        raise ArchiveKeyError(f"cannot read the key-encryption key file {path}") from None


def load_keks(settings: Settings) -> KeyChain:
    """The configured KEK chain; in development a KEK is generated once (mode 0600) and said loudly."""
    if settings.kek is not None:
        current = KeyEncryptionKey.from_text(settings.kek.get_secret_value())
    else:
        path = settings.resolved_kek_file
        if not path.exists():
            if not settings.uses_development_kek:
                raise ArchiveKeyError(f"the key-encryption key file {path} does not exist")
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(KeyEncryptionKey.generate().to_text() + "\n")
            log.warning(
                "GENERATED A DEVELOPMENT KEY-ENCRYPTION KEY at %s: back it up; without it the archive cannot be read",
                path,
            )
        current = _read(path)
    previous = [_read(p) for p in settings.previous_kek_files]
    return KeyChain(current, previous)
