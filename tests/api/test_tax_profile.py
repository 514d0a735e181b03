"""The tenant's tax profile (OSS, distance-sales threshold) reaches the engine; a draft's own wins."""

from __future__ import annotations

from tests.api.drafts import api_draft


def _consumer_in_france(number: str, **changes):
    data = api_draft(number, **changes)
    data["buyer"] = {
        "name": "Camille Martin",
        "is_natural_person": True,
        "address": {
            "lines": ["3 rue Neuve"],
            "city": "Lyon",
            "postal_code": "69001",
            "country": "FR",
        },
    }
    data["delivery"] = {
        "address": {
            "lines": ["3 rue Neuve"],
            "city": "Lyon",
            "postal_code": "69001",
            "country": "FR",
        }
    }
    return data


def _rates(response):
    return sorted({b["rate"] for b in response.json()["vat_breakdown"]})


def test_tenant_oss_profile_moves_distance_sales_to_the_customers_rates(gateway):
    before = gateway.client.post(
        "/v1/invoices", json=_consumer_in_france("OSS-1"), headers=gateway.erp
    )
    assert before.status_code == 201, before.text
    assert _rates(before) == ["19.00", "7.00"] or _rates(before) == ["19", "7"]
    patched = gateway.client.patch(
        "/v1/admin/tenant",
        json={"tax_oss": True, "tax_distance_sales_over_threshold": True},
        headers=gateway.admin,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["tax_oss"] is True and patched.json()["number_prefix"] == "INV-"
    after = gateway.client.post(
        "/v1/invoices", json=_consumer_in_france("OSS-2"), headers=gateway.erp
    )
    assert after.status_code == 201, after.text
    assert "20" in "".join(_rates(after))  # France's standard rate
    # A draft stating its own context wins over the tenant's.
    own = gateway.client.post(
        "/v1/invoices",
        json=_consumer_in_france(
            "OSS-3", tax_context={"oss": False, "eu_distance_sales_over_threshold": False}
        ),
        headers=gateway.erp,
    )
    assert own.status_code == 201, own.text
    assert _rates(own) == _rates(before)
    bad = gateway.client.patch("/v1/admin/tenant", json={"tax_oss": None}, headers=gateway.admin)
    assert bad.status_code == 422
