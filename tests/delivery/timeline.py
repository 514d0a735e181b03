"""Helpers: an invoice's timeline over HTTP, and the archive verification the CLI runs."""

from __future__ import annotations

import time

from sqlmodel import Session

from gateway.archive.verify import verify_archive


def events(gateway, invoice_id, headers=None):
    response = gateway.client.get(
        f"/v1/invoices/{invoice_id}/events", headers=headers or gateway.erp
    )
    assert response.status_code == 200, response.text
    return response.json()["events"]


def wait_for_event(gateway, invoice_id, kind, timeout=30.0, headers=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = events(gateway, invoice_id, headers)
        if any(e["kind"] == kind for e in found):
            return found
        time.sleep(0.1)
    raise AssertionError(f"no {kind} event; timeline: {[e['kind'] for e in found]}")


def assert_archive_intact(app):
    with Session(app.state.engine) as session:
        result = verify_archive(
            session, app.state.archive, certificates=app.state.keys.certificates
        )
    assert result.intact, result.as_dict()


def assert_sealed(app, facts, *kinds):
    """The event's artefacts are sealed blobs (none kept in clear), of these kinds, in this order."""
    listed = facts["attachments"]
    assert [a["kind"] for a in listed] == list(kinds), listed
    for attachment in listed:
        assert app.state.blobs.exists(attachment["ref"])
        assert not app.state.blobs.exists(attachment["sha256"])  # no clear copy in the store
        assert app.state.blobs.get(attachment["ref"]).startswith(b"EGW1")
