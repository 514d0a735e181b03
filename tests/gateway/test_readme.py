"""The README's first request works on a fresh install, exactly as written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from schemas.model import InvoiceDraft
from tests.api.conftest import free_port

REPO = Path(__file__).resolve().parents[2]


def _first_request_block() -> str:
    readme = (REPO / "README.md").read_text()
    section = readme.split("<!-- first-request -->", 1)[1].split("<!-- /first-request -->", 1)[0]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


@pytest.mark.slow
def test_the_readme_first_request_works_on_a_fresh_install(tmp_path):
    (tmp_path / "docs").symlink_to(REPO / "docs")
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("EGW_")
    }  # no artifacts, no settings
    server = subprocess.Popen(
        [sys.executable, "-m", "gateway", "serve", "--data-dir", "./data", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("egw serve did not start")
            time.sleep(0.2)
        script = _first_request_block().replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        result = subprocess.run(
            ["bash", "-e", "-c", script.rstrip() + ' -w "\\n%{http_code}"'],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.terminate()
        server.communicate(timeout=30)
    body, _, status = result.stdout.rstrip().rpartition("\n")
    assert status == "201", result.stdout[-500:] + result.stderr
    invoice = json.loads(body)
    assert invoice["status"] == "accepted" and invoice["number"].startswith("INV-")
    assert invoice["links"]["xml"] and invoice["totals"]["amount_due"]


def test_the_draft_documentation_lists_every_field():
    text = (REPO / "docs" / "draft.md").read_text()
    schema = InvoiceDraft.model_json_schema()
    for name in [*schema["properties"], *schema["$defs"]["LineDraft"]["properties"]]:
        assert f"`{name}`" in text, name
    example = json.loads((REPO / "docs" / "examples" / "first-invoice.json").read_text())
    InvoiceDraft.model_validate(example)
