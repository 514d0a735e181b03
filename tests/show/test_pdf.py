"""PDF from the same HTML: its text holds the number, the parties and the totals."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from gateway.show import format as fmt
from gateway.show import parse_document, render_pdf
from tests.conftest import corpus_files
from tests.factories import full_invoice
from tests.show.model_walk import normalise

FILES = corpus_files("ubl", "valid") + corpus_files("cii", "valid")
# A quick sample for every run: a Peppol UBL invoice; attachments are printed by
# test_pdf_in_german_embeds_attachments. Every other corpus document (the credit note and
# invoice with every field, CII) runs under -m slow: each PDF costs 1-3 s of CPU.
SAMPLE = {"peppol-base-example.xml"}


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return normalise(" ".join(page.extract_text() for page in reader.pages))


def assert_key_facts(invoice, text: str, lang: str) -> None:
    assert normalise(invoice.number) in text
    assert normalise(invoice.seller.name) in text
    assert normalise(invoice.buyer.name) in text
    for value in (
        invoice.totals.total_without_vat,
        invoice.totals.total_with_vat,
        invoice.totals.amount_due,
    ):
        assert normalise(fmt.amount(value, invoice.currency, lang)) in text, value


def _check(path, lang="en"):
    invoice = parse_document(path.read_bytes())
    pdf = render_pdf(invoice, lang=lang)
    assert pdf.startswith(b"%PDF-")
    assert_key_facts(invoice, pdf_text(pdf), lang)


@pytest.mark.parametrize("path", [p for p in FILES if p.name in SAMPLE], ids=lambda p: p.name)
def test_pdf_holds_number_parties_totals(corpus_dir, path):
    _check(path)


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in FILES if p.name not in SAMPLE], ids=lambda p: p.name)
def test_pdf_of_every_corpus_document(corpus_dir, path):
    _check(path)


def test_pdf_in_german_embeds_attachments():
    invoice = full_invoice()
    pdf = render_pdf(invoice, lang="de")
    text = pdf_text(pdf)
    assert_key_facts(invoice, text, "de")
    assert "Rechnungsnummer" in text
    attached = {
        d.attachment.filename: d.attachment.content
        for d in invoice.supporting_documents
        if d.attachment
    }
    embedded = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/FileAttachment":
                spec = annotation["/FS"].get_object()
                embedded[spec["/F"]] = spec["/EF"]["/F"].get_object().get_data()
    assert list(embedded.values()) == list(attached.values())
