"""Peppol discovery: SML (DNS U-NAPTR) to the participant's SMP, SMP REST to its signed AS4 endpoint.

Sources: Peppol SML 1.3.0 and Policy for use of Identifiers 4.x (the DNS name is
the Base32 of the SHA-256 of the lower-cased participant id, without padding,
under ``iso6523-actorid-upis.<SML zone>``; its NAPTR record with service
``Meta:SMP`` and flag ``U`` rewrites to the SMP's base URL), Peppol SMP 1.x (the
resource ``{smp}/{participant}/services/{document type}``, percent-encoded, a
``SignedServiceMetadata`` signed with XMLDSig by the SMP's certificate).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

import httpx2
from cryptography import x509
from lxml import etree

from gateway.delivery.errors import PeppolLookupError, RetryLater
from schemas.xml_input import parse_xml

PARTICIPANT_SCHEME = "iso6523-actorid-upis"
DOCTYPE_SCHEME = "busdox-docid-qns"
PROCESS_SCHEME = "cenbii-procid-ubl"
AS4_TRANSPORT = "peppol-transport-as4-v2_0"

SMP_NS = "http://busdox.org/serviceMetadata/publishing/1.0/"
ID_NS = "http://busdox.org/transport/identifiers/1.0/"
WSA_NS = "http://www.w3.org/2005/08/addressing"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"

# A DNS name -> NAPTR answers as (flags, service, regexp); injectable so tests need no DNS server.
NaptrResolver = Callable[[str], list[tuple[str, str, str]]]


@dataclass(frozen=True)
class Endpoint:
    """Where and to whom an AS4 message for one participant and document type goes."""

    url: str
    certificate: x509.Certificate
    transport_profile: str


def sml_name(participant: str, zone: str) -> str:
    """The SML DNS name of a participant (``scheme:value``), per PFUOI 4.x POLICY 7.

    >>> sml_name("0088:5798000000112", "edelivery.tech.ec.europa.eu").split(".", 1)[1]
    'iso6523-actorid-upis.edelivery.tech.ec.europa.eu'
    >>> len(sml_name("0088:5798000000112", "zone").split(".")[0])
    52
    """
    digest = hashlib.sha256(participant.strip().lower().encode()).digest()
    label = base64.b32encode(digest).decode().rstrip("=").lower()
    return f"{label}.{PARTICIPANT_SCHEME}.{zone.strip('.')}"


def dns_naptr(name: str) -> list[tuple[str, str, str]]:
    """NAPTR answers for a name from the system's DNS (dnspython)."""
    import dns.exception
    import dns.resolver

    try:
        answers = dns.resolver.resolve(name, "NAPTR")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException as exc:
        raise RetryLater(f"the SML DNS lookup failed ({type(exc).__name__})") from None
    return [
        (r.flags.decode(), r.service.decode(), r.regexp.decode())
        for r in sorted(answers, key=lambda r: (r.order, r.preference))
    ]


def smp_url_from_naptr(answers: Sequence[tuple[str, str, str]]) -> str | None:
    """The SMP base URL from U-NAPTR answers: the first ``U``/``Meta:SMP`` record's rewrite.

    >>> smp_url_from_naptr([("U", "Meta:SMP", "!^.*$!https://smp.example.org!")])
    'https://smp.example.org'
    """
    for flags, service, regexp in answers:
        if flags.upper() != "U" or service != "Meta:SMP" or len(regexp) < 3:
            continue
        delimiter = regexp[0]
        parts = regexp[1:].split(delimiter)
        if len(parts) >= 2 and parts[1].startswith(("https://", "http://")):
            return parts[1]
    return None


def locate_smp(participant: str, *, zone: str, resolver: NaptrResolver = dns_naptr) -> str:
    """The participant's SMP base URL, from the SML.

    Raises:
        PeppolLookupError: The participant is not registered (no NAPTR record).
    """
    url = smp_url_from_naptr(resolver(sml_name(participant, zone)))
    if url is None:
        raise PeppolLookupError(
            f"the participant is not registered in the SML zone {zone}",
            not_registered=True,
        )
    return url


def service_url(smp_url: str, participant: str, document_type: str) -> str:
    """The SMP REST resource of one participant's document type (both identifiers percent-encoded)."""
    return (
        f"{smp_url.rstrip('/')}/{quote(f'{PARTICIPANT_SCHEME}::{participant}', safe='')}"
        f"/services/{quote(f'{DOCTYPE_SCHEME}::{document_type}', safe='')}"
    )


