"""Render an EN 16931 invoice as OASIS UBL 2.1 Invoice or CreditNote (the CEN UBL syntax binding).

The element order follows the UBL 2.1 XSD sequences exactly. Rendering is
deterministic: the same model always gives the same bytes (no timestamps, fixed
namespace prefixes, UTF-8 with an XML declaration).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from lxml import etree

from schemas import profiles
from schemas.errors import Problem, RenderError
from schemas.model import (
    Address,
    AllowanceCharge,
    Contact,
    CreditTransfer,
    Identifier,
    Invoice,
    InvoiceLine,
    LineAllowanceCharge,
    Period,
)
from schemas.profiles import Profile
from schemas.ubl.names import (
    CAC,
    CBC,
    CREDIT_NOTE_NS,
    CREDITOR_ID_SCHEME,
    INVOICE_NS,
    INVOICED_OBJECT_CODE,
    NOT_APPLICABLE,
    PROJECT_REFERENCE_CODE,
)

_CAC = f"{{{CAC}}}"
_CBC = f"{{{CBC}}}"


def _number(value: Decimal) -> str:
    # Plain notation, keeping the scale the model holds (1E+1 would be legal
    # xsd:decimal in no case: it must never appear).
    text = format(value, "f")
    return "0" if text in ("-0", "-0.0") else text


def _date(value: date) -> str:
    return value.isoformat()


class _Writer:
    """Appends UBL elements; skips every optional value that is None or empty."""

    def __init__(self, currency: str) -> None:
        self.currency = currency

    def cbc(self, parent: etree._Element, tag: str, value: object, **attrs: str | None) -> None:
        if value is None or value == "":
            return
        if isinstance(value, Decimal):
            text = _number(value)
        elif isinstance(value, date):
            text = _date(value)
        else:
            text = str(value)
        element = etree.SubElement(parent, _CBC + tag)
        element.text = text
        for key, attr in attrs.items():
            if attr is not None:
                element.set(key, attr)

    def amount(
        self, parent: etree._Element, name: str, value: Decimal | None, currency: str | None = None
    ) -> None:
        if value is not None:
            self.cbc(parent, name, value, currencyID=currency or self.currency)

    def cac(self, parent: etree._Element, name: str) -> etree._Element:
        return etree.SubElement(parent, _CAC + name)

    def identifier(self, parent: etree._Element, name: str, identifier: Identifier | None) -> None:
        if identifier is not None:
            self.cbc(parent, name, identifier.value, schemeID=identifier.scheme)

    def address(self, parent: etree._Element, name: str, address: Address) -> None:
        element = self.cac(parent, name)
        lines = list(address.lines)
        self.cbc(element, "StreetName", lines[0] if lines else None)
        self.cbc(element, "AdditionalStreetName", lines[1] if len(lines) > 1 else None)
        self.cbc(element, "CityName", address.city)
        self.cbc(element, "PostalZone", address.postal_code)
        self.cbc(element, "CountrySubentity", address.subdivision)
        if len(lines) > 2:
            self.cbc(self.cac(element, "AddressLine"), "Line", lines[2])
        self.cbc(self.cac(element, "Country"), "IdentificationCode", address.country)

    def contact(self, parent: etree._Element, contact: Contact | None) -> None:
        if contact is None or not (contact.name or contact.phone or contact.email):
            return
        element = self.cac(parent, "Contact")
        self.cbc(element, "Name", contact.name)
        self.cbc(element, "Telephone", contact.phone)
        self.cbc(element, "ElectronicMail", contact.email)

    def tax_scheme(self, parent: etree._Element, scheme: str = "VAT") -> None:
        self.cbc(self.cac(parent, "TaxScheme"), "ID", scheme)

    def party_tax_scheme(
        self, parent: etree._Element, company_id: str | None, scheme: str = "VAT"
    ) -> None:
        if company_id:
            element = self.cac(parent, "PartyTaxScheme")
            self.cbc(element, "CompanyID", company_id)
            self.tax_scheme(element, scheme)

    def period(
        self, parent: etree._Element, period: Period | None, description_code: str | None = None
    ) -> None:
        if period is None and description_code is None:
            return
        element = self.cac(parent, "InvoicePeriod")
        if period is not None:
            self.cbc(element, "StartDate", period.start)
            self.cbc(element, "EndDate", period.end)
        self.cbc(element, "DescriptionCode", description_code)

    def tax_category(
        self,
        parent: etree._Element,
        name: str,
        category: str,
        rate: Decimal | None,
        *,
        exemption_code: str | None = None,
        exemption_reason: str | None = None,
    ) -> None:
        element = self.cac(parent, name)
        self.cbc(element, "ID", category)
        self.cbc(element, "Percent", rate)
        self.cbc(element, "TaxExemptionReasonCode", exemption_code)
        self.cbc(element, "TaxExemptionReason", exemption_reason)
        self.tax_scheme(element)

    def allowance_charge(
        self,
        parent: etree._Element,
        *,
        is_charge: bool,
        amount: Decimal,
        base_amount: Decimal | None,
        percentage: Decimal | None,
        reason: str | None,
        reason_code: str | None,
        vat: tuple[str, Decimal | None] | None = None,
    ) -> None:
        element = self.cac(parent, "AllowanceCharge")
        self.cbc(element, "ChargeIndicator", "true" if is_charge else "false")
        self.cbc(element, "AllowanceChargeReasonCode", reason_code)
        self.cbc(element, "AllowanceChargeReason", reason)
        self.cbc(element, "MultiplierFactorNumeric", percentage)
        self.amount(element, "Amount", amount)
        self.amount(element, "BaseAmount", base_amount)
        if vat is not None:
            self.tax_category(element, "TaxCategory", vat[0], vat[1])


def _document_allowances(
    w: _Writer, root: etree._Element, items: Iterable[AllowanceCharge], is_charge: bool
) -> None:
    for item in items:
        _allowance(w, root, item, is_charge=is_charge, vat=(item.vat_category, item.vat_rate))


def _allowance(
    w: _Writer,
    parent: etree._Element,
    item: AllowanceCharge | LineAllowanceCharge,
    *,
    is_charge: bool,
    vat: tuple[str, Decimal | None] | None = None,
) -> None:
    """One document or line allowance/charge (BG-20/21, BG-27/28)."""
    w.allowance_charge(
        parent,
        is_charge=is_charge,
        amount=item.amount,
        base_amount=item.base_amount,
        percentage=item.percentage,
        reason=item.reason,
        reason_code=item.reason_code,
        vat=vat,
    )


def _header(
    w: _Writer, root: etree._Element, invoice: Invoice, profile: Profile | None, credit_note: bool
) -> None:
    if profile is None:
        w.cbc(root, "CustomizationID", invoice.customization_id or profiles.EN16931_ID)
        w.cbc(root, "ProfileID", invoice.business_process)
    else:
        w.cbc(root, "CustomizationID", profile.customization_id)
        w.cbc(root, "ProfileID", profile.business_process or invoice.business_process)
    w.cbc(root, "ID", invoice.number)
    w.cbc(root, "IssueDate", invoice.issue_date)
    if credit_note:
        w.cbc(root, "TaxPointDate", invoice.tax_point_date)
        w.cbc(root, "CreditNoteTypeCode", invoice.type_code)
    else:
        w.cbc(root, "DueDate", invoice.due_date)
        w.cbc(root, "InvoiceTypeCode", invoice.type_code)
    for note in invoice.notes:
        w.cbc(root, "Note", f"#{note.subject_code}#{note.text}" if note.subject_code else note.text)
    if not credit_note:
        w.cbc(root, "TaxPointDate", invoice.tax_point_date)
    w.cbc(root, "DocumentCurrencyCode", invoice.currency)
    w.cbc(root, "TaxCurrencyCode", invoice.tax_currency)
    w.cbc(root, "AccountingCost", invoice.buyer_accounting_reference)
    w.cbc(root, "BuyerReference", invoice.buyer_reference)
    w.period(root, invoice.invoice_period, invoice.tax_point_date_code)


def _references(w: _Writer, root: etree._Element, invoice: Invoice, credit_note: bool) -> None:
    if invoice.purchase_order_reference or invoice.sales_order_reference:
        order = w.cac(root, "OrderReference")
        w.cbc(order, "ID", invoice.purchase_order_reference or NOT_APPLICABLE)
        w.cbc(order, "SalesOrderID", invoice.sales_order_reference)
    for preceding in invoice.preceding_invoices:
        reference = w.cac(w.cac(root, "BillingReference"), "InvoiceDocumentReference")
        w.cbc(reference, "ID", preceding.number)
        w.cbc(reference, "IssueDate", preceding.issue_date)
    if invoice.despatch_advice_reference:
        w.cbc(w.cac(root, "DespatchDocumentReference"), "ID", invoice.despatch_advice_reference)
    if invoice.receiving_advice_reference:
        w.cbc(w.cac(root, "ReceiptDocumentReference"), "ID", invoice.receiving_advice_reference)

    def originator() -> None:
        if invoice.tender_reference:
            w.cbc(w.cac(root, "OriginatorDocumentReference"), "ID", invoice.tender_reference)

    if not credit_note:
        originator()
    if invoice.contract_reference:
        w.cbc(w.cac(root, "ContractDocumentReference"), "ID", invoice.contract_reference)
    if invoice.invoiced_object_id:
        reference = w.cac(root, "AdditionalDocumentReference")
        w.identifier(reference, "ID", invoice.invoiced_object_id)
        w.cbc(reference, "DocumentTypeCode", INVOICED_OBJECT_CODE)
    if credit_note and invoice.project_reference:
        reference = w.cac(root, "AdditionalDocumentReference")
        w.cbc(reference, "ID", invoice.project_reference)
        w.cbc(reference, "DocumentTypeCode", PROJECT_REFERENCE_CODE)
    for document in invoice.supporting_documents:
        reference = w.cac(root, "AdditionalDocumentReference")
        w.cbc(reference, "ID", document.id)
        w.cbc(reference, "DocumentDescription", document.description)
        if document.attachment or document.external_uri:
            attachment = w.cac(reference, "Attachment")
            if document.attachment:
                w.cbc(
                    attachment,
                    "EmbeddedDocumentBinaryObject",
                    base64.b64encode(document.attachment.content).decode("ascii"),
                    mimeCode=document.attachment.mime_code,
                    filename=document.attachment.filename,
                )
            if document.external_uri:
                w.cbc(w.cac(attachment, "ExternalReference"), "URI", document.external_uri)
    if credit_note:
        originator()
    elif invoice.project_reference:
        w.cbc(w.cac(root, "ProjectReference"), "ID", invoice.project_reference)


def _parties(w: _Writer, root: etree._Element, invoice: Invoice) -> None:
    seller, buyer = invoice.seller, invoice.buyer
    creditor_id = (
        invoice.payment.direct_debit.creditor_id
        if invoice.payment and invoice.payment.direct_debit
        else None
    )

    party = w.cac(w.cac(root, "AccountingSupplierParty"), "Party")
    w.identifier(party, "EndpointID", seller.electronic_address)
    for identifier in seller.identifiers:
        w.identifier(w.cac(party, "PartyIdentification"), "ID", identifier)
    if creditor_id and invoice.payee is None:
        w.cbc(w.cac(party, "PartyIdentification"), "ID", creditor_id, schemeID=CREDITOR_ID_SCHEME)
    if seller.trading_name:
        w.cbc(w.cac(party, "PartyName"), "Name", seller.trading_name)
    w.address(party, "PostalAddress", seller.address)
    w.party_tax_scheme(party, seller.vat_id)
    w.party_tax_scheme(party, seller.tax_registration_id, "TAX")
    legal = w.cac(party, "PartyLegalEntity")
    w.cbc(legal, "RegistrationName", seller.name)
    w.identifier(legal, "CompanyID", seller.legal_id)
    w.cbc(legal, "CompanyLegalForm", seller.additional_legal_info)
    w.contact(party, seller.contact)

    party = w.cac(w.cac(root, "AccountingCustomerParty"), "Party")
    w.identifier(party, "EndpointID", buyer.electronic_address)
    for identifier in buyer.identifiers:
        w.identifier(w.cac(party, "PartyIdentification"), "ID", identifier)
    if buyer.trading_name:
        w.cbc(w.cac(party, "PartyName"), "Name", buyer.trading_name)
    w.address(party, "PostalAddress", buyer.address)
    w.party_tax_scheme(party, buyer.vat_id)
    legal = w.cac(party, "PartyLegalEntity")
    w.cbc(legal, "RegistrationName", buyer.name)
    w.identifier(legal, "CompanyID", buyer.legal_id)
    w.contact(party, buyer.contact)

    if invoice.payee is not None:
        payee = invoice.payee
        party = w.cac(root, "PayeeParty")
        if payee.identifier:
            w.identifier(w.cac(party, "PartyIdentification"), "ID", payee.identifier)
        if creditor_id:
            w.cbc(
                w.cac(party, "PartyIdentification"), "ID", creditor_id, schemeID=CREDITOR_ID_SCHEME
            )
        w.cbc(w.cac(party, "PartyName"), "Name", payee.name)
        if payee.legal_id:
            w.identifier(w.cac(party, "PartyLegalEntity"), "CompanyID", payee.legal_id)

    if invoice.tax_representative is not None:
        representative = invoice.tax_representative
        party = w.cac(root, "TaxRepresentativeParty")
        w.cbc(w.cac(party, "PartyName"), "Name", representative.name)
        w.address(party, "PostalAddress", representative.address)
        w.party_tax_scheme(party, representative.vat_id)


def _delivery(w: _Writer, root: etree._Element, invoice: Invoice) -> None:
    delivery = invoice.delivery
    if delivery is None and invoice.delivery_date is None:
        return
    element = w.cac(root, "Delivery")
    w.cbc(element, "ActualDeliveryDate", invoice.delivery_date)
    if delivery is not None:
        if delivery.location_id or delivery.address:
            location = w.cac(element, "DeliveryLocation")
            w.identifier(location, "ID", delivery.location_id)
            if delivery.address:
                w.address(location, "Address", delivery.address)
        if delivery.party_name:
            w.cbc(w.cac(w.cac(element, "DeliveryParty"), "PartyName"), "Name", delivery.party_name)


def _payment(w: _Writer, root: etree._Element, invoice: Invoice, credit_note: bool) -> None:
    payment = invoice.payment
    due_date = invoice.due_date if credit_note else None
    if payment is not None and payment.means_code:
        # One PaymentMeans per account (BG-17 repeats, BG-16 does not); card and
        # mandate ride on the first.
        accounts: list[CreditTransfer | None] = list(payment.accounts) or [None]
        for index, account in enumerate(accounts):
            means = w.cac(root, "PaymentMeans")
            # UBL-SR-46: the payment means text (BT-82) occurs once.
            w.cbc(
                means,
                "PaymentMeansCode",
                payment.means_code,
                name=payment.means_text if index == 0 else None,
            )
            w.cbc(means, "PaymentDueDate", due_date if index == 0 else None)  # UBL-SR-45
            w.cbc(means, "PaymentID", payment.remittance_information)
            if index == 0 and payment.card is not None:
                card = w.cac(means, "CardAccount")
                w.cbc(card, "PrimaryAccountNumberID", payment.card.account_number)
                w.cbc(card, "NetworkID", NOT_APPLICABLE)
                w.cbc(card, "HolderName", payment.card.holder_name)
            if account is not None:
                financial = w.cac(means, "PayeeFinancialAccount")
                w.cbc(financial, "ID", account.account_id)
                w.cbc(financial, "Name", account.account_name)
                if account.service_provider_id:
                    w.cbc(
                        w.cac(financial, "FinancialInstitutionBranch"),
                        "ID",
                        account.service_provider_id,
                    )
            debit = payment.direct_debit
            if (
                index == 0
                and debit is not None
                and (debit.mandate_reference or debit.debited_account_id)
            ):
                mandate = w.cac(means, "PaymentMandate")
                w.cbc(mandate, "ID", debit.mandate_reference)
                if debit.debited_account_id:
                    w.cbc(w.cac(mandate, "PayerFinancialAccount"), "ID", debit.debited_account_id)
    elif due_date is not None:
        raise RenderError(
            "a UBL CreditNote carries the payment due date (BT-9) in PaymentMeans",
            problems=[
                Problem(
                    field="payment.means_code",
                    message="give a payment means code (BT-81) with BT-9",
                    rule="UBL-CreditNote",
                )
            ],
        )
    if payment is not None and payment.terms:
        w.cbc(w.cac(root, "PaymentTerms"), "Note", payment.terms)


def _totals(w: _Writer, root: etree._Element, invoice: Invoice) -> None:
    totals = invoice.totals
    tax_total = w.cac(root, "TaxTotal")
    vat_total = totals.vat_total
    if vat_total is None:
        vat_total = sum((b.vat_amount for b in invoice.vat_breakdown), Decimal("0.00"))
    w.amount(tax_total, "TaxAmount", vat_total)
    for breakdown in invoice.vat_breakdown:
        subtotal = w.cac(tax_total, "TaxSubtotal")
        w.amount(subtotal, "TaxableAmount", breakdown.taxable_amount)
        w.amount(subtotal, "TaxAmount", breakdown.vat_amount)
        w.tax_category(
            subtotal,
            "TaxCategory",
            breakdown.category,
            breakdown.rate,
            exemption_code=breakdown.exemption_reason_code,
            exemption_reason=breakdown.exemption_reason,
        )
    if totals.vat_total_accounting_currency is not None:
        if invoice.tax_currency is None:
            raise RenderError(
                "BT-111 needs the VAT accounting currency",
                problems=[
                    Problem(
                        field="tax_currency", message="BT-6 is required with BT-111", rule="BR-53"
                    )
                ],
            )
        w.amount(
            w.cac(root, "TaxTotal"),
            "TaxAmount",
            totals.vat_total_accounting_currency,
            invoice.tax_currency,
        )
    monetary = w.cac(root, "LegalMonetaryTotal")
    w.amount(monetary, "LineExtensionAmount", totals.line_net_total)
    w.amount(monetary, "TaxExclusiveAmount", totals.total_without_vat)
    w.amount(monetary, "TaxInclusiveAmount", totals.total_with_vat)
    w.amount(monetary, "AllowanceTotalAmount", totals.allowance_total)
    w.amount(monetary, "ChargeTotalAmount", totals.charge_total)
    w.amount(monetary, "PrepaidAmount", totals.paid_amount)
    w.amount(monetary, "PayableRoundingAmount", totals.rounding_amount)
    w.amount(monetary, "PayableAmount", totals.amount_due)


def _line(w: _Writer, root: etree._Element, line: InvoiceLine, credit_note: bool) -> None:
    element = w.cac(root, "CreditNoteLine" if credit_note else "InvoiceLine")
    w.cbc(element, "ID", line.id)
    w.cbc(element, "Note", line.note)
    w.cbc(
        element,
        "CreditedQuantity" if credit_note else "InvoicedQuantity",
        line.quantity,
        unitCode=line.unit,
    )
    w.amount(element, "LineExtensionAmount", line.net_amount)
    w.cbc(element, "AccountingCost", line.accounting_reference)
    if line.period is not None:
        w.period(element, line.period)
    if line.order_line_reference:
        w.cbc(w.cac(element, "OrderLineReference"), "LineID", line.order_line_reference)
    if line.object_id:
        reference = w.cac(element, "DocumentReference")
        w.identifier(reference, "ID", line.object_id)
        w.cbc(reference, "DocumentTypeCode", INVOICED_OBJECT_CODE)
    for is_charge, items in ((False, line.allowances), (True, line.charges)):
        for item in items:
            _allowance(w, element, item, is_charge=is_charge)
    item_element = w.cac(element, "Item")
    w.cbc(item_element, "Description", line.description)
    w.cbc(item_element, "Name", line.name)
    if line.buyer_item_id:
        w.cbc(w.cac(item_element, "BuyersItemIdentification"), "ID", line.buyer_item_id)
    if line.seller_item_id:
        w.cbc(w.cac(item_element, "SellersItemIdentification"), "ID", line.seller_item_id)
    if line.standard_item_id:
        w.identifier(w.cac(item_element, "StandardItemIdentification"), "ID", line.standard_item_id)
    if line.origin_country:
        w.cbc(w.cac(item_element, "OriginCountry"), "IdentificationCode", line.origin_country)
    for classification in line.classifications:
        w.cbc(
            w.cac(item_element, "CommodityClassification"),
            "ItemClassificationCode",
            classification.value,
            listID=classification.scheme,
            listVersionID=classification.version,
        )
    w.tax_category(item_element, "ClassifiedTaxCategory", line.vat_category, line.vat_rate)
    for attribute in line.attributes:
        prop = w.cac(item_element, "AdditionalItemProperty")
        w.cbc(prop, "Name", attribute.name)
        w.cbc(prop, "Value", attribute.value)
    price = w.cac(element, "Price")
    w.amount(price, "PriceAmount", line.unit_price)
    w.cbc(price, "BaseQuantity", line.base_quantity, unitCode=line.base_quantity_unit)
    if line.price_discount is not None or line.gross_price is not None:
        w.allowance_charge(
            price,
            is_charge=False,
            amount=line.price_discount if line.price_discount is not None else Decimal("0"),
            base_amount=line.gross_price,
            percentage=None,
            reason=None,
            reason_code=None,
        )


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
        f"{{{namespace}}}{'CreditNote' if credit_note else 'Invoice'}",
        nsmap={None: namespace, "cac": CAC, "cbc": CBC},  # type: ignore[dict-item]
    )
    w = _Writer(invoice.currency)
    _header(w, root, invoice, chosen, credit_note)
    _references(w, root, invoice, credit_note)
    _parties(w, root, invoice)
    _delivery(w, root, invoice)
    _payment(w, root, invoice, credit_note)
    # (A CreditNote puts document allowances after the exchange rates, which the
    # EN 16931 binding does not use, so the position is the same for both roots.)
    _document_allowances(w, root, invoice.allowances, False)
    _document_allowances(w, root, invoice.charges, True)
    _totals(w, root, invoice)
    for line in invoice.lines:
        _line(w, root, line, credit_note)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
