"""A local SMP (Peppol SMP 1.x REST) for tests: signed ServiceMetadata per participant and document type."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml import XMLSigner, methods

from gateway.delivery import smp
from tests.delivery.pki import Issued

SMP = smp.SMP_NS
ID = smp.ID_NS
WSA = smp.WSA_NS


def service_metadata(participant, document_type, process, url, certificate) -> etree._Element:
    root = etree.Element(
        f"{{{SMP}}}SignedServiceMetadata", nsmap={"smp": SMP, "id": ID, "wsa": WSA}
    )
    info = etree.SubElement(
        etree.SubElement(root, f"{{{SMP}}}ServiceMetadata"), f"{{{SMP}}}ServiceInformation"
    )
    etree.SubElement(
        info, f"{{{ID}}}ParticipantIdentifier", scheme=smp.PARTICIPANT_SCHEME
    ).text = participant
    etree.SubElement(
        info, f"{{{ID}}}DocumentIdentifier", scheme=smp.DOCTYPE_SCHEME
    ).text = document_type
    process_element = etree.SubElement(
        etree.SubElement(info, f"{{{SMP}}}ProcessList"), f"{{{SMP}}}Process"
    )
    etree.SubElement(
        process_element, f"{{{ID}}}ProcessIdentifier", scheme=smp.PROCESS_SCHEME
    ).text = process
    endpoint = etree.SubElement(
        etree.SubElement(process_element, f"{{{SMP}}}ServiceEndpointList"),
        f"{{{SMP}}}Endpoint",
        transportProfile=smp.AS4_TRANSPORT,
    )
    etree.SubElement(
        etree.SubElement(endpoint, f"{{{WSA}}}EndpointReference"), f"{{{WSA}}}Address"
    ).text = url
    etree.SubElement(endpoint, f"{{{SMP}}}RequireBusinessLevelSignature").text = "false"
    der = certificate.public_bytes(serialization.Encoding.DER)
    etree.SubElement(endpoint, f"{{{SMP}}}Certificate").text = base64.b64encode(der).decode()
    etree.SubElement(endpoint, f"{{{SMP}}}ServiceDescription").text = "test AP"
    etree.SubElement(endpoint, f"{{{SMP}}}TechnicalContactUrl").text = "https://example.org"
    return root


@dataclass
class LocalSmp:
    url: str
    signer: Issued
    entries: dict[tuple[str, str], bytes] = field(default_factory=dict)
    tamper: bool = False

    def register(self, participant, document_type, process, url, certificate) -> None:
        unsigned = service_metadata(participant, document_type, process, url, certificate)
        signed = XMLSigner(
            method=methods.enveloped, signature_algorithm="rsa-sha256", digest_algorithm="sha256"
        ).sign(unsigned, key=self.signer.key_pem(), cert=[self.signer.certificate])
        self.entries[(participant.lower(), document_type)] = etree.tostring(signed)


@contextmanager
def local_smp(signer: Issued) -> Iterator[LocalSmp]:
    state = LocalSmp(url="", signer=signer)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            parts = self.path.strip("/").split("/")
            body = None
            if len(parts) == 3 and parts[1] == "services":
                participant = unquote(parts[0]).split("::", 1)[1].lower()
                document_type = unquote(parts[2]).split("::", 1)[1]
                body = state.entries.get((participant, document_type))
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if state.tamper:
                body = body.replace(b"127.0.0.1", b"127.0.0.2", 1)
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
