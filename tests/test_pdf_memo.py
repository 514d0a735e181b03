"""The PDF memo of the tests (tests/pdf_memo.py) prints each invoice and language once, and only those."""

from __future__ import annotations

from tests.factories import full_invoice
from tests.pdf_memo import PdfMemo


def test_an_equal_invoice_is_printed_once_another_language_or_invoice_again():
    printed = []

    def fake_render(invoice, *, lang="en"):
        printed.append((invoice.number, lang))
        return f"%PDF {invoice.number} {lang} {len(printed)}".encode()

    memo = PdfMemo(fake_render)
    invoice = full_invoice()
    first = memo(invoice, lang="en")
    assert memo(invoice.model_copy(deep=True), lang="en") == first  # equal, not the same object
    german = memo(invoice, lang="de")
    other = memo(invoice.model_copy(update={"number": "OTHER-1"}), lang="en")
    assert printed == [(invoice.number, "en"), (invoice.number, "de"), ("OTHER-1", "en")]
    assert len({first, german, other}) == 3 and memo.calls == 4
