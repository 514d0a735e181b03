"""Webhooks over a loopback receiver: signed events, retries on 500, nothing for a revoked endpoint."""

from __future__ import annotations

import json
import time

import pytest

from gateway.delivery.webhook import SignatureMismatch, signature_header, verify_signature
from tests.api.drafts import api_draft
from tests.delivery.receiver import receiver


def _register(gateway, url, events=None):
    body = {"url": url} if events is None else {"url": url, "events": events}
    response = gateway.client.post("/v1/webhooks", json=body, headers=gateway.admin)
    assert response.status_code == 201, response.text
    return response.json()


def _submit(gateway, number):
    response = gateway.client.post("/v1/invoices", json=api_draft(number), headers=gateway.erp)
    assert response.status_code == 201, response.text
    return response.json()


def _log(gateway, endpoint_id):
    response = gateway.client.get(f"/v1/webhooks/{endpoint_id}/deliveries", headers=gateway.admin)
    assert response.status_code == 200, response.text
    return response.json()["deliveries"]


def _wait_log(gateway, endpoint_id, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = _log(gateway, endpoint_id)
        if predicate(log):
            return log
        time.sleep(0.1)
    raise AssertionError(f"delivery log never matched: {log}")


def test_an_accepted_invoice_reaches_the_endpoint_signed(gateway):
    with receiver() as hook:
        created = _register(gateway, hook.url)
        assert created["secret"].startswith("whsec_")
        listed = gateway.client.get("/v1/webhooks", headers=gateway.admin).json()
        assert [e["id"] for e in listed] == [created["id"]]
        assert "secret" not in listed[0]
        invoice = _submit(gateway, "HOOK-1")
        (request,) = hook.wait_for(1)
        verify_signature(created["secret"], request.headers["egw-signature"], request.body)
        event = json.loads(request.body)
        assert event["type"] == "invoice.accepted"
        assert event["data"]["invoice_id"] == invoice["id"]
        assert request.headers["egw-event-id"] == event["id"]
        with pytest.raises(SignatureMismatch):
            verify_signature("whsec_other", request.headers["egw-signature"], request.body)
        with pytest.raises(SignatureMismatch):
            verify_signature(
                created["secret"], request.headers["egw-signature"], request.body + b" "
            )
        log = _wait_log(gateway, created["id"], lambda log: log and log[0]["status"] == "done")
        assert log[0]["event_type"] == "invoice.accepted" and log[0]["last_code"] == 200


def test_a_500_is_retried_with_backoff_until_the_endpoint_answers(gateway):
    with receiver() as hook:
        hook.script = [500, 503]
        created = _register(gateway, hook.url, ["invoice.accepted"])
        _submit(gateway, "HOOK-RETRY")
        requests = hook.wait_for(3)
        assert len({r.headers["egw-event-id"] for r in requests}) == 1  # one event, three tries
        for r in requests:
            verify_signature(created["secret"], r.headers["egw-signature"], r.body)
        log = _wait_log(gateway, created["id"], lambda log: log and log[0]["status"] == "done")
        assert log[0]["attempts"] == 3


def test_an_endpoint_that_keeps_failing_is_dead_lettered(gateway):
    with receiver() as hook:
        hook.script = [500] * 10
        created = _register(gateway, hook.url, ["invoice.accepted"])
        _submit(gateway, "HOOK-DEAD")
        log = _wait_log(gateway, created["id"], lambda log: log and log[0]["status"] == "dead")
        assert log[0]["attempts"] == 3 and log[0]["last_code"] == 500
        assert len(hook.requests) == 3


def test_a_revoked_endpoint_gets_nothing(gateway):
    with receiver() as hook:
        hook.script = [500] * 10  # keeps the first event waiting for a retry
        created = _register(gateway, hook.url, ["invoice.accepted"])
        _submit(gateway, "HOOK-REVOKE-1")
        hook.wait_for(1)
        revoked = gateway.client.delete(f"/v1/webhooks/{created['id']}", headers=gateway.admin)
        assert revoked.status_code == 200 and revoked.json()["revoked_at"]
        seen = len(hook.requests)
        _submit(gateway, "HOOK-REVOKE-2")
        time.sleep(1.5)  # longer than the retry backoff of the first event
        assert len(hook.requests) == seen
        log = _log(gateway, created["id"])
        assert [d["status"] for d in log] == ["cancelled"]


def test_tenants_see_only_their_endpoints_and_only_admins_manage_them(gateway):
    with receiver() as hook:
        created = _register(gateway, hook.url)
        other = gateway.auth(gateway.other_admin_key)
        assert gateway.client.get("/v1/webhooks", headers=other).json() == []
        assert (
            gateway.client.delete(f"/v1/webhooks/{created['id']}", headers=other).status_code == 404
        )
        assert (
            gateway.client.post(
                "/v1/webhooks", json={"url": hook.url}, headers=gateway.erp
            ).status_code
            == 403
        )
        bad = gateway.client.post("/v1/webhooks", json={"url": "ftp://x"}, headers=gateway.admin)
        assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "url"
        bad = gateway.client.post(
            "/v1/webhooks",
            json={"url": hook.url, "events": ["invoice.eaten"]},
            headers=gateway.admin,
        )
        assert bad.status_code == 422


def test_private_targets_are_refused_unless_allowed(tmp_path, request):
    from tests.delivery.conftest import make_gateway

    for gateway in make_gateway("sqlite", tmp_path / "d", request, webhook_allow_private=False):
        for url in (
            "https://127.0.0.1/x",
            "https://10.1.2.3/x",
            "https://localhost/x",
            "http://example.com/x",
        ):
            response = gateway.client.post("/v1/webhooks", json={"url": url}, headers=gateway.admin)
            assert response.status_code == 422, url
            assert url not in response.text  # the URL is not echoed back


def test_signature_timestamps_outside_the_tolerance_are_replays():
    body = b'{"id":"evt_1"}'
    header = signature_header("whsec_k", body, timestamp=1_000_000)
    assert verify_signature("whsec_k", header, body, now=1_000_100) == 1_000_000
    with pytest.raises(SignatureMismatch, match="replay"):
        verify_signature("whsec_k", header, body, now=1_000_000 + 301)
    with pytest.raises(SignatureMismatch, match="missing"):
        verify_signature("whsec_k", None, body)
