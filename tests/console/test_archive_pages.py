"""The console's archive pages over HTTP (no browser): exports, verification, checkpoints, proofs.

Background work runs on threads; each test waits for its jobs to finish before the
fixture empties the database.
"""

from __future__ import annotations

import re
import time
from typing import Any

from gateway.archive.export import verify_export
from tests.archive.helpers import execute, scalar
from tests.console.helpers import key_with_roles, seed, sign_in

JOB_LINK = re.compile(r"/console/(?:exports|verification)/([0-9A-Z]{26})")


def wait_for(client: Any, path: str, *, until: str, timeout: float = 60) -> str:
    """Reloads ``path`` (as the page's meta refresh would) until ``until`` appears in it."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(path)
        assert response.status_code == 200, response.text
        if until in response.text:
            return response.text
        assert time.monotonic() < deadline, f"{until!r} never appeared on {path}"
        assert 'http-equiv="refresh"' in response.text  # still running: it reloads itself
        time.sleep(0.2)


def start_export(client: Any, csrf: str, first: str, last: str) -> str:
    response = client.post(
        "/console/exports",
        data={"csrf": csrf, "period_from": first, "period_to": last},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    match = JOB_LINK.fullmatch(response.headers["location"])
    assert match
    return match.group(1)


def test_export_from_the_console_downloads_a_verifiable_zip(gateway, tmp_path):
    ids = seed(gateway)
    auditor = key_with_roles(gateway, ["auditor"])
    csrf = sign_in(gateway.client, auditor)
    assert gateway.client.get("/console/exports").status_code == 200
    job_id = start_export(gateway.client, csrf, "2026-01-01", "2026-12-31")
    done = wait_for(gateway.client, f"/console/exports/{job_id}", until='id="export-ready"')
    assert 'http-equiv="refresh"' not in done  # finished pages stand still
    download = gateway.client.get(f"/console/exports/{job_id}/download")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["content-disposition"] == f'attachment; filename="export-{job_id}.zip"'
    path = tmp_path / "export.zip"
    path.write_bytes(download.content)
    check = verify_export(path)
    assert check.problems == []
    import zipfile

    with zipfile.ZipFile(path) as bundle:
        documents = {n for n in bundle.namelist() if n.startswith("documents/")}
    # API-1 and API-2 are issued in 2026; the corpus documents are older.
    assert {d.removeprefix("documents/").removesuffix(".xml") for d in documents} == {
        ids["API-1"],
        ids["API-2"],
    }
    listing = gateway.client.get("/console/exports")
    assert f"/console/exports/{job_id}/download" in listing.text
    # The same job through the API: the HTTP contract is unchanged.
    api = gateway.client.get(f"/v1/archive/exports/{job_id}", headers=gateway.auth(auditor)).json()
    assert api["status"] == "done" and api["download"] == f"/v1/archive/exports/{job_id}/download"
    same = gateway.client.get(api["download"], headers=gateway.auth(auditor))
    assert same.content == download.content


def test_export_api_contract_still_holds(gateway, tmp_path):
    seed(gateway)
    compliance = gateway.auth(key_with_roles(gateway, ["compliance"]))
    bad = gateway.client.post(
        "/v1/archive/exports", json={"from": "2026-12-31", "to": "2026-01-01"}, headers=compliance
    )
    assert bad.status_code == 422
    assert (
        gateway.client.post(
            "/v1/archive/exports",
            json={"from": "2026-01-01", "to": "2026-12-31"},
            headers=gateway.erp,
        ).status_code
        == 403
    )
    started = gateway.client.post(
        "/v1/archive/exports", json={"from": "2026-01-01", "to": "2026-12-31"}, headers=compliance
    )
    assert started.status_code == 202 and started.json()["status"] == "queued"
    job_id = started.json()["id"]
    deadline = time.monotonic() + 60
    while (job := gateway.client.get(f"/v1/archive/exports/{job_id}", headers=compliance).json())[
        "status"
    ] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert job["status"] == "done" and job["progress"] == job["total"] == 2
    zipped = gateway.client.get(job["download"], headers=compliance)
    (tmp_path / "e.zip").write_bytes(zipped.content)
    assert verify_export(tmp_path / "e.zip").problems == []
    other = gateway.client.get(
        f"/v1/archive/exports/{job_id}", headers=gateway.auth(gateway.other_admin_key)
    )
    assert other.status_code == 403  # admin is not an export role


def test_export_form_errors_roles_and_tenants(gateway):
    seed(gateway)
    csrf = sign_in(gateway.client, gateway.erp_key)
    assert gateway.client.get("/console/exports").status_code == 403
    refused = gateway.client.post(
        "/console/exports",
        data={"csrf": csrf, "period_from": "2026-01-01", "period_to": "2026-12-31"},
    )
    assert refused.status_code == 403 and "compliance, auditor" in refused.text
    csrf = sign_in(gateway.client, key_with_roles(gateway, ["compliance"]))
    no_token = gateway.client.post(
        "/console/exports", data={"period_from": "2026-01-01", "period_to": "2026-12-31"}
    )
    assert no_token.status_code == 403
    backwards = gateway.client.post(
        "/console/exports",
        data={"csrf": csrf, "period_from": "2026-12-31", "period_to": "2026-01-01"},
    )
    assert backwards.status_code == 422 and "period_to" in backwards.text
    assert "before it starts" in backwards.text
    unreadable = gateway.client.post(
        "/console/exports", data={"csrf": csrf, "period_from": "soon", "period_to": ""}
    )
    assert unreadable.status_code == 422
    assert "period_from (expected a date as YYYY-MM-DD)" in unreadable.text
    assert "period_to (required)" in unreadable.text
    job_id = start_export(gateway.client, csrf, "2026-01-01", "2026-12-31")
    early = gateway.client.get(f"/console/exports/{job_id}/download")
    assert early.status_code in (200, 409)  # 409 while it runs; never a 500
    wait_for(gateway.client, f"/console/exports/{job_id}", until='id="export-ready"')
    other = key_with_roles(gateway, ["compliance"], admin_key=gateway.other_admin_key)
    sign_in(gateway.client, other)
    assert gateway.client.get(f"/console/exports/{job_id}").status_code == 404
    assert gateway.client.get(f"/console/exports/{job_id}/download").status_code == 404
    assert job_id not in gateway.client.get("/console/exports").text


def run_verification(client: Any, csrf: str) -> str:
    """Starts a run and follows its page until it is finished; returns the finished page."""
    response = client.post("/console/verification", data={"csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert JOB_LINK.fullmatch(response.headers["location"])
    page = wait_for(client, response.headers["location"], until="<dt>Finished</dt>")
    return f"<!-- {response.headers['location']} -->" + page


def test_verification_runs_in_the_background_and_reaches_the_dashboard(gateway):
    ids = seed(gateway)
    auditor = key_with_roles(gateway, ["auditor"])
    csrf = sign_in(gateway.client, auditor)
    assert "No verification has been run" in gateway.client.get("/console/verification").text
    result = run_verification(gateway.client, csrf)
    assert 'id="verification-status">Archive intact' in result
    assert "<dt>Records</dt><dd>5</dd>" in result
    board = gateway.client.get("/console")
    assert 'class="ok">intact<' in board.text
    assert "(5 records," in board.text
    # A changed row is found, named by kind and record, and the dashboard says so.
    execute(gateway, "UPDATE invoice SET number = 'FORGED' WHERE id = :i", i=ids["API-2"])
    result = run_verification(gateway.client, csrf)
    assert "Problems found: 1." in result
    assert "row-changed" in result and ids["API-2"] in result
    assert "1 problem(s) found" in gateway.client.get("/console").text
    # The run is in the audit trail, and its page outlives the in-memory job list.
    location = JOB_LINK.search(result)
    assert location
    gateway.app.state.console_verifications._jobs.clear()
    latest = gateway.client.get("/console/verification")
    assert "Problems found: 1." in latest.text
    again = gateway.client.get(location.group(0))
    assert again.status_code == 200 and "row-changed" in again.text
    assert gateway.client.get("/console/verification/01HZZZZZZZZZZZZZZZZZZZZZZZ").status_code == 404


def test_verification_roles_and_csrf(gateway):
    csrf = sign_in(gateway.client, gateway.erp_key)
    assert gateway.client.get("/console/verification").status_code == 403
    assert gateway.client.post("/console/verification", data={"csrf": csrf}).status_code == 403
    csrf = sign_in(gateway.client, gateway.admin_key)
    assert gateway.client.post("/console/verification", data={}).status_code == 403
    assert "Archive intact" in run_verification(gateway.client, csrf)
    sign_in(gateway.client, gateway.other_admin_key)
    last = gateway.client.get("/console/verification")
    assert "No verification has been run" in last.text  # tenant A's run is not tenant B's


def test_checkpoint_button_and_invoice_proof(gateway):
    ids = seed(gateway)
    auditor = key_with_roles(gateway, ["auditor"])
    csrf = sign_in(gateway.client, auditor)
    assert "Make a checkpoint now" not in gateway.client.get("/console").text
    assert gateway.client.post("/console/checkpoints", data={"csrf": csrf}).status_code == 403
    page = gateway.client.get(f"/console/invoices/{ids['API-1']}")
    assert 'id="proof-status" class="">Not yet in a checkpoint' in page.text
    assert "no checkpoint has been made yet" in page.text
    assert "<td>invoice.accepted</td>" in page.text  # the ledger timeline

    csrf = sign_in(gateway.client, key_with_roles(gateway, ["compliance"]))
    assert gateway.client.post("/console/checkpoints", data={}).status_code == 403
    made = gateway.client.post("/console/checkpoints", data={"csrf": csrf}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/console#h-archive"
    latest = gateway.client.get("/v1/archive/checkpoints/latest", headers=gateway.admin).json()
    board = gateway.client.get("/console").text
    assert f"tree size {latest['tree_size']}," in board
    assert "not time-stamped: no time-stamp authority configured" in board
    page = gateway.client.get(f"/console/invoices/{ids['API-1']}").text
    assert 'id="proof-status" class="ok">Included in the latest checkpoint' in page
    assert latest["root_hash"] in page
    api = gateway.client.get(f"/v1/invoices/{ids['API-1']}/proof", headers=gateway.erp).json()
    assert " ".join(api["inclusion_proof"]["audit_path"]) in page
    # A hold on the invoice goes into its ledger timeline; newer entries wait for a checkpoint.
    gateway.client.post(
        "/console/holds",
        data={"csrf": csrf, "scope": "invoice", "invoice_id": ids["API-1"], "reason": "audit"},
    )
    fresh = gateway.client.post(
        "/v1/invoices",
        json=__import__("tests.api.drafts", fromlist=["x"]).api_draft("API-9"),
        headers=gateway.erp,
    ).json()
    page = gateway.client.get(f"/console/invoices/{fresh['id']}").text
    assert "newer than the latest checkpoint" in page


def test_running_jobs_show_progress_and_reload(gateway):
    from datetime import UTC, date, datetime

    from sqlmodel import Session

    from gateway.console.verification import VerificationJob
    from gateway.tables import ExportJob

    csrf = sign_in(gateway.client, key_with_roles(gateway, ["compliance"]))
    assert csrf
    tenant = scalar(gateway, "SELECT tenant_id FROM api_key WHERE roles = 'compliance'")
    with Session(gateway.app.state.engine) as session, session.begin():
        session.add(
            ExportJob(
                id="01JRUNNINGEXPORT0000000000",
                tenant_id=tenant,
                period_from=date(2026, 1, 1),
                period_to=date(2026, 12, 31),
                status="running",
                progress=3,
                total=10,
                created_at=datetime.now(UTC),
            )
        )
    running = gateway.client.get("/console/exports/01JRUNNINGEXPORT0000000000")
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in running.text
    assert 'max="10" value="3"' in running.text and "/console/static/progress.js" in running.text
    assert "export-download" not in running.text
    still = gateway.client.get("/console/exports/01JRUNNINGEXPORT0000000000?reload=off")
    assert 'http-equiv="refresh"' not in still.text and 'value="3"' in still.text
    status = gateway.client.get("/console/exports/01JRUNNINGEXPORT0000000000/status").json()
    assert status == {"status": "running", "running": True, "done": 3, "total": 10}
    refused = gateway.client.get("/console/exports/01JRUNNINGEXPORT0000000000/download")
    assert refused.status_code == 409 and "running, not ready" in refused.text

    jobs = gateway.app.state.console_verifications
    job = VerificationJob("01JRUNNINGVERIFY0000000000", tenant, datetime.now(UTC), done=7, total=9)
    jobs._jobs[job.id] = job
    try:
        page = gateway.client.get(f"/console/verification/{job.id}")
        assert 'http-equiv="refresh"' in page.text and 'max="9" value="7"' in page.text
        assert gateway.client.get(f"/console/verification/{job.id}/status").json() == {
            "status": "running",
            "running": True,
            "done": 7,
            "total": 9,
        }
        # Starting another run while one runs joins it rather than doubling the work.
        again = gateway.client.post(
            "/console/verification", data={"csrf": csrf}, follow_redirects=False
        )
        assert again.headers["location"] == f"/console/verification/{job.id}"
        sign_in(gateway.client, gateway.other_admin_key)
        assert gateway.client.get(f"/console/verification/{job.id}").status_code == 404
        assert (
            gateway.client.get("/console/exports/01JRUNNINGEXPORT0000000000/status").status_code
            == 403
        )
    finally:
        jobs._jobs.clear()
