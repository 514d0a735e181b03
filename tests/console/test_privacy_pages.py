"""Data-subject requests in the console over HTTP: access and two-step erasure, compliance only."""

from __future__ import annotations

import json
import logging

from tests.archive.helpers import scalar
from tests.archive.test_gdpr import EMAIL, IBAN, NAME, STREET, person_draft
from tests.console.helpers import key_with_roles, sign_in


def _people(gateway) -> tuple[dict, dict]:
    mine = gateway.client.post("/v1/invoices", json=person_draft("SAR-1"), headers=gateway.erp)
    theirs = gateway.client.post(
        "/v1/invoices",
        json=person_draft("SAR-2", name="Another Body", email="ab@x.example"),
        headers=gateway.erp,
    )
    assert mine.status_code == theirs.status_code == 201
    return mine.json(), theirs.json()


def test_subject_access_answers_only_the_subject(gateway, caplog):
    caplog.set_level(logging.DEBUG)
    mine, theirs = _people(gateway)
    csrf = sign_in(gateway.client, key_with_roles(gateway, ["compliance"]))
    form = gateway.client.get("/console/privacy")
    assert form.status_code == 200 and 'action="/console/privacy/access"' in form.text
    answer = gateway.client.post(
        "/console/privacy/access", data={"csrf": csrf, "name": NAME.upper(), "email": EMAIL}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    for value in (NAME, EMAIL, STREET, IBAN, "SAR-1", "2034-12-31"):
        assert value in answer.text, value
    assert "SAR-2" not in answer.text and "Another Body" not in answer.text
    assert f"/console/invoices/{mine['id']}" in answer.text
    by_identifier = gateway.client.post(
        "/console/privacy/access", data={"csrf": csrf, "identifier": EMAIL}
    )
    assert "SAR-1" in by_identifier.text and "SAR-2" not in by_identifier.text
    nobody = gateway.client.post(
        "/console/privacy/access", data={"csrf": csrf, "identifier": "nobody@x.example"}
    )
    assert 'id="access-none"' in nobody.text
    download = gateway.client.post(
        "/console/privacy/access",
        data={"csrf": csrf, "name": NAME, "email": EMAIL, "download": "json"},
    )
    assert download.status_code == 200
    disposition = download.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="subject-access-')
    assert NAME not in disposition and EMAIL not in disposition
    body = json.loads(download.content)
    assert [i["invoice_id"] for i in body["items"]] == [mine["id"]]
    assert body["items"][0]["data"]["contact"]["email"] == EMAIL
    # Each answer is audited with counts only; no personal data in any log line.
    assert (
        scalar(gateway, "SELECT count(*) FROM audit_event WHERE action = 'privacy.subject-access'")
        == 4
    )
    details = scalar(
        gateway,
        "SELECT string_agg(detail, ' ') FROM audit_event"
        if gateway.app.state.engine.dialect.name == "postgresql"
        else "SELECT group_concat(detail, ' ') FROM audit_event",
    )
    for secret in (NAME, EMAIL, STREET, IBAN):
        assert secret not in (details or "")
        assert not any(secret in m or secret.lower() in m for m in caplog.messages), secret


def test_vague_requests_are_named_not_answered(gateway):
    _people(gateway)
    csrf = sign_in(gateway.client, key_with_roles(gateway, ["compliance"]))
    vague = gateway.client.post("/console/privacy/access", data={"csrf": csrf, "name": NAME})
    assert vague.status_code == 422
    assert "identify the subject by name and e-mail together, or by an identifier" in vague.text
    assert 'aria-invalid="true"' in vague.text and "check: email" in vague.text
    assert NAME in vague.text  # the form keeps what was typed
    assert "SAR-1" not in vague.text
    empty = gateway.client.post("/console/privacy/erasure", data={"csrf": csrf})
    assert empty.status_code == 422 and "check: identifier" in empty.text


def test_erasure_asks_first_then_restricts(gateway):
    mine, theirs = _people(gateway)
    csrf = sign_in(gateway.client, key_with_roles(gateway, ["compliance"]))
    preview = gateway.client.post(
        "/console/privacy/erasure", data={"csrf": csrf, "name": NAME, "email": EMAIL}
    )
    assert preview.status_code == 200, preview.text
    assert "restrict processing (art. 18)" in preview.text and "SAR-1" in preview.text
    assert 'action="/console/privacy/erasure/confirm"' in preview.text
    assert "SAR-2" not in preview.text
    listed = {
        i["id"] for i in gateway.client.get("/v1/invoices", headers=gateway.erp).json()["data"]
    }
    assert mine["id"] in listed  # the preview changed nothing
    unconfirmed = gateway.client.post(
        "/console/privacy/erasure/confirm", data={"csrf": csrf, "name": NAME, "email": EMAIL}
    )
    assert unconfirmed.status_code == 422 and "nothing was changed" in unconfirmed.text
    no_token = gateway.client.post(
        "/console/privacy/erasure/confirm", data={"name": NAME, "email": EMAIL, "confirm": "yes"}
    )
    assert no_token.status_code == 403
    listed = {
        i["id"] for i in gateway.client.get("/v1/invoices", headers=gateway.erp).json()["data"]
    }
    assert mine["id"] in listed
    done = gateway.client.post(
        "/console/privacy/erasure/confirm",
        data={"csrf": csrf, "name": NAME, "email": EMAIL, "confirm": "yes"},
    )
    assert done.status_code == 200, done.text
    assert mine["id"] in done.text and "restricted" in done.text and "2035-01-01" in done.text
    listed = {
        i["id"] for i in gateway.client.get("/v1/invoices", headers=gateway.erp).json()["data"]
    }
    assert listed == {theirs["id"]}
    events = gateway.client.get(f"/v1/invoices/{mine['id']}/events", headers=gateway.erp).json()
    assert [e["kind"] for e in events["events"]] == ["invoice.accepted", "erasure.requested"]
    page = gateway.client.get(f"/console/invoices/{mine['id']}")
    assert "<td>erasure.requested</td>" in page.text  # the ledger timeline
    assert scalar(gateway, "SELECT count(*) FROM audit_event WHERE action = 'privacy.erasure'") == 1


def test_only_compliance_reaches_data_subject_pages(gateway):
    _people(gateway)
    auditor = key_with_roles(gateway, ["auditor"])
    for key in (auditor, gateway.erp_key, gateway.admin_key):
        csrf = sign_in(gateway.client, key)
        assert gateway.client.get("/console/privacy").status_code == 403
        assert 'href="/console/privacy"' not in gateway.client.get("/console").text
        for path, extra in (
            ("/console/privacy/access", {}),
            ("/console/privacy/erasure", {}),
            ("/console/privacy/erasure/confirm", {"confirm": "yes"}),
        ):
            response = gateway.client.post(path, data={"csrf": csrf, "identifier": EMAIL, **extra})
            assert response.status_code == 403, (key, path)
            assert "compliance" in response.text and NAME not in response.text
    listed = gateway.client.get("/v1/invoices", headers=gateway.erp).json()["data"]
    assert len(listed) == 2  # nothing was restricted by the refused requests
