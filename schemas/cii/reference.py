"""Document references in CII D16B, both ways: BT-11..BT-14, BT-17, BT-18, BG-3 and BG-24.

The agreement holds the order, contract, project and additional referenced
documents (supporting documents 916, tender 50, invoiced object 130); the
settlement holds the preceding invoice, of which CII D16B has room for one.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from schemas import groups
from schemas.cii.names import (
    ADDITIONAL_DOCUMENT,
    BUYER_ORDER,
    ID,
    INVOICED_OBJECT_CODE,
    ISSUER_ID,
    NAME,
    PROJECT_NAME,
    QUALIFIED_DATE_TIME_STRING,
    REFERENCE_TYPE,
    SUPPORTING_DOCUMENT_CODE,
    TENDER_CODE,
    TYPE_CODE,
)
from schemas.cii.value import CiiWriter, parse_date
from schemas.errors import Problem, RenderError
from schemas.groups import table
from schemas.model import Identifier, Invoice
from schemas.parsed import Reader, drop_empty

SALES_ORDER = "ram:SellerOrderReferencedDocument/" + ISSUER_ID
PURCHASE_ORDER = f"{BUYER_ORDER}/{ISSUER_ID}"
CONTRACT = "ram:ContractReferencedDocument/" + ISSUER_ID
PROJECT = "ram:SpecifiedProcuringProject"
URI = "ram:URIID"
BINARY = "ram:AttachmentBinaryObject"
PRECEDING = "ram:InvoiceReferencedDocument"
PRECEDING_DATE = "ram:FormattedIssueDateTime"
_SUPPORTING_DOCUMENT = table(groups.SUPPORTING_DOCUMENT, ISSUER_ID, NAME, URI)


def render_object_reference(
    w: CiiWriter, parent: etree._Element, identifier: Identifier | None
) -> None:
    """BT-18 or BT-128: a referenced document of type 130 with the scheme as reference type."""
    if identifier is None:
        return
    reference = w.child(parent, ADDITIONAL_DOCUMENT)
    w.required(reference, ISSUER_ID, identifier.value)
    w.required(reference, TYPE_CODE, INVOICED_OBJECT_CODE)
    w.value(reference, REFERENCE_TYPE, identifier.scheme)


def parse_object_reference(r: Reader, reference: etree._Element) -> dict[str, Any]:
    """BT-18 or BT-128 from a referenced document of type 130."""
    return drop_empty(
        {"value": r.text(reference, ISSUER_ID), "scheme": r.text(reference, REFERENCE_TYPE)}
    )


def render_agreement_references(w: CiiWriter, agreement: etree._Element, invoice: Invoice) -> None:
    """BT-14, BT-13, BT-12, BG-24, BT-17, BT-18 and BT-11, in XSD order."""
    w.value(agreement, SALES_ORDER, invoice.sales_order_reference)
    w.value(agreement, PURCHASE_ORDER, invoice.purchase_order_reference)
    w.value(agreement, CONTRACT, invoice.contract_reference)
    for document in invoice.supporting_documents:
        reference = w.child(agreement, ADDITIONAL_DOCUMENT)
        w.required(reference, ISSUER_ID, document.id)
        w.value(reference, URI, document.external_uri)
        w.required(reference, TYPE_CODE, SUPPORTING_DOCUMENT_CODE)
        w.value(reference, NAME, document.description)
        if document.attachment:
            w.attachment(reference, BINARY, document.attachment)
    if invoice.tender_reference:
        reference = w.child(agreement, ADDITIONAL_DOCUMENT)
        w.required(reference, ISSUER_ID, invoice.tender_reference)
        w.required(reference, TYPE_CODE, TENDER_CODE)
    render_object_reference(w, agreement, invoice.invoiced_object_id)
    if invoice.project_reference:
        project = w.child(agreement, PROJECT)
        w.required(project, ID, invoice.project_reference)
        w.required(project, NAME, PROJECT_NAME)


def parse_agreement_references(r: Reader, agreement: etree._Element | None) -> dict[str, Any]:
    """The references of the agreement, by model field."""
    project = r.one(agreement, PROJECT)
    r.text(project, NAME)
    data: dict[str, Any] = {
        "sales_order_reference": r.text(agreement, SALES_ORDER),
        "purchase_order_reference": r.text(agreement, PURCHASE_ORDER),
        "contract_reference": r.text(agreement, CONTRACT),
        "project_reference": r.text(project, ID),
    }
    documents, terms = r.supporting_documents(
        agreement,
        ADDITIONAL_DOCUMENT,
        code=TYPE_CODE,
        table=_SUPPORTING_DOCUMENT,
        binary=BINARY,
        others={
            TENDER_CODE: lambda ref: ("tender_reference", r.text(ref, ISSUER_ID)),
            INVOICED_OBJECT_CODE: lambda ref: (
                "invoiced_object_id",
                parse_object_reference(r, ref),
            ),
        },
    )
    data.update(terms)
    data["supporting_documents"] = documents
    return data


def render_preceding_invoice(w: CiiWriter, settlement: etree._Element, invoice: Invoice) -> None:
    """BG-3; CII D16B holds one, so more than one is refused rather than dropped.

    Raises:
        RenderError: The invoice references more than one preceding invoice.
    """
    if len(invoice.preceding_invoices) > 1:
        raise RenderError(
            "CII D16B holds one preceding invoice reference (BG-3); this invoice has "
            f"{len(invoice.preceding_invoices)}",
            problems=[
                Problem(
                    field="preceding_invoices",
                    message="render as UBL, or keep one preceding invoice",
                    rule="CII-BG-3",
                )
            ],
        )
    for preceding in invoice.preceding_invoices:
        reference = w.child(settlement, PRECEDING)
        w.required(reference, ISSUER_ID, preceding.number)
        w.date(reference, PRECEDING_DATE, preceding.issue_date, kind=QUALIFIED_DATE_TIME_STRING)


def parse_preceding_invoices(r: Reader, settlement: etree._Element | None) -> list[dict[str, Any]]:
    """BG-3 (a list, as the model holds it)."""
    return [
        drop_empty(
            {"number": r.text(ref, ISSUER_ID), "issue_date": parse_date(r, ref, PRECEDING_DATE)}
        )
        for ref in r.all(settlement, PRECEDING)
    ]