def verify_smp_signature(document: bytes, anchors: Sequence[x509.Certificate]) -> etree._Element:
    """Checks the SMP's XMLDSig signature and that its certificate chains to a trusted SMP CA.

    Returns:
        The signed ``ServiceMetadata`` element (only what the signature covers is used).

    Raises:
        PeppolLookupError: Unsigned, altered, or signed by an untrusted certificate.
    """
    from as4.core.trust import certificate_chain
    from as4.errors import UntrustedSignerError
    from signxml.exceptions import InvalidInput, InvalidSignature
    from signxml.verifier import XMLVerifier

    if not anchors:
        raise PeppolLookupError("no SMP trust anchor is configured (EGW_SMP_TRUST_ANCHORS)")
    root = parse_xml(document).getroot()
    signature = root.find(f"{{{DS_NS}}}Signature")
    certificate_text = root.findtext(f".//{{{DS_NS}}}X509Certificate")
    if signature is None or not certificate_text:
        raise PeppolLookupError("the SMP answer is not signed")
    certificate = x509.load_der_x509_certificate(base64.b64decode(certificate_text))
    try:
        certificate_chain(*anchors)(None, certificate)
    except UntrustedSignerError as exc:
        raise PeppolLookupError(f"the SMP signing certificate is not trusted: {exc}") from None
    try:
        verified = XMLVerifier().verify(root, x509_cert=certificate)
    except (InvalidSignature, InvalidInput) as exc:
        raise PeppolLookupError(f"the SMP signature does not verify: {exc}") from None
    if isinstance(verified, list):
        raise PeppolLookupError("the SMP answer carries more than one signature")
    signed = verified.signed_xml
    if signed is None:
        raise PeppolLookupError("the SMP signature covers nothing")
    metadata = (
        signed
        if etree.QName(signed).localname == "ServiceMetadata"
        else signed.find(f"{{{SMP_NS}}}ServiceMetadata")
    )
    if metadata is None:
        raise PeppolLookupError("the SMP signature does not cover the ServiceMetadata")
    return metadata


def endpoint_from_metadata(metadata: etree._Element, *, process: str) -> Endpoint:
    """The AS4 endpoint for a process in a verified ``ServiceMetadata``.

    Raises:
        PeppolLookupError: No AS4 endpoint for the process.
    """
    for process_element in metadata.iter(f"{{{SMP_NS}}}Process"):
        identifier = process_element.findtext(f"{{{ID_NS}}}ProcessIdentifier", "").strip()
        if identifier != process:
            continue
        for endpoint in process_element.iter(f"{{{SMP_NS}}}Endpoint"):
            if endpoint.get("transportProfile") != AS4_TRANSPORT:
                continue
            address = endpoint.findtext(f"{{{WSA_NS}}}EndpointReference/{{{WSA_NS}}}Address", "")
            certificate = re.sub(r"\s+", "", endpoint.findtext(f"{{{SMP_NS}}}Certificate", ""))
            if not address or not certificate:
                raise PeppolLookupError("the SMP endpoint lacks its address or certificate")
            return Endpoint(
                url=address.strip(),
                certificate=x509.load_der_x509_certificate(base64.b64decode(certificate)),
                transport_profile=AS4_TRANSPORT,
            )
    raise PeppolLookupError(
        f"the participant publishes no {AS4_TRANSPORT} endpoint for process {process}",
        not_registered=True,
    )


def lookup(
    participant: str,
    *,
    document_type: str,
    process: str,
    zone: str,
    anchors: Sequence[x509.Certificate],
    smp_url: str | None = None,
    resolver: NaptrResolver = dns_naptr,
    timeout: float = 30.0,
) -> Endpoint:
    """SML then SMP: the verified AS4 endpoint of a participant for one document type and process.

    Raises:
        PeppolLookupError: Unknown participant, unsigned or untrusted SMP answer, no AS4 endpoint.
        RetryLater: DNS or the SMP could not be reached, or answered 5xx.
    """
    base = smp_url or locate_smp(participant, zone=zone, resolver=resolver)
    try:
        response = httpx2.get(
            service_url(base, participant, document_type), timeout=timeout, follow_redirects=False
        )
    except httpx2.HTTPError as exc:
        raise RetryLater(f"the SMP could not be reached ({type(exc).__name__})") from None
    if response.status_code == 404:
        raise PeppolLookupError(
            "the SMP publishes no such document type for the participant", not_registered=True
        )
    if response.status_code >= 500:
        raise RetryLater(f"the SMP answered {response.status_code}", code=response.status_code)
    if response.status_code != 200:
        raise PeppolLookupError(f"the SMP answered {response.status_code}")
    return endpoint_from_metadata(verify_smp_signature(response.content, anchors), process=process)
