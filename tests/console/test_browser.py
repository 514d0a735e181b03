"""The console in a real headless Chromium: the journeys of a compliance officer and an auditor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.browser import (
    Site,
    axe_violations,
    launch,
    require_chromium,
    shot,
    sign_in,
    start_site,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Iterator[Site]:
    require_chromium()
    yield from start_site(tmp_path_factory.mktemp("browser") / "data")


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True)
    yield context.new_page()
    context.close()


def test_sign_in_search_open_download_sign_out(site, page, tmp_path):
    base = site.base_url
    page.goto(f"{base}/console")
    assert page.url == f"{base}/console/login"  # no session: off to sign in
    shot(page, "login")
    assert axe_violations(page) == []
    sign_in(page, base, site.keys["compliance"])
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.locator("#accepted-count").inner_text() == "3"
    shot(page, "dashboard")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Invoices").click()
    page.get_by_label("Invoice number (BT-1)").fill("WEB-2")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("#results tbody tr")
    assert rows.count() == 1 and "WEB-2" in rows.first.inner_text()
    shot(page, "search")
    assert axe_violations(page) == []

    page.get_by_label("Invoice number (BT-1)").fill("")
    page.get_by_label("Buyer (exact VAT id, legal id or name)").fill("SE4598375937")
    page.get_by_role("button", name="Search").click()
    assert page.locator("#results tbody tr").count() == 1
    page.get_by_role("link", name="Snippet1").click()
    assert page.locator("h1").inner_text() == "Invoice Snippet1"
    assert page.locator("#signature-status").inner_text().startswith("Valid")
    shot(page, "invoice")
    assert axe_violations(page) == []

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Readable PDF").click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.read_bytes().startswith(b"%PDF-")
    assert download.suggested_filename == f"invoice-{site.ids['Snippet1']}.pdf"

    # Place a legal hold on this invoice (compliance action).
    page.get_by_role("link", name="Legal holds").click()
    page.get_by_label("Invoice id (scope invoice)").fill(site.ids["Snippet1"])
    page.get_by_label("Reason (kept sealed)").fill("tax audit 2026")
    page.get_by_role("button", name="Place hold").click()
    assert site.ids["Snippet1"] in page.locator("#holds").inner_text()
    shot(page, "holds")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    shot(page, "signed-out")
    assert page.url == f"{base}/console/login", page.content()[:2000]
    page.goto(f"{base}/console/invoices")
    assert page.url == f"{base}/console/login"


def test_auditor_reads_but_sees_no_compliance_actions(site, page):
    sign_in(page, site.base_url, site.keys["auditor"])
    page.goto(f"{site.base_url}/console/invoices/{site.ids['WEB-1']}")
    assert page.locator("h1").inner_text() == "Invoice WEB-1"
    assert page.locator("form[action*='/holds']").count() == 0
    assert page.get_by_role("link", name="Legal holds").count() == 0
    response = page.goto(f"{site.base_url}/console/holds")
    assert response.status == 403


def test_tenant_b_session_never_shows_tenant_a(site, page):
    sign_in(page, site.base_url, site.keys["other_admin"])
    page.goto(f"{site.base_url}/console/invoices")
    assert "No invoices match." in page.locator("#results").inner_text()
    for invoice_id in site.ids.values():
        response = page.goto(f"{site.base_url}/console/invoices/{invoice_id}")
        assert response.status == 404
        assert "WEB-" not in page.content() and "Snippet1" not in page.content()
    shot(page, "not-found")
    assert axe_violations(page) == []


def test_cross_site_post_without_csrf_token_is_refused(site, browser):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, site.base_url, site.keys["erp"])
    # Another site (here: a page of no origin) posts a form at the console.
    attacker = context.new_page()
    attacker.set_content(
        f'<form id="f" method="post" action="{site.base_url}/console/logout">'
        '<input name="csrf" value="guess"></form>'
    )
    with attacker.expect_navigation():
        attacker.evaluate("document.getElementById('f').submit()")
    assert "refused" in attacker.content()
    # The victim's session is untouched.
    page.goto(f"{site.base_url}/console/invoices")
    assert page.url == f"{site.base_url}/console/invoices"
    context.close()
