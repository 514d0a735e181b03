"""Readable invoices: every corpus document renders, and every business term it holds is on the page."""

from __future__ import annotations

import base64
import re

import lxml.html
import pytest

from gateway.show import negotiate_language, parse_document, render_html
from gateway.show.terms import terms
from schemas.model import Invoice, personal_data_fields
from tests.conftest import corpus_files
from tests.factories import full_invoice, full_invoice_data
from tests.show.model_walk import leaves, missing_values

FILES = corpus_files("ubl", "valid") + corpus_files("cii", "valid")


def page_text(html: str) -> str:
    return lxml.html.fromstring(html).text_content()


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_corpus_document_shows_every_value(corpus_dir, path):
    invoice = parse_document(path.read_bytes())
    html = render_html(invoice, lang="en")
    assert missing_values(invoice, page_text(html)) == []
    # Every term present is labelled with its BT number.
    assert "BT-1 " in page_text(html).replace("\xa0", " ")


def test_corpus_is_there(corpus_dir):
    assert len(FILES) == 73


@pytest.mark.parametrize("lang", ["en", "de"])
def test_full_invoice_every_value_and_label(lang):
    invoice = full_invoice()
    html = render_html(invoice, lang=lang)
    text = page_text(html)
    assert missing_values(invoice, text, lang) == []
    # Each term present appears with its number and its name in that language.
    for path, _ in leaves(invoice):
        key = re.sub(r"\[\d+\]", "", path)
        for candidate in (key, key.rsplit(".", 1)[0]):
            term = terms().get(candidate)
            if term and term.term:
                assert term.term in text, (path, term.term)
                assert term.name(lang) in text, (path, term.name(lang))
                break


def test_every_model_field_has_a_named_term():
    """The table of names covers the whole model: a new field cannot go unnamed in German."""

    def paths(model, prefix=""):
        from schemas.model import _nested_models

        for name, info in model.model_fields.items():
            path = f"{prefix}{name}"
            nested = [
                m
                for m in _nested_models(info.annotation)
                if m.__name__ not in ("Identifier", "Classification", "Attachment")
            ]
            yield path
            for sub in nested:
                yield from paths(sub, f"{path}.")

    table = terms()
    unnamed = [p for p in paths(Invoice) if p not in table]
    assert unnamed == []
    assert all(t.names["de"] and t.names["en"] for t in table.values())


def test_german_labels_dates_and_amounts():
    invoice = full_invoice()
    text = page_text(render_html(invoice, lang="de"))
    assert "Rechnungsnummer" in text and "Fälliger Zahlungsbetrag" in text
    assert "01.11.2026" in text  # BT-2, German date
    due = invoice.totals.amount_due
    assert f"{due:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") in text
    assert "€" in text


def test_english_labels():
    text = page_text(render_html(full_invoice(), lang="en"))
    assert "Invoice number" in text and "Amount due for payment" in text
    assert "Nov 1, 2026" in text


def test_vat_breakdown_and_allowances_are_tables():
    invoice = full_invoice()
    document = lxml.html.fromstring(render_html(invoice))
    captions = [c.text_content() for c in document.iter("caption")]
    assert "VAT breakdown" in captions
    assert "Document level allowances" in captions
    assert "Document level charges" in captions
    vat_table = next(
        c.getparent() for c in document.iter("caption") if c.text_content() == "VAT breakdown"
    )
    assert len(vat_table.findall(".//tbody/tr")) == len(invoice.vat_breakdown)


def test_embedded_attachment_is_downloadable_from_the_page():
    invoice = full_invoice()
    attached = [d.attachment for d in invoice.supporting_documents if d.attachment]
    assert attached, "the factory invoice carries an attachment"
    document = lxml.html.fromstring(render_html(invoice))
    links = [a for a in document.iter("a") if a.get("download")]
    assert [a.get("download") for a in links] == [a.filename for a in attached]
    for link, attachment in zip(links, attached, strict=True):
        header, _, data = link.get("href").partition(",")
        assert header == f"data:{attachment.mime_code};base64"
        assert base64.b64decode(data) == attachment.content


def test_custom_attachment_links():
    invoice = full_invoice()
    html = render_html(invoice, attachment_href=lambda i, a: f"/files/{i}")
    assert 'href="/files/0"' in html


def test_document_content_is_escaped():
    data = full_invoice_data()
    data["notes"] = ['<script>alert("x")</script>']
    data["seller"]["name"] = "Evil <img src=x onerror=alert(1)>"
    html = render_html(Invoice.model_validate(data))
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_external_document_location_is_not_a_link():
    # BT-124 is untrusted text: a javascript: URL must never become a link.
    data = full_invoice_data()
    data["supporting_documents"] = [{"id": "D1", "external_uri": "javascript:alert(1)"}]
    html = render_html(Invoice.model_validate(data))
    assert 'href="javascript:' not in html
    assert "javascript:alert(1)" in page_text(html)


def test_headings_do_not_skip_levels():
    document = lxml.html.fromstring(render_html(full_invoice()))
    levels = [int(h.tag[1]) for h in document.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels[0] == 1
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, levels


def test_personal_data_fields_are_all_named():
    # Whatever the privacy layer hides must have a place (and a label) on the page.
    table = terms()
    for path in personal_data_fields(Invoice):
        assert path in table or path.rsplit(".", 1)[0] in table, path


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("de", "de"),
        ("de-AT,de;q=0.9", "de"),
        ("fr;q=1, de;q=0.4", "de"),
        ("en-GB, de;q=0.2", "en"),
        ("xx, *;q=0.1", "en"),
        ("de;q=0", "en"),
    ],
)
def test_language_negotiation(header, expected):
    assert negotiate_language(header) == expected
