"""Two gateways on loopback, each an access point with its own test CA, and a local SMP between them."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
import uvicorn

from gateway.app import bootstrap, create_app
from gateway.delivery import invoice_response, mlr
from gateway.settings import Settings
from tests.delivery.conftest import FAST
from tests.delivery.pki import certificate_authority, issue
from tests.delivery.smp_server import LocalSmp, local_smp
from tests.tax_rules.drafts import design_draft

SELLER = "9930:DE811907980"  # gateway A's tenant (the seller of design_draft)
BUYER = "9957:FR40303265045"  # gateway B's tenant (the buyer)
INVOICE_DOCTYPE = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##"
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
BILLING = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


def peppol_draft(number: str) -> dict:
    draft = design_draft(number=number)
    draft["seller"]["contact"]["phone"] = "+49 30 1234567"  # DE-R-006 for German sellers
    return draft


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Node:
    app: object
    url: str
    erp_key: str
    admin_key: str
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def erp(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.erp_key}"}

    def client(self) -> httpx2.Client:
        return httpx2.Client(base_url=self.url, timeout=60)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


def serve(app) -> tuple[uvicorn.Server, threading.Thread, str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


@dataclass
class Network:
    a: Node
    b: Node
    smp: LocalSmp
    pki: dict


def node_settings(
    folder: Path, seat: str, ca, smp, trust, participant: str, database_url=None
) -> Settings:
    ap = issue(ca, seat)
    key, cert = ap.write(folder / "peppol", seat)
    anchors = []
    for name, authority in trust.items():
        anchors.append(authority.write(folder / "trust", name)[1])
    smp_ca = smp.signer_ca.write(folder / "trust", "smp-ca")[1]
    return Settings(
        data_dir=folder / "data",
        database_url=database_url,
        peppol_key=key,
        peppol_cert=cert,
        peppol_trust_anchors=anchors,
        smp_trust_anchors=[smp_ca],
        smp_url=smp.url,
        peppol_participants={participant: "default"},
        **FAST,
    )


@contextmanager
def network(tmp_path: Path, database_urls=(None, None)) -> Iterator[Network]:
    ca_a, ca_b, smp_ca = (
        certificate_authority("Test AP CA A"),
        certificate_authority("Test AP CA B"),
        certificate_authority("Test SMP CA"),
    )
    trust = {"ca-a": ca_a, "ca-b": ca_b}
    with local_smp(issue(smp_ca, "Test SMP")) as smp:
        smp.signer_ca = smp_ca  # type: ignore[attr-defined]
        nodes = []
        for name, seat, ca, participant, url in (
            ("a", "PTEST00001", ca_a, SELLER, database_urls[0]),
            ("b", "PTEST00002", ca_b, BUYER, database_urls[1]),
        ):
            settings = node_settings(tmp_path / name, seat, ca, smp, trust, participant, url)
            app = create_app(settings)
            created = bootstrap(app.state.engine)
            assert created is not None
            server, thread, base = serve(app)
            nodes.append(Node(app, base, created.erp_key, created.admin_key, server, thread))
        a, b = nodes
        smp.register(
            BUYER, INVOICE_DOCTYPE, BILLING, f"{b.url}/as4", b.app.state.delivery.peppol.certificate
        )
        smp.register(
            SELLER,
            mlr.DOCUMENT_TYPE,
            mlr.PROFILE,
            f"{a.url}/as4",
            a.app.state.delivery.peppol.certificate,
        )
        smp.register(
            SELLER,
            invoice_response.DOCUMENT_TYPE,
            invoice_response.PROFILE,
            f"{a.url}/as4",
            a.app.state.delivery.peppol.certificate,
        )
        try:
            yield Network(a, b, smp, {"ca-a": ca_a, "ca-b": ca_b})
        finally:
            for node in nodes:
                node.stop()
                node.app.state.engine.dispose()
