"""Peppol Message Level Response 3.0 (BIS 36a, UBL 2.1 ApplicationResponse): accepted or rejected, with rule ids.

The receiving access point answers every received business document with one:
``AP`` (accepted), ``AB`` (acknowledged) or ``RE`` (rejected, each fatal finding a
``LineResponse`` naming its rule and location). ``DocumentReference/ID`` is the
SBDH instance identifier of the document answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from gateway.delivery.application_response import CAC, CBC, add, scheme_value, start
from schemas.xml_input import parse_xml

CUSTOMIZATION = "urn:fdc:peppol.eu:poacc:trns:mlr:3"
PROFILE = "urn:fdc:peppol.eu:poacc:bis:mlr:3"
DOCUMENT_TYPE = (
    "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2::ApplicationResponse"
    f"##{CUSTOMIZATION}::2.1"
)


@dataclass(frozen=True)
class Finding:
    """One reason of a rejection: the rule, where, and what it says."""

    rule: str
    location: str
    message: str


@dataclass(frozen=True)
class MessageLevelResponse:
    """An MLR as data."""

    id: str
    reference: str
    code: str  # AP, AB or RE
    sender: str  # participant ids, scheme:value
    receiver: str
    findings: list[Finding] = field(default_factory=list)


def render(response: MessageLevelResponse, *, now: datetime | None = None) -> bytes:
    """The MLR as UBL ApplicationResponse bytes."""
    moment = now or datetime.now(UTC)
    root = start(
        customization=CUSTOMIZATION, profile=PROFILE, document_id=response.id, moment=moment
    )
    for role, participant in (
        ("SenderParty", response.sender),
        ("ReceiverParty", response.receiver),
    ):
        party = add(root, f"cac:{role}")
        scheme, value = scheme_value(participant)
        add(party, "cbc:EndpointID", value, schemeID=scheme)
    document = add(root, "cac:DocumentResponse")
    answer = add(document, "cac:Response")
    add(answer, "cbc:ResponseCode", response.code, listID="UNCL4343OpSubset")
    reference = add(document, "cac:DocumentReference")
    add(reference, "cbc:ID", response.reference)
    for finding in response.findings:
        line = add(document, "cac:LineResponse")
        add(add(line, "cac:LineReference"), "cbc:LineID", finding.location or "NA")
        line_answer = add(line, "cac:Response")
        add(line_answer, "cbc:ResponseCode", "RE", listID="UNCL4343OpSubset")
        add(line_answer, "cbc:Description", f"[{finding.rule}] {finding.message}"[:1000])
        add(add(line_answer, "cac:Status"), "cbc:StatusReasonCode", "BV", listID="SRC")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def is_mlr(xml: bytes) -> bool:
    """Whether a business document is an MLR (by root element and CustomizationID)."""
    root = parse_xml(xml).getroot()
    return (
        etree.QName(root).localname == "ApplicationResponse"
        and root.findtext(f"{{{CBC}}}CustomizationID", "").strip() == CUSTOMIZATION
    )


def parse(xml: bytes) -> MessageLevelResponse:
    """An MLR from its XML (hardened parser)."""
    root = parse_xml(xml).getroot()

    def participant(role: str) -> str:
        endpoint = root.find(f"{{{CAC}}}{role}/{{{CBC}}}EndpointID")
        if endpoint is None:
            return ""
        return f"{endpoint.get('schemeID', '')}:{(endpoint.text or '').strip()}"

    findings = []
    for line in root.iter(f"{{{CAC}}}LineResponse"):
        description = line.findtext(f"{{{CAC}}}Response/{{{CBC}}}Description", "")
        rule, _, message = description.partition("] ")
        findings.append(
            Finding(
                rule=rule.lstrip("["),
                location=line.findtext(f"{{{CAC}}}LineReference/{{{CBC}}}LineID", ""),
                message=message,
            )
        )
    return MessageLevelResponse(
        id=root.findtext(f"{{{CBC}}}ID", ""),
        reference=root.findtext(
            f"{{{CAC}}}DocumentResponse/{{{CAC}}}DocumentReference/{{{CBC}}}ID", ""
        ),
        code=root.findtext(
            f"{{{CAC}}}DocumentResponse/{{{CAC}}}Response/{{{CBC}}}ResponseCode", ""
        ),
        sender=participant("SenderParty"),
        receiver=participant("ReceiverParty"),
        findings=findings,
    )
