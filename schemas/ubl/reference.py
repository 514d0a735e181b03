"""Document references in UBL 2.1, both ways: BT-11..BT-18, BG-3 PRECEDING INVOICE, BG-24 SUPPORTING DOCUMENTS.

A CreditNote has no ``cac:ProjectReference``: its BT-11 is an additional document
reference with code 50, and its ``cac:OriginatorDocumentReference`` (BT-17) comes
after the additional document references.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from schemas import groups
from schemas.groups import table
from schemas.model import Invoice
from schemas.parsed import Reader, drop_empty
from schemas.ubl.names import (
    DOCUMENT_TYPE_CODE,
    ID,
    INVOICED_OBJECT_CODE,
    ISSUE_DATE,
    NOT_APPLICABLE,
    PROJECT_REFERENCE_CODE,
)
from schemas.ubl.writer import UblWriter

ORDER = "cac:OrderReference"
SALES_ORDER = "cbc:SalesOrderID"
PRECEDING = "cac:BillingReference/cac:InvoiceDocumentReference"
DESPATCH = "cac:DespatchDocumentReference/" + ID
RECEIPT = "cac:ReceiptDocumentReference/" + ID
TENDER = "cac:OriginatorDocumentReference/" + ID
CONTRACT = "cac:ContractDocumentReference/" + ID
PROJECT = "cac:ProjectReference/" + ID
ADDITIONAL = "cac:AdditionalDocumentReference"
DESCRIPTION = "cbc:DocumentDescription"
ATTACHMENT = "cac:Attachment"
BINARY = "cbc:EmbeddedDocumentBinaryObject"
EXTERNAL_URI = "cac:ExternalReference/cbc:URI"
_SUPPORTING_DOCUMENT = table(
    groups.SUPPORTING_DOCUMENT, ID, DESCRIPTION, f"{ATTACHMENT}/{EXTERNAL_URI}"
)


def render_references(
    w: UblWriter, root: etree._Element, invoice: Invoice, credit_note: bool
) -> None:
    """BT-11..BT-18, BG-3 and BG-24, in the order of the Invoice or CreditNote XSD."""
    if invoice.purchase_order_reference or invoice.sales_order_reference:
        order = w.child(root, ORDER)
        w.value(order, ID, invoice.purchase_order_reference or NOT_APPLICABLE)
        w.value(order, SALES_ORDER, invoice.sales_order_reference)
    for preceding in invoice.preceding_invoices:
        reference = w.child(root, PRECEDING)
        w.value(reference, ID, preceding.number)
        w.value(reference, ISSUE_DATE, preceding.issue_date)
    w.value(root, DESPATCH, invoice.despatch_advice_reference)
    w.value(root, RECEIPT, invoice.receiving_advice_reference)
    if not credit_note:
        w.value(root, TENDER, invoice.tender_reference)
    w.value(root, CONTRACT, invoice.contract_reference)
    if invoice.invoiced_object_id:
        reference = w.child(root, ADDITIONAL)
        identifier = invoice.invoiced_object_id
        w.value(reference, ID, identifier.value, schemeID=identifier.scheme)
        w.value(reference, DOCUMENT_TYPE_CODE, INVOICED_OBJECT_CODE)
    if credit_note and invoice.project_reference:
        reference = w.child(root, ADDITIONAL)
        w.value(reference, ID, invoice.project_reference)
        w.value(reference, DOCUMENT_TYPE_CODE, PROJECT_REFERENCE_CODE)
    for document in invoice.supporting_documents:
        reference = w.child(root, ADDITIONAL)
        w.value(reference, ID, document.id)
        w.value(reference, DESCRIPTION, document.description)
        if document.attachment or document.external_uri:
            attachment = w.child(reference, ATTACHMENT)
            if document.attachment:
                w.attachment(attachment, BINARY, document.attachment)
            w.value(attachment, EXTERNAL_URI, document.external_uri)
    if credit_note:
        w.value(root, TENDER, invoice.tender_reference)
    else:
        w.value(root, PROJECT, invoice.project_reference)


def parse_references(r: Reader, root: etree._Element, credit_note: bool) -> dict[str, Any]:
    """The document references, by model field."""
    data: dict[str, Any] = {}
    order = r.one(root, ORDER)
    if order is not None:
        order_id = r.text(order, ID)
        sales_order = r.text(order, SALES_ORDER)
        data["purchase_order_reference"] = (
            None if order_id == NOT_APPLICABLE and sales_order else order_id
        )
        data["sales_order_reference"] = sales_order
    data["preceding_invoices"] = [
        drop_empty({"number": r.text(ref, ID), "issue_date": r.text(ref, ISSUE_DATE)})
        for ref in r.all(root, PRECEDING)
    ]
    data["despatch_advice_reference"] = r.text(root, DESPATCH)
    data["receiving_advice_reference"] = r.text(root, RECEIPT)
    data["tender_reference"] = r.text(root, TENDER)
    data["contract_reference"] = r.text(root, CONTRACT)
    data["project_reference"] = r.text(root, PROJECT)
    others: dict[str, Callable[[etree._Element], tuple[str, Any]]] = {
        INVOICED_OBJECT_CODE: lambda ref: ("invoiced_object_id", r.identifier(ref, ID))
    }
    if credit_note:
        others[PROJECT_REFERENCE_CODE] = lambda ref: ("project_reference", r.text(ref, ID))
    documents, terms = r.supporting_documents(
        root,
        ADDITIONAL,
        code=DOCUMENT_TYPE_CODE,
        table=_SUPPORTING_DOCUMENT,
        binary=f"{ATTACHMENT}/{BINARY}",
        others=others,
    )
    data.update(terms)
    data["supporting_documents"] = documents
    return data
