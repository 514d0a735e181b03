"""The console over HTTP (no browser): sessions, CSRF, roles, tenants, search, export, detail."""

from __future__ import annotations

import csv
import io
import time

import itsdangerous.timed
from fastapi.testclient import TestClient

from gateway.console.session import COOKIE
from tests.console.helpers import csrf_of, key_with_roles, seed, sign_in


def test_pages_need_a_session(shared_gateway):
    for path in ("/console", "/console/invoices", "/console/invoices.csv"):
        response = shared_gateway.client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/console/login"


def test_sign_in_sets_a_strict_http_only_cookie(shared_gateway):
    form = shared_gateway.client.get("/console/login")
    response = shared_gateway.client.post(
        "/console/login",
        data={"api_key": shared_gateway.erp_key, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and COOKIE in v)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain HTTP here; set behind TLS
    assert shared_gateway.erp_key not in cookie  # the key itself is never kept


def test_secure_cookie_over_https(shared_gateway):
    client = TestClient(shared_gateway.app, base_url="https://testserver")
    form = client.get("/console/login")
    response = client.post(
        "/console/login",
        data={"api_key": shared_gateway.erp_key, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and COOKIE in v)
    assert "Secure" in cookie


def test_wrong_key_and_missing_login_token(shared_gateway):
    form = shared_gateway.client.get("/console/login")
    wrong = shared_gateway.client.post(
        "/console/login", data={"api_key": "egw_nope", "csrf": csrf_of(form.text)}
    )
    assert wrong.status_code == 401 and "Unknown, revoked or expired API key" in wrong.text
    assert "egw_nope" not in wrong.text
    no_token = shared_gateway.client.post(
        "/console/login", data={"api_key": shared_gateway.erp_key}
    )
    assert no_token.status_code == 403 and "sign-in form" in no_token.text


def test_sign_out_ends_the_session_even_for_a_copied_cookie(gateway):
    csrf = sign_in(gateway.client, gateway.erp_key)
    copied = gateway.client.cookies.get(COOKIE)
    refused = gateway.client.post("/console/logout", data={}, follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token
    out = gateway.client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/console/login"
    assert gateway.client.get("/console", follow_redirects=False).status_code == 303
    replay = TestClient(gateway.app, cookies={COOKIE: copied})
    assert replay.get("/console", follow_redirects=False).status_code == 303


def test_session_expires(gateway, monkeypatch):
    gateway.app.state.console_sessions.lifetime = 60
    sign_in(gateway.client, gateway.erp_key)
    signed_in_at = int(time.time())

    # The server's clock moves on instead of the test sleeping; the cookie (Max-Age 60) stays
    # in the client's jar, so what ends the session is the server's own age check.
    def server_clock(seconds_later: int) -> None:
        monkeypatch.setattr(
            itsdangerous.timed.TimestampSigner,
            "get_timestamp",
            lambda _: signed_in_at + seconds_later,
        )

    server_clock(59)
    assert gateway.client.get("/console", follow_redirects=False).status_code == 200
    server_clock(62)
    assert gateway.client.get("/console", follow_redirects=False).status_code == 303


def test_revoked_key_ends_its_session(gateway):
    key = key_with_roles(gateway, ["compliance"])
    sign_in(gateway.client, key)
    key_id = next(
        k["id"]
        for k in gateway.client.get("/v1/admin/keys", headers=gateway.admin).json()
        if k["name"] == "compliance"
    )
    assert gateway.client.delete(f"/v1/admin/keys/{key_id}", headers=gateway.admin).status_code in (
        200,
        204,
    )
    assert gateway.client.get("/console", follow_redirects=False).status_code == 303


def test_cross_site_post_is_refused(shared_gateway):
    csrf = sign_in(shared_gateway.client, shared_gateway.erp_key)
    evil = shared_gateway.client.post(
        "/console/logout",
        data={"csrf": csrf},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert evil.status_code == 403 and "cross-site" in evil.text


def test_search_filters_sort_and_pages(gateway):
    ids = seed(gateway)
    sign_in(gateway.client, gateway.erp_key)

    def numbers(**params):
        response = gateway.client.get("/console/invoices", params=params)
        assert response.status_code == 200, response.text
        return [n for n in ids if f'/console/invoices/{ids[n]}"' in response.text]

    assert numbers(number="API-2") == ["API-2"]
    assert numbers(buyer="SE4598375937") == ["Snippet1"]
    assert numbers(buyer="SE459") == []  # buyers match exactly, never partially
    assert set(numbers(seller="sellercomp")) == {"TOSL110", "TOSL108"}
    assert set(numbers(seller="NL16356706")) == {"TOSL110"}
    assert set(numbers(issued_from="2026-10-01", issued_to="2026-10-31")) == {"API-2"}
    assert set(numbers(currency="dkk")) == {"TOSL110"}
    assert set(numbers(country="SE")) == {"Snippet1"}
    assert set(numbers(country="GB")) == {"Snippet1"}
    assert set(numbers(direction="inbound")) == {"Snippet1", "TOSL110", "TOSL108"}
    assert set(numbers(direction="outbound")) == {"API-1", "API-2"}
    assert set(numbers(profile="en16931")) == set(ids)
    assert set(numbers(status="accepted")) == set(ids)
    amounts = {
        n: gateway.client.get(f"/v1/invoices/{i}", headers=gateway.erp).json()["amount_due"]
        for n, i in ids.items()
    }
    low = min(amounts.values(), key=float)
    assert numbers(amount_max=low) == [n for n, a in amounts.items() if float(a) <= float(low)]
    assert set(numbers(amount_min="0.01")) == {n for n, a in amounts.items() if float(a) >= 0.01}

    # Sorting by amount, two rows per page, following the cursor.
    seen = []
    params = {"sort": "amount_due", "order": "asc"}
    from gateway.console import search

    original = search.PAGE_SIZE
    search.PAGE_SIZE = 2
    try:
        cursor = None
        for _ in range(5):
            if cursor:
                params["cursor"] = cursor
            response = gateway.client.get("/console/invoices", params=params)
            page_ids = [n for n in ids if f'/console/invoices/{ids[n]}"' in response.text]
            order = sorted(
                page_ids, key=lambda n: response.text.index(f'/console/invoices/{ids[n]}"')
            )
            seen.extend(order)
            import re

            found = re.search(r'rel="next" href="/console/invoices\?([^"]+)"', response.text)
            if not found:
                break
            from urllib.parse import parse_qs

            cursor = parse_qs(found.group(1).replace("&amp;", "&"))["cursor"][0]
    finally:
        search.PAGE_SIZE = original
    assert seen == sorted(ids, key=lambda n: (float(amounts[n]), ids[n]))


def test_bad_filters_are_named_not_500(shared_gateway):
    sign_in(shared_gateway.client, shared_gateway.erp_key)
    response = shared_gateway.client.get(
        "/console/invoices",
        params={"issued_from": "yesterday", "amount_min": "lots", "cursor": "x"},
    )
    assert response.status_code == 400
    assert "issued_from" in response.text and "amount_min" in response.text
    export = shared_gateway.client.get("/console/invoices.csv", params={"country": "Germany"})
    assert export.status_code == 400 and "country" in export.text


def test_rule_filter_finds_findings(gateway):
    ids = seed(gateway)
    sign_in(gateway.client, gateway.erp_key)
    rule = "UBL-CR-679"  # a warning of the Norwegian example, stored with its report
    with_rule = {
        n
        for n, i in ids.items()
        if any(
            f["rule_id"] == rule
            for f in gateway.client.get(f"/v1/invoices/{i}/report", headers=gateway.erp).json()[
                "findings"
            ]
        )
    }
    assert with_rule == {"TOSL108"}
    response = gateway.client.get("/console/invoices", params={"rule": rule})
    assert {n for n in ids if f'/console/invoices/{ids[n]}"' in response.text} == with_rule
    response = gateway.client.get("/console/invoices", params={"rule": "UBL-CR-67"})
    assert not any(f'/console/invoices/{i}"' in response.text for i in ids.values())


def test_csv_export(gateway):
    ids = seed(gateway)
    sign_in(gateway.client, gateway.erp_key)
    response = gateway.client.get("/console/invoices.csv", params={"direction": "outbound"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="invoices-')
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["number"] for r in rows} == {"API-1", "API-2"}
    assert {r["id"] for r in rows} == {ids["API-1"], ids["API-2"]}


def test_tenant_a_never_sees_tenant_b(gateway):
    ids = seed(gateway)
    sign_in(gateway.client, gateway.other_admin_key)
    listing = gateway.client.get("/console/invoices")
    assert all(i not in listing.text for i in ids.values())
    for invoice_id in ids.values():
        for suffix in ("", "/xml", "/pdf", "/report", "/attachments/0"):
            response = gateway.client.get(f"/console/invoices/{invoice_id}{suffix}")
            assert response.status_code == 404, suffix
    export = gateway.client.get("/console/invoices.csv")
    assert len(list(csv.DictReader(io.StringIO(export.text)))) == 0


def test_invoice_page_and_downloads(gateway):
    ids = seed(gateway)
    auditor = key_with_roles(gateway, ["auditor"])
    sign_in(gateway.client, auditor)
    page = gateway.client.get(f"/console/invoices/{ids['TOSL110']}")
    assert page.status_code == 200
    assert 'id="signature-status">Valid' in page.text  # detached seal, verified now
    assert "invoice.submit" in page.text  # audit trail
    assert "BT-1" in page.text and "TOSL110" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    xml = gateway.client.get(f"/console/invoices/{ids['TOSL110']}/xml")
    api_xml = gateway.client.get(f"/v1/invoices/{ids['TOSL110']}/xml", headers=gateway.erp)
    assert xml.content == api_xml.content
    assert gateway.client.get(f"/console/invoices/{ids['TOSL110']}/signature").status_code == 200
    assert gateway.client.get(f"/console/invoices/{ids['API-1']}/signature").status_code == 404
    assert gateway.client.get(f"/console/invoices/{ids['TOSL110']}/report").json()["valid"] is True
    pdf = gateway.client.get(f"/console/invoices/{ids['API-1']}/pdf")
    assert pdf.content.startswith(b"%PDF-")
    attachment = gateway.client.get(f"/console/invoices/{ids['TOSL110']}/attachments/0")
    assert attachment.status_code == 200
    assert attachment.headers["content-disposition"].startswith("attachment;")
    assert attachment.headers["x-content-type-options"] == "nosniff"
    missing = gateway.client.get(f"/console/invoices/{ids['TOSL110']}/attachments/9")
    assert missing.status_code == 404 and "attachment" in missing.text
    german = gateway.client.get(f"/console/invoices/{ids['API-1']}?lang=de")
    assert "Rechnungsnummer" in german.text


def test_dashboard_counts_and_rules(gateway):
    seed(gateway)
    bad = gateway.client.post(
        "/v1/invoices",
        json={
            **__import__("tests.api.drafts", fromlist=["api_draft"]).api_draft("BAD-1"),
            "totals": {
                "line_net_total": "1.00",
                "total_without_vat": "1.00",
                "total_with_vat": "1.00",
                "amount_due": "1.00",
            },
        },
        headers=gateway.erp,
    )
    assert bad.status_code == 422
    rules = sorted({p["rule"] for p in bad.json().get("problems", []) if p.get("rule")})
    sign_in(gateway.client, gateway.erp_key)
    page = gateway.client.get("/console")
    assert 'id="accepted-count">5<' in page.text
    assert 'id="rejected-count">1<' in page.text
    assert "<svg" in page.text and 'role="img"' in page.text
    for rule in rules:
        assert rule in page.text


def test_compliance_places_and_lifts_a_hold_auditor_cannot(gateway):
    ids = seed(gateway)
    auditor = key_with_roles(gateway, ["auditor"])
    csrf = sign_in(gateway.client, auditor)
    assert gateway.client.get("/console/holds").status_code == 403
    refused = gateway.client.post(
        "/console/holds",
        data={"csrf": csrf, "scope": "invoice", "invoice_id": ids["API-1"], "reason": "audit"},
    )
    assert refused.status_code == 403
    compliance = key_with_roles(gateway, ["compliance"])
    csrf = sign_in(gateway.client, compliance)
    no_token = gateway.client.post("/console/holds", data={"scope": "tenant", "reason": "x"})
    assert no_token.status_code == 403
    missing = gateway.client.post(
        "/console/holds", data={"csrf": csrf, "scope": "period", "reason": "tax audit"}
    )
    assert missing.status_code == 422 and "from and to" in missing.text
    placed = gateway.client.post(
        "/console/holds",
        data={"csrf": csrf, "scope": "invoice", "invoice_id": ids["API-1"], "reason": "dispute"},
    )
    assert placed.status_code == 200 and ids["API-1"] in placed.text
    assert 'id="holds-count">1<' in gateway.client.get("/console").text
    import re

    hold_id = re.search(r"/console/holds/([0-9A-Z]{26})/lift", placed.text).group(1)
    lifted = gateway.client.post(
        f"/console/holds/{hold_id}/lift", data={"csrf": csrf, "reason": "settled"}
    )
    assert lifted.status_code == 200 and "No legal hold is in force." in lifted.text
