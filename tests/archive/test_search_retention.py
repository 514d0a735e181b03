"""Archive search through the blind index, and retention per jurisdiction pack."""

from __future__ import annotations

from datetime import date

import pytest

from gateway.archive import purge
from gateway.archive.retention import retain_until
from tax_rules.pack import jurisdiction, jurisdictions
from tests.archive.helpers import submit


def test_buyer_and_seller_are_found_by_organisation_name_and_vat_id_in_any_case(gateway):
    (record,) = submit(gateway, 1)
    other_tenant = gateway.client.get(
        "/v1/invoices", params={"buyer": "DE136695976"}, headers=gateway.auth(gateway.other_erp_key)
    )
    assert other_tenant.json()["data"] == []
    for params in (
        {"buyer": "de136695976"},
        {"buyer": "DE 136 695 976"},
        {"buyer": record["buyer_name"].upper()},
        {"seller": record["seller_name"].lower()},
        {"seller": "de811907980"},
    ):
        found = gateway.client.get("/v1/invoices", params=params, headers=gateway.erp).json()[
            "data"
        ]
        assert [i["id"] for i in found] == [record["id"]], params
        assert found[0]["buyer"] == "DE136695976"  # an organisation: shown in clear
    assert (
        gateway.client.get(
            "/v1/invoices", params={"buyer": "Someone Else"}, headers=gateway.erp
        ).json()["data"]
        == []
    )


def _by_rule(country: str, issued: date) -> date:
    """The retention end read straight from the pack data (independent of the code under test)."""
    rule = jurisdiction(country).retention
    if rule.starts == "issue_date":
        start = issued
    else:  # end of the calendar (or, by default, the fiscal) year of issue
        start = date(issued.year, 12, 31)
    try:
        return start.replace(year=start.year + rule.years)
    except ValueError:
        return start.replace(year=start.year + rule.years, day=28)


@pytest.mark.parametrize("country", sorted(jurisdictions()))
def test_retain_until_follows_each_packs_rule(country):
    for issued in (date(2026, 1, 1), date(2026, 6, 30), date(2024, 2, 29), date(2026, 12, 31)):
        decision = retain_until(country, issued)
        assert decision is not None
        assert decision.retain_until == _by_rule(country, issued), (country, issued)
        assert decision.rule.startswith(f"{country}: ") and "pack " in decision.rule


def test_the_stored_retention_is_the_packs_and_nothing_goes_before_it(gateway):
    (record,) = submit(gateway, 1)
    expected = retain_until("DE", date.fromisoformat(record["issue_date"]))
    assert record["retain_until"] == expected.retain_until.isoformat()
    assert record["retention_rule"] == expected.rule
    archive, engine = gateway.app.state.archive, gateway.app.state.engine
    last_day = expected.retain_until
    assert purge.purge(engine, archive, as_of=last_day, today=last_day).purged == []
    day_after = date.fromordinal(last_day.toordinal() + 1)
    assert purge.purge(engine, archive, as_of=day_after, today=day_after).purged == [record["id"]]
