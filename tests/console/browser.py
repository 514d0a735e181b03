"""Headless Chromium for the console tests: Debian's ``chromium`` driven by Playwright.

Never ``playwright install``: the browser is the system's. Without /usr/bin/chromium
the tests skip with a message, unless CI=true, where they fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.api.conftest import LiveServer, bootstrap_keys, start_server
from tests.api.drafts import api_draft
from tests.conftest import CORPUS_DIR

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(
    os.environ.get("EGW_SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / ".screenshots")
)


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is absent (apt-get install chromium; .ci/run does)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Site:
    """A live gateway with two tenants, keys for every role and seeded invoices."""

    server: LiveServer
    base_url: str
    keys: dict[str, str]
    ids: dict[str, str]


def _bootstrap(data_dir: Path, env: dict[str, str]) -> dict[str, str]:
    """``egw init``: the first keys are written to the data directory, never printed."""
    subprocess.run(
        [sys.executable, "-m", "gateway", "init"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return bootstrap_keys(data_dir)


def start_site(data_dir: Path) -> Iterator[Site]:
    env = {**os.environ, "EGW_DATA_DIR": str(data_dir)}
    first = _bootstrap(data_dir, env)
    admin, erp = first["EGW_ADMIN_KEY"], first["EGW_ERP_KEY"]
    server = start_server(data_dir, erp_key=erp)
    base = server.base_url
    try:
        with httpx2.Client(base_url=base, timeout=60) as client:
            auth = {"Authorization": f"Bearer {admin}"}
            keys = {"admin": admin, "erp": erp}
            for role in ("compliance", "auditor"):
                body: dict[str, Any] = {"name": f"{role} key", "roles": [role]}
                if role == "auditor":
                    body["expires_at"] = (datetime.now(UTC) + timedelta(days=30)).isoformat()
                response = client.post("/v1/admin/keys", json=body, headers=auth)
                assert response.status_code == 201, response.text
                keys[role] = response.json()["key"]
            platform = {"Authorization": f"Bearer {first['EGW_PLATFORM_KEY']}"}
            other = client.post("/v1/admin/tenants", json={"name": "tenant B"}, headers=platform)
            assert other.status_code == 201, other.text
            keys["other_admin"] = other.json()["admin_key"]["key"]
            ids = {}
            erp_auth = {"Authorization": f"Bearer {erp}"}
            for number in ("WEB-1", "WEB-2"):
                response = client.post("/v1/invoices", json=api_draft(number), headers=erp_auth)
                assert response.status_code == 201, response.text
                ids[number] = response.json()["id"]
            response = client.post(
                "/v1/invoices/xml?profile=en16931",
                content=(CORPUS_DIR / "ubl/valid/peppol-base-example.xml").read_bytes(),
                headers={**erp_auth, "Content-Type": "application/xml"},
            )
            assert response.status_code == 201, response.text
            ids["Snippet1"] = response.json()["id"]
        yield Site(server, base, keys, ids)
    finally:
        server.stop()


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, base_url: str, key: str) -> None:
    page.goto(f"{base_url}/console/login")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/console")


def axe_violations(page: Any) -> list[str]:
    """axe-core's findings on the current page (labels, headings, contrast, landmarks, ...)."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result.response["violations"]
    ]
