"""The stored report describes the stored bytes (issue 17): which bytes were judged, which are kept."""

from __future__ import annotations

import hashlib

from tests.api.drafts import api_draft
from validators import validate


def test_report_of_an_enveloped_signed_draft_names_both_hashes(gateway):
    created = gateway.client.post("/v1/invoices", json=api_draft("REP-1"), headers=gateway.erp)
    assert created.status_code == 201, created.text
    record = created.json()
    report = gateway.client.get(f"/v1/invoices/{record['id']}/report", headers=gateway.erp).json()
    stored = gateway.client.get(f"/v1/invoices/{record['id']}/xml", headers=gateway.erp).content
    assert (
        report["stored_sha256"] == hashlib.sha256(stored).hexdigest() == record["document_sha256"]
    )
    assert report["validated_sha256"] == report["document_sha256"] != report["stored_sha256"]
    # What the note promises: the stored bytes give exactly the two signature warnings.
    again = validate(stored, profile=record["profile"])
    assert again.valid
    assert sorted(f.rule_id for f in again.findings) == report["expected_findings_on_stored_bytes"]
