"""Peppol BIS Invoice Response 3 (transaction T111, UBL 2.1 ApplicationResponse): the buyer's decision.

The recipient of an invoice tells its sender where the invoice stands: ``AB``
acknowledged, ``IP`` in process, ``UQ`` under query, ``CA`` conditionally
accepted, ``RE`` rejected, ``AP`` accepted, ``PD`` paid. ``CA``, ``UQ`` and ``RE``
carry at least one clarification (PEPPOL-T111-R001): a reason (code list
``OPStatusReason``) and/or an action asked of the seller (``OPStatusAction``),
each optionally with a text and with the business terms concerned
(``cac:Condition/cbc:AttributeID``). ``DocumentReference/ID`` is the invoice
number (BT-1) answered; the seller's gateway finds its invoice by it.

The rules checked here before rendering are those of the official Schematron
``PEPPOL-T111`` (R001, R003, R004, R005) and the code lists of the BIS; the
official rule file is not among the pinned artifacts, so nothing here replaces
running it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from lxml import etree

from gateway.delivery.application_response import CAC, CBC, add, scheme_value, start
from schemas.xml_input import parse_xml

CUSTOMIZATION = "urn:fdc:peppol.eu:poacc:trns:invoice_response:3"
PROFILE = "urn:fdc:peppol.eu:poacc:bis:invoice_response:3"
DOCUMENT_TYPE = (
    "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2::ApplicationResponse"
    f"##{CUSTOMIZATION}::2.1"
)


#: UNCL4343 subset of the BIS, with the invoice status each code sets.
RESPONSE_CODES = {
    "AB": "acknowledged",
    "IP": "in_process",
    "UQ": "under_query",
    "CA": "conditional_accept",
    "RE": "rejected",
    "AP": "approved",
    "PD": "paid",
}
#: Codes that need a clarification (PEPPOL-T111-R001).
NEED_CLARIFICATION = frozenset({"CA", "UQ", "RE"})
#: Clarification reasons (OPStatusReason) of the BIS.
REASON_CODES = {
    "NON": "no issue",
    "REF": "references incorrect",
    "LEG": "legal information incorrect",
    "REC": "receiver unknown",
    "QUA": "item quality insufficient",
    "DEL": "delivery issues",
    "PRI": "prices incorrect",
    "QTY": "quantity incorrect",
    "ITM": "items incorrect",
    "PAY": "payment terms incorrect",
    "UNR": "not recognized",
    "FIN": "finance terms not accepted",
    "PPD": "partially paid",
    "OTH": "other",
}
#: Clarification actions (OPStatusAction) of the BIS.
ACTION_CODES = {
    "NOA": "no action required",
    "PIN": "provide information",
    "NIN": "issue new invoice",
    "CNF": "credit fully",
    "CNP": "credit partially",
    "CNA": "credit the amount",
    "OTH": "other",
}
REASON_LIST = "OPStatusReason"
ACTION_LIST = "OPStatusAction"


@dataclass(frozen=True)
class Clarification:
    """One reason or action of a response: its code, an optional text, the business terms concerned."""

    kind: str  # "reason" (OPStatusReason) or "action" (OPStatusAction)
    code: str
    text: str | None = None
    terms: tuple[tuple[str, str | None], ...] = ()  # (BT id, what is wrong with it)


@dataclass(frozen=True)
class InvoiceResponse:
    """A Peppol Invoice Response as data."""

    id: str
    code: str
    invoice_number: str
    invoice_type_code: str
    sender: str  # participant ids, scheme:value
    sender_name: str
    receiver: str
    receiver_name: str
    invoice_issue_date: date | None = None
    note: str | None = None
    effective_date: date | None = None
    clarifications: list[Clarification] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    """What a response breaks: the field, the rule, what was expected."""

    field: str
    rule: str
    message: str


def check(response: InvoiceResponse) -> list[Problem]:
    """The BIS rules a response must meet before it is rendered (empty when it meets them).

    >>> [p.rule for p in check(InvoiceResponse("1", "RE", "INV-1", "380", "0088:1", "B", "0088:2", "S"))]
    ['PEPPOL-T111-R001']
    """
    problems: list[Problem] = []
    if response.code not in RESPONSE_CODES:
        problems.append(Problem("code", "UNCL4343OpSubset", f"one of {', '.join(RESPONSE_CODES)}"))
    if response.code in NEED_CLARIFICATION and not response.clarifications:
        problems.append(
            Problem(
                "reasons",
                "PEPPOL-T111-R001",
                f"a response {response.code} needs at least one clarification (reason or action)",
            )
        )
    for index, item in enumerate(response.clarifications):
        place = f"{'reasons' if item.kind == 'reason' else 'actions'}[{index}]"
        codes = REASON_CODES if item.kind == "reason" else ACTION_CODES
        if item.code not in codes:
            listed = REASON_LIST if item.kind == "reason" else ACTION_LIST
            problems.append(Problem(f"{place}.code", listed, f"one of {', '.join(codes)}"))
        if item.kind == "reason" and item.code == "PPD":
            if not item.text:
                problems.append(
                    Problem(
                        f"{place}.text",
                        "PEPPOL-T111-R004",
                        "a partial payment (PPD) needs a clarification text",
                    )
                )
            if response.code != "PD":
                problems.append(
                    Problem(
                        f"{place}.code",
                        "PEPPOL-T111-R005",
                        "the reason PPD goes only with the response code PD",
                    )
                )
    return problems


def render(response: InvoiceResponse, *, now: datetime | None = None) -> bytes:
    """The response as UBL ApplicationResponse bytes (element order of the UBL 2.1 schema)."""
    moment = now or datetime.now(UTC)
    root = start(
        customization=CUSTOMIZATION, profile=PROFILE, document_id=response.id, moment=moment
    )
    if response.note:
        add(root, "cbc:Note", response.note)
    for role, participant, name in (
        ("SenderParty", response.sender, response.sender_name),
        ("ReceiverParty", response.receiver, response.receiver_name),
    ):
        party = add(root, f"cac:{role}")
        scheme, value = scheme_value(participant)
        add(party, "cbc:EndpointID", value, schemeID=scheme)
        add(add(party, "cac:PartyLegalEntity"), "cbc:RegistrationName", name)
    document = add(root, "cac:DocumentResponse")
    answer = add(document, "cac:Response")
    add(answer, "cbc:ResponseCode", response.code, listID="UNCL4343OpSubset")
    if response.effective_date is not None:
        add(answer, "cbc:EffectiveDate", response.effective_date.isoformat())
    for item in response.clarifications:
        status = add(answer, "cac:Status")
        add(
            status,
            "cbc:StatusReasonCode",
            item.code,
            listID=REASON_LIST if item.kind == "reason" else ACTION_LIST,
        )
        if item.text:
            add(status, "cbc:StatusReason", item.text)
        for term, description in item.terms:
            condition = add(status, "cac:Condition")
            add(condition, "cbc:AttributeID", term)
            if description:
                add(condition, "cbc:Description", description)
    reference = add(document, "cac:DocumentReference")
    add(reference, "cbc:ID", response.invoice_number)
    if response.invoice_issue_date is not None:
        add(reference, "cbc:IssueDate", response.invoice_issue_date.isoformat())
    add(reference, "cbc:DocumentTypeCode", response.invoice_type_code)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def is_invoice_response(xml: bytes) -> bool:
    """Whether a business document is an Invoice Response (root element and CustomizationID)."""
    root = parse_xml(xml).getroot()
    return etree.QName(root).localname == "ApplicationResponse" and root.findtext(
        f"{{{CBC}}}CustomizationID", ""
    ).strip().startswith(CUSTOMIZATION)


def parse(xml: bytes) -> InvoiceResponse:
    """An Invoice Response from its XML (hardened parser)."""
    root = parse_xml(xml).getroot()

    def text(path: str) -> str:
        return root.findtext(path, "").strip()

    def party(role: str) -> tuple[str, str]:
        endpoint = root.find(f"{{{CAC}}}{role}/{{{CBC}}}EndpointID")
        participant = (
            f"{endpoint.get('schemeID', '')}:{(endpoint.text or '').strip()}"
            if endpoint is not None
            else ""
        )
        name = text(f"{{{CAC}}}{role}/{{{CAC}}}PartyLegalEntity/{{{CBC}}}RegistrationName")
        return participant, name

    def day(value: str) -> date | None:
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            return None

    response_path = f"{{{CAC}}}DocumentResponse/{{{CAC}}}Response"
    reference_path = f"{{{CAC}}}DocumentResponse/{{{CAC}}}DocumentReference"
    clarifications = []
    for status in root.iterfind(f"{response_path}/{{{CAC}}}Status"):
        code = status.find(f"{{{CBC}}}StatusReasonCode")
        if code is None:
            continue
        terms = tuple(
            (
                condition.findtext(f"{{{CBC}}}AttributeID", "").strip(),
                condition.findtext(f"{{{CBC}}}Description") or None,
            )
            for condition in status.iterfind(f"{{{CAC}}}Condition")
        )
        clarifications.append(
            Clarification(
                kind="action" if code.get("listID") == ACTION_LIST else "reason",
                code=(code.text or "").strip(),
                text=status.findtext(f"{{{CBC}}}StatusReason") or None,
                terms=terms,
            )
        )
    sender, sender_name = party("SenderParty")
    receiver, receiver_name = party("ReceiverParty")
    return InvoiceResponse(
        id=text(f"{{{CBC}}}ID"),
        code=text(f"{response_path}/{{{CBC}}}ResponseCode"),
        invoice_number=text(f"{reference_path}/{{{CBC}}}ID"),
        invoice_type_code=text(f"{reference_path}/{{{CBC}}}DocumentTypeCode"),
        invoice_issue_date=day(text(f"{reference_path}/{{{CBC}}}IssueDate")),
        sender=sender,
        sender_name=sender_name,
        receiver=receiver,
        receiver_name=receiver_name,
        note=root.findtext(f"{{{CBC}}}Note") or None,
        effective_date=day(text(f"{response_path}/{{{CBC}}}EffectiveDate")),
        clarifications=clarifications,
    )
