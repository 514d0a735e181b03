"""UN/CEFACT Cross Industry Invoice D16B as a whole (the CEN EN 16931 CII binding), both ways.

The document context (BG-2), the exchanged document (BT-1..BT-3, BG-1) and the
order of the trade transaction live here; every business group has its own
module with both directions side by side. The element order follows the CII
D16B XSD sequences; dates are ``udt:DateTimeString format="102"``. A credit note
is a CII document with a credit note type code. Rendering is deterministic;
parsing reports by XPath whatever the binding does not know.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from schemas import profiles, rendered
from schemas.cii.allowance import parse_allowances, render_allowances
from schemas.cii.delivery import parse_delivery, render_delivery
from schemas.cii.line import LINE, parse_line, render_line
from schemas.cii.names import (
    ACCOUNTING,
    ID,
    NAMESPACES,
    NOTE,
    NOTE_CONTENT,
    RSM,
    TYPE_CODE,
)
from schemas.cii.party import (
    BUYER,
    SELLER,
    parse_payee,
    parse_tax_representative,
    parse_trade_party,
    render_payee,
    render_tax_representative,
    render_trade_party,
)
from schemas.cii.payment import parse_payment, render_means, render_remittance, render_terms
from schemas.cii.period import parse_period, render_period
from schemas.cii.reference import (
    parse_agreement_references,
    parse_preceding_invoices,
    render_agreement_references,
    render_preceding_invoice,
)
from schemas.cii.totals import parse_breakdown, parse_totals, render_breakdown, render_totals
from schemas.cii.value import CiiWriter, parse_date
from schemas.errors import ParseError, Problem
from schemas.model import Invoice
from schemas.parsed import (
    DocumentSyntax,
    ParsedDocument,
    Reader,
    drop_empty,
)
from schemas.profiles import Profile
from schemas.rendered import Rendered
from schemas.xml_input import parse_xml

ROOT = "rsm:CrossIndustryInvoice"
CONTEXT = "rsm:ExchangedDocumentContext"
BUSINESS_PROCESS = "ram:BusinessProcessSpecifiedDocumentContextParameter/" + ID
GUIDELINE = "ram:GuidelineSpecifiedDocumentContextParameter/" + ID
DOCUMENT = "rsm:ExchangedDocument"
ISSUE_DATE = "ram:IssueDateTime"
NOTE_SUBJECT = "ram:SubjectCode"
TRANSACTION = "rsm:SupplyChainTradeTransaction"
AGREEMENT = "ram:ApplicableHeaderTradeAgreement"
BUYER_REFERENCE = "ram:BuyerReference"
SETTLEMENT = "ram:ApplicableHeaderTradeSettlement"
TAX_CURRENCY = "ram:TaxCurrencyCode"
CURRENCY = "ram:InvoiceCurrencyCode"


def _tax_currency(invoice: Invoice) -> str | None:
    # UBL lets one TaxTotal serve as BT-110 and BT-111 when BT-6 equals BT-5; in CII
    # that case breaks BR-53 or BR-CO-15, and a BT-6 equal to BT-5 says nothing: omit it.
    if (
        invoice.tax_currency == invoice.currency
        and invoice.totals.vat_total_accounting_currency is None
    ):
        return None
    return invoice.tax_currency


def _render_header(
    w: CiiWriter, root: etree._Element, invoice: Invoice, profile: Profile | None
) -> None:
    context = w.child(root, CONTEXT)
    business_process = (profile.business_process if profile else None) or invoice.business_process
    w.value(context, BUSINESS_PROCESS, business_process)
    customization = (
        profile.customization_id if profile else (invoice.customization_id or profiles.EN16931_ID)
    )
    w.required(context, GUIDELINE, customization)
    document = w.child(root, DOCUMENT)
    w.required(document, ID, invoice.number)
    w.required(document, TYPE_CODE, invoice.type_code)
    w.date(document, ISSUE_DATE, invoice.issue_date)
    for note in invoice.notes:
        element = w.child(document, NOTE)
        w.required(element, NOTE_CONTENT, note.text)
        w.value(element, NOTE_SUBJECT, note.subject_code)


def _parse_header(r: Reader, root: etree._Element) -> dict[str, Any]:
    context = r.one(root, CONTEXT)
    document = r.one(root, DOCUMENT)
    notes = [
        drop_empty({"subject_code": r.text(note, NOTE_SUBJECT), "text": r.text(note, NOTE_CONTENT)})
        for note in r.all(document, NOTE)
    ]
    return {
        "business_process": r.text(context, BUSINESS_PROCESS),
        "customization_id": r.text(context, GUIDELINE),
        "number": r.text(document, ID),
        "type_code": r.text(document, TYPE_CODE),
        "issue_date": parse_date(r, document, ISSUE_DATE),
        "notes": notes,
    }


def _render_agreement(w: CiiWriter, transaction: etree._Element, invoice: Invoice) -> None:
    agreement = w.child(transaction, AGREEMENT)
    w.value(agreement, BUYER_REFERENCE, invoice.buyer_reference)
    render_trade_party(w, agreement, SELLER, invoice.seller)
    render_trade_party(w, agreement, BUYER, invoice.buyer)
    render_tax_representative(w, agreement, invoice.tax_representative)
    render_agreement_references(w, agreement, invoice)


def _parse_agreement(r: Reader, transaction: etree._Element | None) -> dict[str, Any]:
    agreement = r.one(transaction, AGREEMENT)
    return {
        "buyer_reference": r.text(agreement, BUYER_REFERENCE),
        "seller": parse_trade_party(r, agreement, SELLER),
        "buyer": parse_trade_party(r, agreement, BUYER),
        "tax_representative": parse_tax_representative(r, agreement),
        **parse_agreement_references(r, agreement),
    }


def _render_settlement(w: CiiWriter, transaction: etree._Element, invoice: Invoice) -> None:
    settlement = w.child(transaction, SETTLEMENT)
    render_remittance(w, settlement, invoice)
    w.value(settlement, TAX_CURRENCY, _tax_currency(invoice))
    w.required(settlement, CURRENCY, invoice.currency)
    render_payee(w, settlement, invoice.payee)
    render_means(w, settlement, invoice)
    render_breakdown(w, settlement, invoice)
    render_period(w, settlement, invoice.invoice_period)
    render_allowances(w, settlement, invoice)
    render_terms(w, settlement, invoice)
    render_totals(w, settlement, invoice)
    render_preceding_invoice(w, settlement, invoice)
    w.value(settlement, ACCOUNTING, invoice.buyer_accounting_reference)


def _parse_settlement(r: Reader, transaction: etree._Element | None) -> dict[str, Any]:
    settlement = r.one(transaction, SETTLEMENT)
    currency = r.text(settlement, CURRENCY)
    tax_currency = r.text(settlement, TAX_CURRENCY)
    payment, due_date = parse_payment(r, settlement)
    allowances, charges = parse_allowances(r, settlement, with_vat=True)
    return {
        "currency": currency,
        "tax_currency": tax_currency,
        "payment": payment,
        "due_date": due_date,
        "payee": parse_payee(r, settlement),
        **parse_breakdown(r, settlement),
        "invoice_period": parse_period(r, settlement),
        "allowances": allowances,
        "charges": charges,
        "preceding_invoices": parse_preceding_invoices(r, settlement),
        "buyer_accounting_reference": r.text(settlement, ACCOUNTING),
        "totals": parse_totals(r, settlement, currency, tax_currency),
    }


def render(invoice: Invoice, *, profile: str | Profile | None = None) -> bytes:
    """Renders a complete invoice as a CII D16B ``rsm:CrossIndustryInvoice``.

    Args:
        invoice: The complete invoice.
        profile: The profile whose BT-24 and BT-23 the document declares; None
            keeps the invoice's own (as parsed), or plain EN 16931.

    Raises:
        RenderError: When the invoice holds something CII D16B cannot express.
    """
    chosen = profiles.get(profile) if isinstance(profile, str) else profile
    w = CiiWriter()
    root = etree.Element(w.qname(ROOT), nsmap=NAMESPACES)
    _render_header(w, root, invoice, chosen)
    transaction = w.child(root, TRANSACTION)
    for line in invoice.lines:
        render_line(w, transaction, line)
    _render_agreement(w, transaction, invoice)
    render_delivery(w, transaction, invoice)
    _render_settlement(w, transaction, invoice)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def parse_document(xml: bytes) -> ParsedDocument:
    """Parses a CII D16B invoice and reports what it could not map.

    Raises:
        XmlInputError: The bytes are not acceptable XML.
        ParseError: Not a CII invoice, or a document the EN 16931 model cannot hold.
    """
    return parse_tree(parse_xml(xml))


_ROOT_TAG = f"{{{RSM}}}{ROOT.split(':', 1)[1]}"


def detect(tree: etree._ElementTree) -> DocumentSyntax | None:
    """``cii`` for a CII CrossIndustryInvoice tree, else None."""
    return "cii" if tree.getroot().tag == _ROOT_TAG else None


def parse_tree(tree: etree._ElementTree) -> ParsedDocument:
    """Parses an already parsed (and hardened) CII document; see :func:`parse_document`."""
    root = tree.getroot()
    if detect(tree) is None:
        raise ParseError(
            f"not a CII CrossIndustryInvoice: the root element is {root.tag}",
            problems=[
                Problem(
                    field="document", message="expected rsm:CrossIndustryInvoice", value=root.tag
                )
            ],
        )
    r = Reader(root, NAMESPACES)
    transaction = r.one(root, TRANSACTION)
    data: dict[str, Any] = {
        **_parse_header(r, root),
        "lines": [parse_line(r, item) for item in r.all(transaction, LINE)],
        **_parse_agreement(r, transaction),
        **parse_delivery(r, transaction),
        **_parse_settlement(r, transaction),
    }
    return r.document(data, syntax="cii", binding="CII")


# Why a term of the model can be lost in CII (paths without list positions).
_NEEDS_MEANS = (
    "CII carries it in ram:SpecifiedTradeSettlementPaymentMeans, which needs a payment means "
    "code (BT-81)"
)
DROP_REASONS = {
    "payment.means_text": _NEEDS_MEANS,
    "payment.accounts": _NEEDS_MEANS,
    "payment.card": _NEEDS_MEANS,
    "payment.direct_debit.debited_account_id": _NEEDS_MEANS,
    "tax_currency": "CII omits a VAT accounting currency (BT-6) equal to the invoice currency "
    "(BT-5) when there is no BT-111: it says nothing there, and CII rules refuse it",
}


def render_with_report(invoice: Invoice, *, profile: str | Profile | None = None) -> Rendered:
    """Renders as :func:`render` does, and lists every business term the document cannot carry."""
    return rendered.render_with_report(
        render, parse, invoice, profile=profile, reasons=DROP_REASONS, syntax="CII"
    )


def parse(xml: bytes) -> Invoice:
    """Parses a CII D16B invoice into a complete EN 16931 invoice."""
    return parse_document(xml).invoice
