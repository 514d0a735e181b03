"""The cheaper request path answers exactly what a read of the stored record answers."""

from __future__ import annotations

import copy

import pytest

from tests.api.drafts import api_draft


def _negative_quantity():
    draft = api_draft("RP-NEG")
    draft["lines"][0]["quantity"] = "-2"
    draft["lines"].append({**draft["lines"][0], "id": "2", "quantity": "5"})
    return draft


def _italian_mandate():
    # Italy's SDI mandate needs FatturaPA: the tax engine warns, the warning is stored.
    draft = api_draft("RP-IT")
    draft["seller"] = copy.deepcopy(draft["seller"])
    draft["buyer"] = copy.deepcopy(draft["buyer"])
    draft["seller"]["address"] = {
        "lines": ["Via Roma 1"],
        "city": "Roma",
        "postal_code": "00100",
        "country": "IT",
    }
    draft["seller"]["vat_id"] = "IT00743110157"
    draft["seller"]["electronic_address"] = {"value": "IT00743110157", "scheme": "0211"}
    draft["buyer"]["address"] = {
        "lines": ["Via Po 2"],
        "city": "Torino",
        "postal_code": "10100",
        "country": "IT",
    }
    draft["buyer"]["vat_id"] = "IT01114601006"
    draft["buyer"]["electronic_address"] = {"value": "IT01114601006", "scheme": "0211"}
    return draft


def _natural_person_buyer():
    draft = api_draft("RP-PERSON")
    draft["buyer"] = {
        "name": "Erika Mustermann",
        "is_natural_person": True,
        "address": {
            "lines": ["Ring 2"],
            "city": "Hamburg",
            "postal_code": "20095",
            "country": "DE",
        },
    }
    return draft


@pytest.mark.parametrize(
    "make",
    [lambda: api_draft("RP-1"), _negative_quantity, _italian_mandate, _natural_person_buyer],
    ids=["domestic", "negative-quantity", "mandate-warning", "natural-person-buyer"],
)
def test_the_answer_to_a_submission_equals_the_stored_record_read_back(gateway, make):
    created = gateway.client.post("/v1/invoices", json=make(), headers=gateway.erp)
    assert created.status_code == 201, created.text[:500]
    assert created.headers["Idempotent-Replayed"] == "false"
    read = gateway.client.get(created.headers["Location"], headers=gateway.erp)
    assert read.status_code == 200
    assert created.json() == read.json()


def test_the_tax_warnings_of_a_new_submission_are_in_its_answer(gateway):
    created = gateway.client.post("/v1/invoices", json=_italian_mandate(), headers=gateway.erp)
    assert created.status_code == 201, created.text[:500]
    codes = [w["code"] for w in created.json()["warnings"]]
    assert "tax.mandate-format-not-produced" in codes


def test_an_idempotent_replay_answers_the_same_body_with_200(gateway):
    headers = {**gateway.erp, "Idempotency-Key": "rp-replay"}
    first = gateway.client.post("/v1/invoices", json=_natural_person_buyer(), headers=headers)
    again = gateway.client.post("/v1/invoices", json=_natural_person_buyer(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()


def test_an_idempotency_key_is_scoped_to_its_tenant(gateway):
    first = gateway.client.post(
        "/v1/invoices",
        json=api_draft("RP-SCOPE"),
        headers={**gateway.erp, "Idempotency-Key": "shared-key"},
    )
    other = gateway.client.post(
        "/v1/invoices",
        json=api_draft("RP-SCOPE-OTHER"),
        headers={**gateway.auth(gateway.other_erp_key), "Idempotency-Key": "shared-key"},
    )
    assert (first.status_code, other.status_code) == (201, 201)
    assert first.json()["id"] != other.json()["id"]


def test_the_answer_to_an_xml_submission_equals_the_stored_record_read_back(gateway, corpus_dir):
    source = (corpus_dir / "ubl" / "valid" / "ce-ubl-tc434-example1.xml").read_bytes()
    created = gateway.client.post(
        "/v1/invoices/xml",
        content=source,
        headers={**gateway.erp, "Content-Type": "application/xml"},
    )
    assert created.status_code == 201, created.text[:500]
    read = gateway.client.get(created.headers["Location"], headers=gateway.erp)
    assert read.status_code == 200
    assert created.json() == read.json()
