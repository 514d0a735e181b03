"""The console's archive and privacy pages in headless Chromium: exports, verification, subjects.

Every new page passes axe-core; the journeys are a compliance officer's (checkpoint,
export and download, verification, subject access, erasure) and an auditor's (no
holds, no erasure, not even with a forged form post carrying their own token).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import create_engine, text

from gateway.archive.export import verify_export
from tests.archive.test_gdpr import EMAIL, NAME, person_draft
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
    for running in start_site(tmp_path_factory.mktemp("browser-archive") / "data"):
        with httpx2.Client(base_url=running.base_url, timeout=60) as client:
            response = client.post(
                "/v1/invoices",
                json=person_draft("PERSON-1"),
                headers={"Authorization": f"Bearer {running.keys['erp']}"},
            )
            assert response.status_code == 201, response.text
            running.ids["PERSON-1"] = response.json()["id"]
        yield running


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


def _database(site: Site) -> str:
    return f"sqlite:///{(site.server.data_dir / 'gateway.db').resolve()}"


def test_checkpoint_export_and_download(site, page, tmp_path):
    base = site.base_url
    sign_in(page, base, site.keys["compliance"])
    page.get_by_role("button", name="Make a checkpoint now").click()
    assert "tree size" in page.locator("#last-checkpoint").inner_text()
    assert axe_violations(page) == []

    page.goto(f"{base}/console/invoices/{site.ids['WEB-1']}")
    assert (
        page.locator("#proof-status").inner_text().startswith("Included in the latest checkpoint")
    )
    assert "invoice.accepted" in page.locator("#ledger").inner_text()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Exports").click()
    assert axe_violations(page) == []
    page.get_by_label("Issued from").fill("2000-01-01")
    page.get_by_label("Issued to").fill("2099-12-31")
    page.get_by_role("button", name="Start export").click()
    # The job page reloads itself (meta refresh) until the export is ready.
    page.wait_for_selector("#export-ready", timeout=60_000)
    shot(page, "export-ready")
    assert axe_violations(page) == []
    with page.expect_download() as download_info:
        page.locator("#export-download").click()
    target = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(target)
    assert verify_export(target).problems == []
    with zipfile.ZipFile(target) as bundle:
        documents = [n for n in bundle.namelist() if n.startswith("documents/")]
    assert len(documents) == len(site.ids)


RUNNING_ID = "01JRUNNINGEXPORT0000000000"


def _running_export(site: Site, status: str = "running") -> None:
    """Puts a running export of tenant A in the database (as a slow one looks), or ends it."""
    engine = create_engine(_database(site))
    with engine.begin() as connection:
        if status != "running":
            connection.execute(
                text("UPDATE export_job SET status = :s WHERE id = :i"),
                {"s": status, "i": RUNNING_ID},
            )
        else:
            tenant = connection.execute(text("SELECT tenant_id FROM export_job LIMIT 1")).scalar()
            connection.execute(text("DELETE FROM export_job WHERE id = :i"), {"i": RUNNING_ID})
            connection.execute(
                text(
                    "INSERT INTO export_job (id, tenant_id, period_from, period_to, status,"
                    " progress, total, created_at) VALUES (:i, :t, '2026-01-01', '2026-12-31',"
                    " 'running', 3, 10, :now)"
                ),
                {"i": RUNNING_ID, "t": tenant, "now": datetime.now(UTC).replace(tzinfo=None)},
            )
    engine.dispose()


def test_progress_page_follows_the_job_with_and_without_scripts(site, browser):
    # Needs an export of tenant A in the table (the test above made one).
    for scripts in (True, False):
        _running_export(site)
        context = browser.new_context(java_script_enabled=scripts)
        page = context.new_page()
        sign_in(page, site.base_url, site.keys["auditor"])
        page.goto(f"{site.base_url}/console/exports/{RUNNING_ID}")
        assert page.locator("#export-progress").get_attribute("value") == "3"
        # Without scripts the page reloads itself; with them, the script polls the job instead.
        assert page.locator("meta[http-equiv='refresh']").count() == (0 if scripts else 1)
        if scripts:
            shot(page, "export-running")
            assert axe_violations(page) == []
        _running_export(site, "failed")
        page.wait_for_selector("#export-failed", timeout=30_000)
        context.close()


def test_verification_runs_and_says_intact(site, page):
    base = site.base_url
    sign_in(page, base, site.keys["compliance"])
    page.get_by_role("link", name="Verification", exact=True).click()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Verify the archive now").click()
    page.wait_for_selector("text=Archive intact", timeout=60_000)
    assert page.locator("#verification-status").inner_text().startswith("Archive intact")
    shot(page, "verification")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Dashboard", exact=True).click()
    assert "intact" in page.locator("#last-verification").inner_text()


def test_subject_access_and_erasure(site, page):
    base = site.base_url
    sign_in(page, base, site.keys["compliance"])
    page.get_by_role("link", name="Data subjects").click()
    assert axe_violations(page) == []
    page.get_by_label("Name").fill(NAME)
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_role("button", name="Show what is stored (art. 15)").click()
    assert "1 invoice(s) hold data of this person" in page.locator("#access-summary").inner_text()
    assert NAME in page.content() and "PERSON-1" in page.content()
    assert NAME not in page.url and "@" not in page.url  # POSTed, never in a URL
    shot(page, "subject-access")
    assert axe_violations(page) == []

    page.goto(f"{base}/console/privacy")
    page.get_by_label("Or: identifier").fill(EMAIL)
    page.get_by_role("button", name="Erasure request (art. 17)…").click()
    assert "restrict processing (art. 18)" in page.locator("#erasure-plan").inner_text()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Confirm the erasure request").click()
    assert "restricted" in page.locator("#erasure-outcome").inner_text()
    shot(page, "erasure")
    assert axe_violations(page) == []


def test_auditor_cannot_hold_or_erase(site, page):
    base = site.base_url
    sign_in(page, base, site.keys["auditor"])
    assert page.get_by_role("link", name="Legal holds").count() == 0
    assert page.get_by_role("link", name="Data subjects").count() == 0
    assert page.get_by_role("button", name="Make a checkpoint now").count() == 0
    assert page.get_by_role("link", name="Exports").count() == 1  # auditors export
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    for path in ("/console/privacy", "/console/holds"):
        response = page.goto(f"{base}{path}")
        assert response.status == 403
        assert axe_violations(page) == []
    # Even a hand-made post with the auditor's own valid token is refused.
    for path, form in (
        ("/console/holds", {"scope": "tenant", "reason": "audit"}),
        ("/console/privacy/erasure/confirm", {"identifier": EMAIL, "confirm": "yes"}),
        ("/console/privacy/access", {"identifier": EMAIL}),
    ):
        response = page.request.post(f"{base}{path}", form={"csrf": token, **form})
        assert response.status == 403, path
        assert NAME not in response.text()
