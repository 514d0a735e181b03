"""Issue 17: a query API that refuses what it cannot answer, lists rejected submissions, and warns."""

from __future__ import annotations

import json

import pytest

from tests.api.drafts import api_draft


def _problem_fields(response):
    assert response.status_code == 422, response.text[:300]
    assert response.headers["content-type"].startswith("application/problem+json")
    return {p["field"]: p for p in response.json()["problems"]}


def test_unknown_status_is_422(shared_gateway):
    fields = _problem_fields(
        shared_gateway.client.get("/v1/invoices?status=acepted", headers=shared_gateway.erp)
    )
    assert "query.status" in fields
    assert "accepted" in fields["query.status"]["message"]
    assert (
        shared_gateway.client.get(
            "/v1/invoices?status=accepted", headers=shared_gateway.erp
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    "cursor", ["abc", "01ZZZZZZZZZZZZZZZZZZZZZZZ", "01zzzzzzzzzzzzzzzzzzzzzzzz", "'; DROP"]
)
def test_malformed_cursor_is_422(shared_gateway, cursor):
    for path in ("/v1/invoices", "/v1/submissions"):
        fields = _problem_fields(
            shared_gateway.client.get(path, params={"cursor": cursor}, headers=shared_gateway.erp)
        )
        assert "next_cursor" in fields["query.cursor"]["message"]


def test_cursor_pages_through_everything(gateway):
    for n in range(3):
        assert (
            gateway.client.post(
                "/v1/invoices", json=api_draft(f"PAGE-{n}"), headers=gateway.erp
            ).status_code
            == 201
        )
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = gateway.client.get("/v1/invoices", params=params, headers=gateway.erp).json()
        seen += [item["number"] for item in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["PAGE-0", "PAGE-1", "PAGE-2"]


@pytest.mark.parametrize("name", ["issued_from", "issued_to"])
def test_date_filters_state_the_expected_format(shared_gateway, name):
    fields = _problem_fields(
        shared_gateway.client.get(f"/v1/invoices?{name}=01.11.2026", headers=shared_gateway.erp)
    )
    assert "YYYY-MM-DD" in fields[f"query.{name}"]["message"]


def test_draft_date_fields_state_the_expected_format(shared_gateway):
    draft = api_draft("DATE-1", issue_date="1/11/2026", due_date="2026-13-01")
    fields = _problem_fields(
        shared_gateway.client.post("/v1/invoices", json=draft, headers=shared_gateway.erp)
    )
    assert "YYYY-MM-DD" in fields["issue_date"]["message"]
    assert "YYYY-MM-DD" in fields["due_date"]["message"]


def test_rejected_submissions_are_listed_with_rule_ids_and_no_content(gateway):
    accepted = gateway.client.post(
        "/v1/invoices", json=api_draft("SUB-1"), headers=gateway.erp
    ).json()
    broken = api_draft("SUB-2")
    broken["lines"][0]["tax_class"] = "no-such-class"
    refused = gateway.client.post("/v1/invoices", json=broken, headers=gateway.erp)
    assert refused.status_code == 422
    unfit = api_draft("SUB-3")
    del unfit["currency"]
    assert gateway.client.post("/v1/invoices", json=unfit, headers=gateway.erp).status_code == 422

    rejected = gateway.client.get("/v1/submissions?outcome=rejected", headers=gateway.erp)
    assert rejected.status_code == 200, rejected.text
    data = rejected.json()["data"]
    assert len(data) == 2
    assert all(item["outcome"] == "rejected" and item["invoice_id"] is None for item in data)
    refused_rules = {p["rule"] for p in refused.json()["problems"] if p["rule"]}
    assert set(data[0]["rules"]) == refused_rules and data[0]["rules"]
    assert data[1]["rules"] == ["missing"]
    assert all(item["received_at"] for item in data)
    text = json.dumps(data)
    for personal in ("Seller", "Buyer", "SUB-2", "Berlin", "Widget"):
        assert personal not in text

    listed = gateway.client.get("/v1/submissions?outcome=accepted", headers=gateway.erp).json()[
        "data"
    ]
    assert [item["invoice_id"] for item in listed] == [accepted["id"]]
    everything = gateway.client.get("/v1/submissions", headers=gateway.erp).json()["data"]
    assert [item["outcome"] for item in everything] == ["accepted", "rejected", "rejected"]
    # Another tenant sees none of it; an unknown outcome is a 422.
    assert (
        gateway.client.get("/v1/submissions", headers=gateway.auth(gateway.other_erp_key)).json()[
            "data"
        ]
        == []
    )
    assert "query.outcome" in _problem_fields(
        gateway.client.get("/v1/submissions?outcome=failed", headers=gateway.erp)
    )


def test_negative_quantity_on_a_commercial_invoice_is_accepted_with_a_warning(gateway):
    draft = api_draft("NEG-1")
    draft["lines"][0]["quantity"] = "-2"
    draft["lines"].append({**draft["lines"][0], "id": "2", "quantity": "5"})
    response = gateway.client.post("/v1/invoices", json=draft, headers=gateway.erp)
    assert response.status_code == 201, response.text[:300]
    warnings = response.json()["warnings"]
    assert [(w["code"], w["field"]) for w in warnings] == [
        ("EGW-NEGATIVE-QUANTITY", "lines.0.quantity")
    ]
    assert "381" in warnings[0]["message"]
    # The stored invoice says the same when read back.
    again = gateway.client.get(f"/v1/invoices/{response.json()['id']}", headers=gateway.erp).json()
    assert again["warnings"] == warnings


def test_no_warning_for_positive_quantities(gateway):
    response = gateway.client.post("/v1/invoices", json=api_draft("POS-1"), headers=gateway.erp)
    assert response.status_code == 201
    assert response.json()["warnings"] == []
