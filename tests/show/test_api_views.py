"""``GET /v1/invoices/{id}/html`` and ``/pdf``: same roles and tenant rules as the invoice itself."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.api.drafts import api_draft
from tests.conftest import CORPUS_DIR


def _submit(gateway) -> str:
    response = gateway.client.post("/v1/invoices", json=api_draft(), headers=gateway.erp)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_html_and_pdf_of_a_stored_invoice(gateway):
    invoice_id = _submit(gateway)
    html = gateway.client.get(f"/v1/invoices/{invoice_id}/html", headers=gateway.erp)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "API-1" in html.text and "BT-115" in html.text and "Invoice number" in html.text
    assert html.headers["content-language"] == "en"

    german = gateway.client.get(
        f"/v1/invoices/{invoice_id}/html", headers={**gateway.erp, "Accept-Language": "de-DE"}
    )
    assert "Rechnungsnummer" in german.text and german.headers["content-language"] == "de"
    assert (
        "Invoice number"
        in gateway.client.get(
            f"/v1/invoices/{invoice_id}/html?lang=en",
            headers={**gateway.erp, "Accept-Language": "de"},
        ).text
    )

    pdf = gateway.client.get(f"/v1/invoices/{invoice_id}/pdf?lang=de", headers=gateway.erp)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == f'attachment; filename="invoice-{invoice_id}.pdf"'
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "API-1" in text and "134,45" in text


def test_views_need_a_key_and_stay_in_the_tenant(gateway):
    invoice_id = _submit(gateway)
    for kind in ("html", "pdf"):
        url = f"/v1/invoices/{invoice_id}/{kind}"
        assert gateway.client.get(url).status_code == 401
        other = gateway.client.get(url, headers=gateway.auth(gateway.other_erp_key))
        assert other.status_code == 404
        assert gateway.client.get(url, headers=gateway.admin).status_code == 200
    missing = gateway.client.get(
        "/v1/invoices/01ARZ3NDEKTSV4RRFFQ69G5FAV/html", headers=gateway.erp
    )
    assert missing.status_code == 404


def test_unknown_language_is_a_clear_422(gateway):
    invoice_id = _submit(gateway)
    response = gateway.client.get(f"/v1/invoices/{invoice_id}/html?lang=xx", headers=gateway.erp)
    assert response.status_code == 422
    assert "lang must be one of en, de" in response.text


def test_inbound_cii_with_attachment_renders(gateway, corpus_dir):
    body = (CORPUS_DIR / "cii/valid/ce-CII_example5.xml").read_bytes()
    response = gateway.client.post(
        "/v1/invoices/xml",
        content=body,
        headers={**gateway.erp, "Content-Type": "application/xml"},
    )
    assert response.status_code == 201, response.text
    html = gateway.client.get(f"/v1/invoices/{response.json()['id']}/html", headers=gateway.erp)
    assert html.status_code == 200 and 'download="' in html.text
