"""SML/SMP discovery: the DNS name, U-NAPTR rewriting, signed SMP answers verified or refused."""

from __future__ import annotations

import pytest

from gateway.delivery import smp
from gateway.delivery.errors import PeppolLookupError
from tests.delivery.pki import certificate_authority, issue
from tests.delivery.smp_server import local_smp

PARTICIPANT = "9957:FR40303265045"
DOCTYPE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##x::2.1"
PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


def test_the_sml_name_is_case_insensitive_base32_of_sha256():
    name = smp.sml_name(PARTICIPANT, "acc.edelivery.tech.ec.europa.eu")
    assert name == smp.sml_name(PARTICIPANT.lower(), "acc.edelivery.tech.ec.europa.eu.")
    label = name.split(".")[0]
    assert len(label) == 52 and "=" not in label  # 256 bits in Base32, padding stripped


def test_the_smp_is_found_through_an_injected_naptr_resolver():
    asked = []

    def resolver(name):
        asked.append(name)
        return [
            ("S", "Meta:SMP", "!^.*$!https://wrong.example!"),
            ("U", "Meta:SMP", "!^.*$!https://smp.example.org/"),
        ]

    assert (
        smp.locate_smp(PARTICIPANT, zone="zone.example", resolver=resolver)
        == "https://smp.example.org/"
    )
    assert asked == [smp.sml_name(PARTICIPANT, "zone.example")]
    with pytest.raises(PeppolLookupError) as raised:
        smp.locate_smp(PARTICIPANT, zone="zone.example", resolver=lambda name: [])
    assert raised.value.not_registered


@pytest.fixture
def registry():
    smp_ca = certificate_authority("SMP CA")
    ap = issue(certificate_authority("AP CA"), "PTEST00009")
    with local_smp(issue(smp_ca, "SMP")) as server:
        server.register(PARTICIPANT, DOCTYPE, PROCESS, "http://127.0.0.1:9/as4", ap.certificate)
        yield server, smp_ca, ap


def test_a_signed_answer_gives_the_endpoint_and_its_certificate(registry):
    server, smp_ca, ap = registry
    endpoint = smp.lookup(
        PARTICIPANT,
        document_type=DOCTYPE,
        process=PROCESS,
        zone="z",
        anchors=[smp_ca.certificate],
        smp_url=server.url,
    )
    assert endpoint.url == "http://127.0.0.1:9/as4" and endpoint.certificate == ap.certificate
    with pytest.raises(PeppolLookupError, match="no peppol-transport-as4-v2_0 endpoint"):
        smp.lookup(
            PARTICIPANT,
            document_type=DOCTYPE,
            process="other",
            zone="z",
            anchors=[smp_ca.certificate],
            smp_url=server.url,
        )
    with pytest.raises(PeppolLookupError) as raised:
        smp.lookup(
            "0088:1",
            document_type=DOCTYPE,
            process=PROCESS,
            zone="z",
            anchors=[smp_ca.certificate],
            smp_url=server.url,
        )
    assert raised.value.not_registered


def test_an_altered_or_untrusted_answer_is_refused(registry):
    server, smp_ca, _ = registry
    server.tamper = True  # the endpoint address is changed after signing
    with pytest.raises(PeppolLookupError, match="signature does not verify"):
        smp.lookup(
            PARTICIPANT,
            document_type=DOCTYPE,
            process=PROCESS,
            zone="z",
            anchors=[smp_ca.certificate],
            smp_url=server.url,
        )
    server.tamper = False
    stranger = certificate_authority("Another CA")
    with pytest.raises(PeppolLookupError, match="not trusted"):
        smp.lookup(
            PARTICIPANT,
            document_type=DOCTYPE,
            process=PROCESS,
            zone="z",
            anchors=[stranger.certificate],
            smp_url=server.url,
        )
