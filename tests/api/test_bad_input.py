"""Bad input gets a specific 4xx problem+json, never a 5xx."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.drafts import api_draft
from tests.validators.test_rules_cannot_evaluate import PEPPOL_EXAMPLE, split_customization_id
from validators.stages import schematron

XXE = b'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY x SYSTEM "file:///etc/passwd">]><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&x;</Invoice>'


def _problem(response, status):
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


def test_malformed_json(shared_gateway):
    body = _problem(
        shared_gateway.client.post(
            "/v1/invoices",
            content=b"{not json",
            headers={**shared_gateway.erp, "Content-Type": "application/json"},
        ),
        422,
    )
    assert body["problems"]


def test_body_that_is_not_utf8_is_422_naming_the_body(shared_gateway):
    """FastAPI answers an undecodable JSON body with a bare 400; ours is the contract's 422."""
    for path, headers in (
        ("/v1/admin/keys", shared_gateway.admin),
        ("/v1/invoices", shared_gateway.erp),
    ):
        body = _problem(
            shared_gateway.client.post(
                path,
                content=b'{"name": "\xff\xfe"}',
                headers={**headers, "Content-Type": "application/json"},
            ),
            422,
        )
        assert body["problems"][0]["field"] == "body", (path, body)


def test_unknown_field_is_named(shared_gateway):
    draft = api_draft()
    draft["lines"][0]["colour"] = "red"
    body = _problem(
        shared_gateway.client.post("/v1/invoices", json=draft, headers=shared_gateway.erp), 422
    )
    assert any(p["field"] == "lines.0.colour" for p in body["problems"])


def test_wrong_types_are_named(shared_gateway):
    draft = api_draft()
    draft["issue_date"] = "yesterday"
    draft["lines"][0]["quantity"] = [1]
    body = _problem(
        shared_gateway.client.post("/v1/invoices", json=draft, headers=shared_gateway.erp), 422
    )
    fields = {p["field"] for p in body["problems"]}
    assert {"issue_date", "lines.0.quantity"} <= fields


def test_huge_body_is_413(shared_gateway):
    huge = b"<Invoice>" + b" " * (26 * 1024 * 1024) + b"</Invoice>"
    _problem(
        shared_gateway.client.post(
            "/v1/validate",
            content=huge,
            headers={**shared_gateway.erp, "Content-Type": "application/xml"},
        ),
        413,
    )


def test_xxe_upload_is_refused(shared_gateway):
    for path in ("/v1/invoices/xml", "/v1/validate"):
        body = _problem(
            shared_gateway.client.post(
                path, content=XXE, headers={**shared_gateway.erp, "Content-Type": "application/xml"}
            ),
            400,
        )
        assert body["problems"][0]["rule"] == "xml.dtd-forbidden"


def test_wrong_content_type_is_415(shared_gateway):
    _problem(
        shared_gateway.client.post(
            "/v1/invoices",
            content=json.dumps(api_draft()),
            headers={**shared_gateway.erp, "Content-Type": "text/plain"},
        ),
        415,
    )
    _problem(
        shared_gateway.client.post(
            "/v1/invoices/xml",
            content=b"<a/>",
            headers={**shared_gateway.erp, "Content-Type": "application/json"},
        ),
        415,
    )


def test_unknown_root_element_is_422(shared_gateway):
    body = _problem(
        shared_gateway.client.post(
            "/v1/invoices/xml",
            content=b"<Order xmlns='urn:x'/>",
            headers={**shared_gateway.erp, "Content-Type": "application/xml"},
        ),
        422,
    )
    assert body["problems"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)


def _mutations():
    keys = list(api_draft().keys())
    return st.tuples(st.sampled_from(keys), json_values)


def _not_checked_here(response) -> bool:
    """A 503 "not checked" is right, not a crash, when this machine lacks the rule set.

    Without ../shared (a fresh clone), a mutated draft whose profile falls back to
    its seller's default (Peppol, XRechnung) cannot be checked here.
    """
    from tests.conftest import ARTIFACTS_DIR

    return (
        response.status_code == 503
        and not ARTIFACTS_DIR.is_dir()
        and "EGW-RULESET-NOT-AVAILABLE" in response.text
    )


@pytest.mark.slow
@settings(max_examples=120, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(random_body=json_values, mutation=_mutations())
def test_fuzzed_bodies_never_cause_a_5xx(sqlite_gateway, random_body, mutation):
    client, headers = sqlite_gateway
    response = client.post("/v1/invoices", content=json.dumps(random_body), headers=headers)
    assert response.status_code < 500, response.text[:300]
    draft = api_draft("FUZZ")
    draft[mutation[0]] = mutation[1]
    response = client.post("/v1/invoices", content=json.dumps(draft), headers=headers)
    assert response.status_code < 500 or _not_checked_here(response), (
        mutation,
        response.text[:300],
    )
    response = client.post(
        "/v1/invoices/xml",
        content=json.dumps(random_body).encode(),
        headers={**headers, "Content-Type": "application/xml"},
    )
    assert response.status_code < 500, response.text[:300]


numeric_text = st.sampled_from(
    [
        "1e30",
        "-1e30",
        "NaN",
        "Infinity",
        "-0",
        "0.0000000000001",
        "999999999999999",
        "1E+2",
        "",
        " 1 ",
        "1,5",
    ]
)
line_keys = st.sampled_from(
    [
        "quantity",
        "unit_price",
        "base_quantity",
        "net_amount",
        "vat_rate",
        "gross_price",
        "price_discount",
        "unit",
        "tax_class",
        "vat_category",
    ]
)


@pytest.mark.slow  # fuzzing: 150 generated drafts
@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(key=line_keys, value=numeric_text | json_values, second=numeric_text)
def test_fuzzed_line_values_never_cause_a_5xx(sqlite_gateway, key, value, second):
    client, headers = sqlite_gateway
    draft = api_draft("FUZZ-LINE")
    draft["lines"][0][key] = value
    draft["lines"].append(
        {**draft["lines"][1], "id": "3", "quantity": second, "unit_price": second}
    )
    response = client.post("/v1/invoices", content=json.dumps(draft), headers=headers)
    assert response.status_code < 500, (key, value, second, response.text[:300])


def test_rules_that_stop_on_the_document_give_a_422_and_a_report_and_quote_nothing(
    shared_gateway, corpus_dir: Path, artifacts_dir: Path, caplog
):
    caplog.set_level(logging.DEBUG)
    document = split_customization_id((corpus_dir / PEPPOL_EXAMPLE).read_text()).encode()
    headers = {**shared_gateway.erp, "Content-Type": "application/xml"}
    # The rule sets have run once here, as the warm-up makes them do on a server.
    original = (corpus_dir / PEPPOL_EXAMPLE).read_bytes()
    assert shared_gateway.client.post("/v1/validate", content=original, headers=headers).json()[
        "valid"
    ]
    stored = shared_gateway.client.post("/v1/invoices/xml", content=document, headers=headers)
    assert stored.status_code == 422, stored.text[:300]
    assert any(p["rule"] == schematron.CANNOT_EVALUATE for p in stored.json()["problems"])
    checked = shared_gateway.client.post("/v1/validate", content=document, headers=headers)
    assert checked.status_code == 200, checked.text[:300]
    assert checked.json()["valid"] is False
    assert ":cen.eu:en16931" not in caplog.text
