"""OASIS UBL 2.1 Invoice and CreditNote as a whole (the CEN EN 16931 UBL binding), both ways.

The document header lives here (BT-1..BT-10, BT-19, BG-1 notes, BG-2 process
control, BG-14 with BT-8); every other business group has its own module with
both directions side by side. The element order follows the UBL 2.1 XSD
sequences. Rendering is deterministic: the same model always gives the same
bytes. Parsing maps every business term present and reports every element the
binding does not know (UBL extensions, UBL elements outside EN 16931) by XPath,
never silently dropping it.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from schemas import profiles, rendered
from schemas.errors import ParseError, Problem
from schemas.model import Invoice
from schemas.parsed import (
    DocumentSyntax,
    ParsedDocument,
    Reader,
    drop_empty,
    signature_note,
    string_value,
)
from schemas.profiles import Profile
from schemas.rendered import Rendered
from schemas.ubl.allowance import parse_allowances, render_allowances
from schemas.ubl.delivery import parse_delivery, render_delivery
from schemas.ubl.line import CREDIT_NOTE_LINE, INVOICE_LINE, parse_line, render_line
from schemas.ubl.names import (
    ACCOUNTING_COST,
    CAC,
    CBC,
    CREDIT_NOTE_NS,
    EXT,
    ID,
    INVOICE_NS,
    ISSUE_DATE,
    NAMESPACES,
    NOTE,
)
from schemas.ubl.party import parse_parties, render_parties
from schemas.ubl.payment import parse_payment, render_payment
from schemas.ubl.period import parse_period, parse_tax_point_code, render_period
from schemas.ubl.reference import parse_references, render_references
from schemas.ubl.totals import parse_totals, render_totals
from schemas.ubl.writer import UblWriter
from schemas.xml_input import parse_xml

INVOICE = "Invoice"
CREDIT_NOTE = "CreditNote"
CUSTOMIZATION = "cbc:CustomizationID"
PROFILE = "cbc:ProfileID"
DUE_DATE = "cbc:DueDate"
INVOICE_TYPE = "cbc:InvoiceTypeCode"
CREDIT_NOTE_TYPE = "cbc:CreditNoteTypeCode"
TAX_POINT_DATE = "cbc:TaxPointDate"
CURRENCY = "cbc:DocumentCurrencyCode"
TAX_CURRENCY = "cbc:TaxCurrencyCode"
BUYER_REFERENCE = "cbc:BuyerReference"
VERSION = "cbc:UBLVersionID"
EXTENSIONS = "UBLExtensions"

# BT-21 subject code and BT-22 text share one cbc:Note: "#AAI#text".
_NOTE_SUBJECT = re.compile(r"^#([A-Z]{3})#(.*)$", re.S)


def _render_header(
    w: UblWriter, root: etree._Element, invoice: Invoice, profile: Profile | None, credit_note: bool
) -> None:
    if profile is None:
        w.value(root, CUSTOMIZATION, invoice.customization_id or profiles.EN16931_ID)
        w.value(root, PROFILE, invoice.business_process)
    else:
        w.value(root, CUSTOMIZATION, profile.customization_id)
        w.value(root, PROFILE, profile.business_process or invoice.business_process)
    w.value(root, ID, invoice.number)
    w.value(root, ISSUE_DATE, invoice.issue_date)
    if credit_note:
        w.value(root, TAX_POINT_DATE, invoice.tax_point_date)
        w.value(root, CREDIT_NOTE_TYPE, invoice.type_code)
    else:
        w.value(root, DUE_DATE, invoice.due_date)
        w.value(root, INVOICE_TYPE, invoice.type_code)
    for note in invoice.notes:
        w.value(root, NOTE, f"#{note.subject_code}#{note.text}" if note.subject_code else note.text)
    if not credit_note:
        w.value(root, TAX_POINT_DATE, invoice.tax_point_date)
    w.value(root, CURRENCY, invoice.currency)
    w.value(root, TAX_CURRENCY, invoice.tax_currency)
    w.value(root, ACCOUNTING_COST, invoice.buyer_accounting_reference)
    w.value(root, BUYER_REFERENCE, invoice.buyer_reference)
    render_period(w, root, invoice.invoice_period, invoice.tax_point_date_code)


def _parse_notes(r: Reader, root: etree._Element) -> list[dict[str, Any]]:
    notes = []
    for text in (string_value(e) for e in r.all(root, NOTE)):
        match = _NOTE_SUBJECT.match(text.strip())
        notes.append(
            {"subject_code": match.group(1), "text": match.group(2)} if match else {"text": text}
        )
    return notes


def render(invoice: Invoice, *, profile: str | Profile | None = None) -> bytes:
    """Renders a complete invoice as a UBL 2.1 Invoice (or CreditNote for credit note types).

    Args:
        invoice: The complete invoice.
        profile: The profile whose specification identifier (BT-24) and business
            process (BT-23) the document declares; None keeps the invoice's own
            BT-24 and BT-23 (as parsed), or declares plain EN 16931 when it has none.

    Returns:
        The UBL document, UTF-8 encoded, with an XML declaration.

    Raises:
        RenderError: When the invoice holds something UBL cannot express.
    """
    chosen = profiles.get(profile) if isinstance(profile, str) else profile
    credit_note = invoice.is_credit_note
    namespace = CREDIT_NOTE_NS if credit_note else INVOICE_NS
    root = etree.Element(
        f"{{{namespace}}}{CREDIT_NOTE if credit_note else INVOICE}",
        nsmap={None: namespace, "cac": CAC, "cbc": CBC},  # type: ignore[dict-item]
    )
    w = UblWriter(invoice.currency)
    _render_header(w, root, invoice, chosen, credit_note)
    render_references(w, root, invoice, credit_note)
    render_parties(w, root, invoice)
    render_delivery(w, root, invoice)
    render_payment(w, root, invoice, credit_note)
    # (A CreditNote puts document allowances after the exchange rates, which the
    # EN 16931 binding does not use, so the position is the same for both roots.)
    render_allowances(w, root, invoice)
    render_totals(w, root, invoice)
    for line in invoice.lines:
        render_line(w, root, line, credit_note)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _extension_reason(element: etree._Element) -> str | None:
    if element.tag != f"{{{EXT}}}{EXTENSIONS}":
        return None
    signature = signature_note(element)
    return "UBL extension content is outside EN 16931" + (
        f"; it holds {signature}" if signature else ""
    )


def _document_data(r: Reader, root: etree._Element, credit_note: bool) -> dict[str, Any]:
    parties, creditor_id = parse_parties(r, root)
    payment, means_due_date = parse_payment(r, root, creditor_id)
    allowances, charges = parse_allowances(r, root, with_vat=True)
    currency = r.text(root, CURRENCY)
    tax_currency = r.text(root, TAX_CURRENCY)
    data: dict[str, Any] = {
        "customization_id": r.text(root, CUSTOMIZATION),
        "business_process": r.text(root, PROFILE),
        "number": r.text(root, ID),
        "issue_date": r.text(root, ISSUE_DATE),
        "type_code": r.text(root, CREDIT_NOTE_TYPE if credit_note else INVOICE_TYPE),
        "currency": currency,
        "tax_currency": tax_currency,
        "tax_point_date": r.text(root, TAX_POINT_DATE),
        "tax_point_date_code": parse_tax_point_code(r, root),
        "due_date": r.text(root, DUE_DATE) or means_due_date,
        "buyer_reference": r.text(root, BUYER_REFERENCE),
        "buyer_accounting_reference": r.text(root, ACCOUNTING_COST),
        "notes": _parse_notes(r, root),
        "invoice_period": parse_period(r, root),
        "payment": payment,
        "allowances": allowances,
        "charges": charges,
        "lines": [
            parse_line(r, line, credit_note)
            for line in r.all(root, CREDIT_NOTE_LINE if credit_note else INVOICE_LINE)
        ],
        **parties,
        **parse_delivery(r, root),
        **parse_totals(r, root, currency, tax_currency),
        **parse_references(r, root, credit_note),
    }
    return drop_empty(data)


def parse_document(xml: bytes) -> ParsedDocument:
    """Parses a UBL 2.1 Invoice or CreditNote and reports what it could not map.

    Raises:
        XmlInputError: The bytes are not acceptable XML.
        ParseError: The document is not UBL, or does not fit the EN 16931 model
            (a required business term is missing or a code is wrong).
    """
    return parse_tree(parse_xml(xml))


_ROOTS: dict[str, DocumentSyntax] = {
    f"{{{INVOICE_NS}}}{INVOICE}": "ubl-invoice",
    f"{{{CREDIT_NOTE_NS}}}{CREDIT_NOTE}": "ubl-creditnote",
}


def detect(tree: etree._ElementTree) -> DocumentSyntax | None:
    """The document syntax of a UBL tree (``ubl-invoice`` or ``ubl-creditnote``), or None."""
    return _ROOTS.get(tree.getroot().tag)


def parse_tree(tree: etree._ElementTree) -> ParsedDocument:
    """Parses an already parsed (and hardened) UBL document; see :func:`parse_document`."""
    root = tree.getroot()
    syntax = detect(tree)
    credit_note = syntax == "ubl-creditnote"
    if syntax is None:
        raise ParseError(
            f"not a UBL 2.1 Invoice or CreditNote: the root element is {root.tag}",
            problems=[
                Problem(
                    field="document",
                    message="expected a UBL Invoice or CreditNote root",
                    value=root.tag,
                )
            ],
        )
    reader = Reader(root, NAMESPACES)
    data = _document_data(reader, root, credit_note)
    reader.all(root, VERSION)
    return reader.document(data, syntax=syntax, binding="UBL", reason=_extension_reason)


# Why a term of the model can be lost in UBL (paths without list positions).
_NEEDS_MEANS = "UBL carries it in cac:PaymentMeans, which needs a payment means code (BT-81)"
DROP_REASONS = {
    "payment.means_text": _NEEDS_MEANS,
    "payment.remittance_information": _NEEDS_MEANS,
    "payment.accounts": _NEEDS_MEANS,
    "payment.card": _NEEDS_MEANS,
    "payment.direct_debit.mandate_reference": _NEEDS_MEANS,
    "payment.direct_debit.debited_account_id": _NEEDS_MEANS,
}


def render_with_report(invoice: Invoice, *, profile: str | Profile | None = None) -> Rendered:
    """Renders as :func:`render` does, and lists every business term the document cannot carry."""
    return rendered.render_with_report(
        render, parse, invoice, profile=profile, reasons=DROP_REASONS, syntax="UBL"
    )


def parse(xml: bytes) -> Invoice:
    """Parses a UBL 2.1 Invoice or CreditNote into a complete EN 16931 invoice."""
    return parse_document(xml).invoice
