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
