"""Kill -9 of the sending gateway during Peppol delivery: after a restart every invoice arrives exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from sqlmodel import Session, select

from gateway.app import bootstrap, create_app
from gateway.delivery import mlr
from gateway.tables import StoredInvoice
from tests.api.conftest import bootstrap_keys, free_port
from tests.delivery.peppol_network import (
    BILLING,
    BUYER,
    INVOICE_DOCTYPE,
    SELLER,
    node_settings,
    peppol_draft,
    serve,
)
from tests.delivery.pki import certificate_authority, issue
from tests.delivery.smp_server import local_smp

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("artifacts_dir")]


class SlowAnswers:
    """B answers /as4 half a second after it has archived: A dies while a receipt is on its way."""

    def __init__(self, app) -> None:
        self.app = app
        self.state = app.state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != "/as4":
            return await self.app(scope, receive, send)

        async def slow_send(message):
            if message["type"] == "http.response.start":
                await asyncio.sleep(0.5)
            await send(message)

        return await self.app(scope, receive, slow_send)


def _start_sender(data_dir: Path, env_settings: dict[str, str], erp_key: str | None):
    env = {**os.environ, "EGW_DATA_DIR": str(data_dir), **env_settings}
    if erp_key is None:
        subprocess.run(
            [sys.executable, "-m", "gateway", "init"], env=env, check=True, capture_output=True
        )
        erp_key = bootstrap_keys(data_dir)["EGW_ERP_KEY"]
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "gateway.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"{url}/readyz", timeout=2).status_code == 200:
                return process, url, erp_key
        except httpx2.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the sending gateway did not start")


def _inbound_numbers(app) -> list[str]:
    with Session(app.state.engine) as session:
        rows = session.exec(select(StoredInvoice).where(StoredInvoice.direction == "inbound")).all()
    return sorted(r.number for r in rows)


def test_killed_sender_delivers_each_invoice_exactly_once_after_restart(tmp_path):
    count = 8
    ca_a, ca_b, smp_ca = (certificate_authority(n) for n in ("CA A", "CA B", "SMP CA"))
    trust = {"ca-a": ca_a, "ca-b": ca_b}
    with local_smp(issue(smp_ca, "Test SMP")) as smp:
        smp.signer_ca = smp_ca
        b_settings = node_settings(tmp_path / "b", "PTEST00002", ca_b, smp, trust, BUYER)
        b_app = create_app(b_settings)
        assert bootstrap(b_app.state.engine) is not None
        server, thread, b_url = serve(SlowAnswers(b_app))
        a_settings = node_settings(tmp_path / "a", "PTEST00001", ca_a, smp, trust, SELLER)
        env = {
            "EGW_PEPPOL_KEY": str(a_settings.peppol_key),
            "EGW_PEPPOL_CERT": str(a_settings.peppol_cert),
            "EGW_PEPPOL_TRUST_ANCHORS": json.dumps(
                [str(p) for p in a_settings.peppol_trust_anchors]
            ),
            "EGW_SMP_TRUST_ANCHORS": json.dumps([str(p) for p in a_settings.smp_trust_anchors]),
            "EGW_SMP_URL": smp.url,
            "EGW_PEPPOL_PARTICIPANTS": json.dumps({SELLER: "default"}),
            "EGW_DELIVERY_LEASE_SECONDS": "2",
            "EGW_DELIVERY_BACKOFF_SECONDS": "0.2",
            "EGW_DELIVERY_POLL_SECONDS": "0.1",
        }
        process, a_url, erp_key = _start_sender(tmp_path / "a" / "data", env, None)
        from cryptography import x509

        a_cert = x509.load_pem_x509_certificate(a_settings.peppol_cert.read_bytes())
        smp.register(
            BUYER, INVOICE_DOCTYPE, BILLING, f"{b_url}/as4", b_app.state.delivery.peppol.certificate
        )
        smp.register(SELLER, mlr.DOCUMENT_TYPE, mlr.PROFILE, f"{a_url}/as4", a_cert)
        try:
            headers = {"Authorization": f"Bearer {erp_key}"}
            ids = []
            with httpx2.Client(base_url=a_url, timeout=60) as client:
                for i in range(count):
                    response = client.post(
                        "/v1/invoices", json=peppol_draft(f"CRASH-{i}"), headers=headers
                    )
                    assert response.status_code == 201, response.text
                    ids.append(response.json()["id"])
            deadline = time.monotonic() + 60
            while not _inbound_numbers(b_app):  # B archived one, its receipt is still on the way
                assert time.monotonic() < deadline, "nothing arrived at B"
                time.sleep(0.02)
            process.kill()  # SIGKILL mid-delivery
            process.wait(10)
            arrived_before = len(_inbound_numbers(b_app))
            assert arrived_before < count, (
                "everything was delivered before the kill; the test proves nothing"
            )
            process, a_url, _ = _start_sender(tmp_path / "a" / "data", env, erp_key)
            smp.register(SELLER, mlr.DOCUMENT_TYPE, mlr.PROFILE, f"{a_url}/as4", a_cert)
            deadline = time.monotonic() + 120
            while len(_inbound_numbers(b_app)) < count and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(3)  # longer than the lease: any repeated attempt would have landed by now
            assert _inbound_numbers(b_app) == sorted(f"CRASH-{i}" for i in range(count))
            with httpx2.Client(base_url=a_url, timeout=60) as client:
                for invoice_id in ids:
                    deadline = time.monotonic() + 60
                    while True:
                        events = client.get(
                            f"/v1/invoices/{invoice_id}/events", headers=headers
                        ).json()["events"]
                        kinds = [e["kind"] for e in events]
                        if "delivery.delivered" in kinds or time.monotonic() > deadline:
                            break
                        time.sleep(0.2)
                    assert kinds.count("delivery.delivered") == 1, kinds
                    assert kinds.count("delivery.receipt") == 1, kinds
        finally:
            process.kill()
            process.wait(10)
            server.should_exit = True
            thread.join(30)
            b_app.state.engine.dispose()
