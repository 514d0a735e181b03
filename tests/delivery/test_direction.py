"""Received invoices are findable: ``GET /v1/invoices?direction=inbound|outbound`` (issue 15)."""

from __future__ import annotations

from tests.api.drafts import api_draft
from tests.conftest import CORPUS_DIR


def test_direction_filter_separates_received_from_issued_invoices(gateway, corpus_dir):
    issued = gateway.client.post("/v1/invoices", json=api_draft("OUT-1"), headers=gateway.erp)
    assert issued.status_code == 201, issued.text
    source = (CORPUS_DIR / "ubl" / "valid" / "ce-ubl-tc434-example1.xml").read_bytes()
    received = gateway.client.post(
        "/v1/invoices/xml",
        content=source,
        headers={**gateway.erp, "Content-Type": "application/xml"},
    )
    assert received.status_code == 201, received.text

    def listed(**params):
        response = gateway.client.get("/v1/invoices", params=params, headers=gateway.erp)
        assert response.status_code == 200, response.text
        return {(item["id"], item["direction"]) for item in response.json()["data"]}

    assert listed(direction="inbound") == {(received.json()["id"], "inbound")}
    assert listed(direction="outbound") == {(issued.json()["id"], "outbound")}
    assert len(listed()) == 2


def test_another_direction_is_a_422_naming_the_allowed_values(gateway):
    response = gateway.client.get("/v1/invoices?direction=sideways", headers=gateway.erp)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problems = {p["field"]: p for p in response.json()["problems"]}
    assert "query.direction" in problems
    assert "inbound" in problems["query.direction"]["message"]
    assert "outbound" in problems["query.direction"]["message"]
