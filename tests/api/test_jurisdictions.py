"""GET /v1/jurisdictions: rates, tax classes, mandates, retention and sources over HTTP."""

from __future__ import annotations

import pytest

from tax_rules.pack import jurisdictions
from tests.api.drafts import api_draft


@pytest.mark.parametrize("backend", ["sqlite"])
def test_jurisdiction_shows_rates_classes_mandates_retention_and_sources(gateway):
    response = gateway.client.get("/v1/jurisdictions/pl?on=2026-03-01", headers=gateway.erp)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["country"] == "PL" and body["pack_version"]
    assert {m["start"] for m in body["mandates"] if m["scope"] == "b2b_receive"} == {"2026-02-01"}
    assert body["retention"]["years"] == 5 and body["retention"]["source"]
    assert all(r["source"] and r["checked"] for r in body["rates"])
    assert body["sources"]
    listed = gateway.client.get("/v1/jurisdictions", headers=gateway.erp).json()
    assert listed["countries"] == jurisdictions()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_tax_classes_on_a_date(gateway):
    old = gateway.client.get("/v1/jurisdictions/FI/tax-classes?on=2024-06-01", headers=gateway.erp)
    new = gateway.client.get("/v1/jurisdictions/FI/tax-classes?on=2026-06-01", headers=gateway.erp)
    rate = {c["tax_class"]: c["rate"] for c in old.json()["classes"]}
    assert rate["books"] == "10" and rate["exempt"] is None
    assert {c["tax_class"]: c["rate"] for c in new.json()["classes"]}["books"] == "13.5"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_unknown_country_and_bad_date_are_422_with_the_field(gateway):
    response = gateway.client.get("/v1/jurisdictions/XX/tax-classes", headers=gateway.erp)
    assert response.status_code == 422
    assert response.json()["problems"][0]["rule"] == "tax.unknown-country"
    response = gateway.client.get("/v1/jurisdictions/DE?on=01.01.2026", headers=gateway.erp)
    assert response.status_code == 422
    assert gateway.client.get("/v1/jurisdictions/DE").status_code == 401


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_unknown_tax_class_in_a_draft_lists_the_valid_classes(gateway):
    data = api_draft()
    data["lines"][0]["tax_class"] = "luxury"
    response = gateway.client.post("/v1/invoices", json=data, headers=gateway.erp)
    assert response.status_code == 422, response.text
    (problem,) = [p for p in response.json()["problems"] if p["rule"] == "tax.unknown-class"]
    assert problem["field"] == "lines[0].tax_class"
    assert "standard" in problem["allowed"] and "books" in problem["allowed"]
