"""A draft per jurisdiction pack through POST /v1/invoices: signed, verifiable, valid under the pack's profile."""

from __future__ import annotations

import pytest

import validators
from signing import verify
from tax_rules.pack import jurisdiction, jurisdictions
from tests.api.pack_drafts import national_adjustments, pack_draft


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_pack_gives_a_signed_valid_document(gateway, artifacts_dir, capsys):
    profiles_used = {}
    for country in jurisdictions():
        draft = national_adjustments(country, pack_draft(country, f"{country}-0001"))
        response = gateway.client.post("/v1/invoices", json=draft, headers=gateway.erp)
        assert response.status_code == 201, (country, response.text[:600])
        body = response.json()
        assert body["profile"] == jurisdiction(country).default_profile
        document = gateway.client.get(body["links"]["xml"], headers=gateway.erp).content
        report = validators.validate(document, profile=body["profile"])
        assert report.valid, (country, [(f.rule_id, f.message) for f in report.fatal])
        if body["signature_kind"] == "detached":
            signature = gateway.client.get(body["links"]["signature"], headers=gateway.erp).content
            info = verify(signature, trusted=gateway.app.state.keys, detached_data=document)
        else:
            info = verify(document, trusted=gateway.app.state.keys)
        assert info.key_id == body["signing_key_id"]
        profiles_used[country] = body["profile"]
    with capsys.disabled():
        counts = {
            p: sum(1 for v in profiles_used.values() if v == p) for p in set(profiles_used.values())
        }
        print(
            f"\npacks through the API: {len(profiles_used)}/{len(jurisdictions())} signed and valid; profiles {counts}"
        )
    assert len(profiles_used) == len(jurisdictions())
