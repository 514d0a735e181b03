"""One PDF per invoice and language per test process: what keeps the PDF routes' tests cheap.

WeasyPrint needs a second or two of CPU for one invoice, and the same stored invoice is
printed again and again: by the API's ``/pdf`` on SQLite and on PostgreSQL, by the console's
download, by the e-mail channel. ``render_pdf`` is a pure function of the invoice and the
language, so :class:`PdfMemo` hands out the bytes it printed for an equal invoice before.
Every route still calls it, and every distinct invoice is still printed for real once.

``tests/show/test_pdf.py`` imports the real function at collection time, before the memo is
installed, so what it checks is always a fresh rendering. ``EGW_TEST_PDF_MEMO=off`` turns
the memo off.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from schemas.model import Invoice

Render = Callable[..., bytes]


def memo_enabled() -> bool:
    """False when ``EGW_TEST_PDF_MEMO=off`` asks for a real rendering on every call."""
    return os.environ.get("EGW_TEST_PDF_MEMO", "on").lower() != "off"


class PdfMemo:
    """Stands in for ``gateway.show.render_pdf``: the real rendering once per (invoice, language)."""

    def __init__(self, real: Render) -> None:
        self.real = real
        self.printed: dict[str, bytes] = {}
        self.calls = 0

    def __call__(self, invoice: Invoice, *, lang: str = "en") -> bytes:
        self.calls += 1
        key = hashlib.sha256(f"{lang}\n{invoice.model_dump_json()}".encode()).hexdigest()
        pdf = self.printed.get(key)
        if pdf is None:
            pdf = self.printed[key] = self.real(invoice, lang=lang)
        return pdf


def install(patch: pytest.MonkeyPatch) -> PdfMemo | None:
    """Puts one memo in place of ``render_pdf`` in every loaded gateway module that holds it.

    Nothing is imported here: when no collected test loaded ``gateway.show`` (a run of
    tests/tax_rules alone, say), there is nothing to stand in for and the run pays nothing.
    A module that imports ``render_pdf`` later gets the memo, which is ``gateway.show``'s by then.
    """
    show = sys.modules.get("gateway.show")
    if show is None:
        return None
    real = show.render_pdf
    memo = PdfMemo(real)
    for name, module in list(sys.modules.items()):
        if name.startswith("gateway.") and getattr(module, "render_pdf", None) is real:
            patch.setattr(module, "render_pdf", memo)
    return memo
