"""Render an EN 16931 invoice as UN/CEFACT Cross Industry Invoice D16B (the CEN CII syntax binding).

The element order follows the CII D16B XSD sequences. Dates are written as
``udt:DateTimeString format="102"``. A credit note is a CII document with a credit
note type code; CII has no separate root for it. Rendering is deterministic.
"""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

from lxml import etree

from schemas import profiles
from schemas.cii.names import (
    DATE_FORMAT,
    INVOICED_OBJECT_CODE,
    NSMAP,
    PROJECT_NAME,
    QDT,
    RAM,
    RSM,
    SUPPORTING_DOCUMENT_CODE,
    TAX_NUMBER_SCHEME,
    TAX_POINT_CODES_TO_CII,
    TENDER_CODE,
    UDT,
    VAT_SCHEME,
)
from schemas.errors import Problem, RenderError
from schemas.model import (
    Address,
    AllowanceCharge,
    Buyer,
    Contact,
    CreditTransfer,
    Identifier,
    Invoice,
    InvoiceLine,
    LineAllowanceCharge,
    Period,
    Seller,
)
from schemas.profiles import Profile

_RAM = f"{{{RAM}}}"


def _number(value: Decimal) -> str:
    text = format(value, "f")
    return "0" if text in ("-0", "-0.0") else text


class _Writer:
    """Appends CII elements; optional values that are None or empty are skipped."""

    def ram(
        self, parent: etree._Element, name: str, value: object = None, **attrs: str | None
    ) -> etree._Element:
        element = etree.SubElement(parent, _RAM + name)
        if value is not None:
            element.text = _number(value) if isinstance(value, Decimal) else str(value)
        for key, attr in attrs.items():
            if attr is not None:
                element.set(key, attr)
        return element

    def opt(self, parent: etree._Element, name: str, value: object, **attrs: str | None) -> None:
        if value is not None and value != "":
            self.ram(parent, name, value, **attrs)

    def date(
        self, parent: etree._Element, name: str, value: date | None, *, qualified: bool = False
    ) -> None:
        if value is None:
            return
        holder = self.ram(parent, name)
        namespace = QDT if qualified else UDT
        element = etree.SubElement(holder, f"{{{namespace}}}DateTimeString", format=DATE_FORMAT)
        element.text = value.strftime("%Y%m%d")

    def identifier(self, parent: etree._Element, name: str, identifier: Identifier | None) -> None:
        if identifier is not None:
            self.ram(parent, name, identifier.value, schemeID=identifier.scheme)

    def address(self, parent: etree._Element, address: Address | None) -> None:
        if address is None:
            return
        element = self.ram(parent, "PostalTradeAddress")
        lines = list(address.lines)
        self.opt(element, "PostcodeCode", address.postal_code)
        for name, index in (("LineOne", 0), ("LineTwo", 1), ("LineThree", 2)):
            self.opt(element, name, lines[index] if len(lines) > index else None)
        self.opt(element, "CityName", address.city)
        self.ram(element, "CountryID", address.country)
        self.opt(element, "CountrySubDivisionName", address.subdivision)

    def contact(self, parent: etree._Element, contact: Contact | None) -> None:
        if contact is None or not (contact.name or contact.phone or contact.email):
            return
        element = self.ram(parent, "DefinedTradeContact")
        self.opt(element, "PersonName", contact.name)
        if contact.phone:
            self.ram(
                self.ram(element, "TelephoneUniversalCommunication"),
                "CompleteNumber",
                contact.phone,
            )
        if contact.email:
            self.ram(self.ram(element, "EmailURIUniversalCommunication"), "URIID", contact.email)

    def period(self, parent: etree._Element, name: str, period: Period | None) -> None:
        if period is None or not (period.start or period.end):
            return
        element = self.ram(parent, name)
        self.date(element, "StartDateTime", period.start)
        self.date(element, "EndDateTime", period.end)

    def reference(self, parent: etree._Element, name: str, value: str | None) -> None:
        """A referenced document given by its identifier only (``name/ram:IssuerAssignedID``)."""
        if value:
            self.ram(self.ram(parent, name), "IssuerAssignedID", value)

    def party_id(self, party: etree._Element, identifier: Identifier | None) -> None:
        """A party identifier: ``ram:ID`` without a scheme, ``ram:GlobalID`` with one."""
        if identifier is None:
            return
        if identifier.scheme:
            self.ram(party, "GlobalID", identifier.value, schemeID=identifier.scheme)
        else:
            self.ram(party, "ID", identifier.value)

    def indicator(self, parent: etree._Element, value: bool) -> None:
        holder = self.ram(parent, "ChargeIndicator")
        etree.SubElement(holder, f"{{{UDT}}}Indicator").text = "true" if value else "false"


def _party(
    w: _Writer,
    parent: etree._Element,
    name: str,
    party: Seller | Buyer,
    *,
    seller: bool,
) -> None:
    """BG-4 seller or BG-7 buyer as a ram:TradeParty."""
    element = w.ram(parent, name)
    # Identifiers without a scheme are ram:ID, with a scheme ram:GlobalID (BT-29/BT-46).
    for identifier in party.identifiers:
        if not identifier.scheme:
            w.ram(element, "ID", identifier.value)
    for identifier in party.identifiers:
        if identifier.scheme:
            w.ram(element, "GlobalID", identifier.value, schemeID=identifier.scheme)
    w.ram(element, "Name", party.name)
    if seller and isinstance(party, Seller):
        w.opt(element, "Description", party.additional_legal_info)
    if party.legal_id or party.trading_name:
        legal = w.ram(element, "SpecifiedLegalOrganization")
        w.identifier(legal, "ID", party.legal_id)
        w.opt(legal, "TradingBusinessName", party.trading_name)
    w.contact(element, party.contact)
    w.address(element, party.address)
    if party.electronic_address:
        w.identifier(w.ram(element, "URIUniversalCommunication"), "URIID", party.electronic_address)
    if party.vat_id:
        w.ram(w.ram(element, "SpecifiedTaxRegistration"), "ID", party.vat_id, schemeID=VAT_SCHEME)
    if seller and isinstance(party, Seller) and party.tax_registration_id:
        w.ram(
            w.ram(element, "SpecifiedTaxRegistration"),
            "ID",
            party.tax_registration_id,
            schemeID=TAX_NUMBER_SCHEME,
        )


def _allowance_charge(
    w: _Writer,
    parent: etree._Element,
    *,
    is_charge: bool,
    item: LineAllowanceCharge | AllowanceCharge,
    vat: tuple[str, Decimal | None] | None,
) -> None:
    element = w.ram(parent, "SpecifiedTradeAllowanceCharge")
    w.indicator(element, is_charge)
    w.opt(element, "CalculationPercent", getattr(item, "percentage", None))
    w.opt(element, "BasisAmount", getattr(item, "base_amount", None))
    w.ram(element, "ActualAmount", item.amount)
    w.opt(element, "ReasonCode", getattr(item, "reason_code", None))
    w.opt(element, "Reason", getattr(item, "reason", None))
    if vat is not None:
        tax = w.ram(element, "CategoryTradeTax")
        w.ram(tax, "TypeCode", "VAT")
        w.ram(tax, "CategoryCode", vat[0])
        w.opt(tax, "RateApplicablePercent", vat[1])


def _line(w: _Writer, parent: etree._Element, line: InvoiceLine) -> None:
    item = w.ram(parent, "IncludedSupplyChainTradeLineItem")
    document = w.ram(item, "AssociatedDocumentLineDocument")
    w.ram(document, "LineID", line.id)
    if line.note:
        w.ram(w.ram(document, "IncludedNote"), "Content", line.note)
    product = w.ram(item, "SpecifiedTradeProduct")
    w.identifier(product, "GlobalID", line.standard_item_id)
    w.opt(product, "SellerAssignedID", line.seller_item_id)
    w.opt(product, "BuyerAssignedID", line.buyer_item_id)
    w.ram(product, "Name", line.name)
    w.opt(product, "Description", line.description)
    for attribute in line.attributes:
        characteristic = w.ram(product, "ApplicableProductCharacteristic")
        w.ram(characteristic, "Description", attribute.name)
        w.ram(characteristic, "Value", attribute.value)
    for classification in line.classifications:
        w.ram(
            w.ram(product, "DesignatedProductClassification"),
            "ClassCode",
            classification.value,
            listID=classification.scheme,
            listVersionID=classification.version,
        )
    if line.origin_country:
        w.ram(w.ram(product, "OriginTradeCountry"), "ID", line.origin_country)
    agreement = w.ram(item, "SpecifiedLineTradeAgreement")
    if line.order_line_reference:
        w.ram(w.ram(agreement, "BuyerOrderReferencedDocument"), "LineID", line.order_line_reference)
    if line.gross_price is not None or line.price_discount is not None:
        gross = w.ram(agreement, "GrossPriceProductTradePrice")
        w.ram(
            gross,
            "ChargeAmount",
            line.gross_price
            if line.gross_price is not None
            else line.unit_price + (line.price_discount or 0),
        )
        if line.base_quantity is not None:
            w.ram(gross, "BasisQuantity", line.base_quantity, unitCode=line.base_quantity_unit)
        if line.price_discount is not None:
            discount = w.ram(gross, "AppliedTradeAllowanceCharge")
            w.indicator(discount, False)
            w.ram(discount, "ActualAmount", line.price_discount)
    net = w.ram(agreement, "NetPriceProductTradePrice")
    w.ram(net, "ChargeAmount", line.unit_price)
    if line.base_quantity is not None:
        w.ram(net, "BasisQuantity", line.base_quantity, unitCode=line.base_quantity_unit)
    delivery = w.ram(item, "SpecifiedLineTradeDelivery")
    w.ram(delivery, "BilledQuantity", line.quantity, unitCode=line.unit)
    settlement = w.ram(item, "SpecifiedLineTradeSettlement")
    tax = w.ram(settlement, "ApplicableTradeTax")
    w.ram(tax, "TypeCode", "VAT")
    w.ram(tax, "CategoryCode", line.vat_category)
    w.opt(tax, "RateApplicablePercent", line.vat_rate)
    w.period(settlement, "BillingSpecifiedPeriod", line.period)
    for is_charge, items in ((False, line.allowances), (True, line.charges)):
        for entry in items:
            _allowance_charge(w, settlement, is_charge=is_charge, item=entry, vat=None)
    w.ram(
        w.ram(settlement, "SpecifiedTradeSettlementLineMonetarySummation"),
        "LineTotalAmount",
        line.net_amount,
    )
    if line.object_id:
        reference = w.ram(settlement, "AdditionalReferencedDocument")
        w.ram(reference, "IssuerAssignedID", line.object_id.value)
        w.ram(reference, "TypeCode", INVOICED_OBJECT_CODE)
        w.opt(reference, "ReferenceTypeCode", line.object_id.scheme)
    if line.accounting_reference:
        w.ram(
            w.ram(settlement, "ReceivableSpecifiedTradeAccountingAccount"),
            "ID",
            line.accounting_reference,
        )


def _agreement(w: _Writer, transaction: etree._Element, invoice: Invoice) -> None:
    agreement = w.ram(transaction, "ApplicableHeaderTradeAgreement")
    w.opt(agreement, "BuyerReference", invoice.buyer_reference)
    _party(w, agreement, "SellerTradeParty", invoice.seller, seller=True)
    _party(w, agreement, "BuyerTradeParty", invoice.buyer, seller=False)
    if invoice.tax_representative:
        representative = w.ram(agreement, "SellerTaxRepresentativeTradeParty")
        w.ram(representative, "Name", invoice.tax_representative.name)
        w.address(representative, invoice.tax_representative.address)
        w.ram(
            w.ram(representative, "SpecifiedTaxRegistration"),
            "ID",
            invoice.tax_representative.vat_id,
            schemeID=VAT_SCHEME,
        )
    w.reference(agreement, "SellerOrderReferencedDocument", invoice.sales_order_reference)
    w.reference(agreement, "BuyerOrderReferencedDocument", invoice.purchase_order_reference)
    w.reference(agreement, "ContractReferencedDocument", invoice.contract_reference)
    for document in invoice.supporting_documents:
        reference = w.ram(agreement, "AdditionalReferencedDocument")
        w.ram(reference, "IssuerAssignedID", document.id)
        w.opt(reference, "URIID", document.external_uri)
        w.ram(reference, "TypeCode", SUPPORTING_DOCUMENT_CODE)
        w.opt(reference, "Name", document.description)
        if document.attachment:
            w.ram(
                reference,
                "AttachmentBinaryObject",
                base64.b64encode(document.attachment.content).decode("ascii"),
                mimeCode=document.attachment.mime_code,
                filename=document.attachment.filename,
            )
    if invoice.tender_reference:
        reference = w.ram(agreement, "AdditionalReferencedDocument")
        w.ram(reference, "IssuerAssignedID", invoice.tender_reference)
        w.ram(reference, "TypeCode", TENDER_CODE)
    if invoice.invoiced_object_id:
        reference = w.ram(agreement, "AdditionalReferencedDocument")
        w.ram(reference, "IssuerAssignedID", invoice.invoiced_object_id.value)
        w.ram(reference, "TypeCode", INVOICED_OBJECT_CODE)
        w.opt(reference, "ReferenceTypeCode", invoice.invoiced_object_id.scheme)
    if invoice.project_reference:
        project = w.ram(agreement, "SpecifiedProcuringProject")
        w.ram(project, "ID", invoice.project_reference)
        w.ram(project, "Name", PROJECT_NAME)


def _delivery(w: _Writer, transaction: etree._Element, invoice: Invoice) -> None:
    delivery = w.ram(transaction, "ApplicableHeaderTradeDelivery")
    target = invoice.delivery
    if target and (target.party_name or target.location_id or target.address):
        party = w.ram(delivery, "ShipToTradeParty")
        w.party_id(party, target.location_id)
        w.opt(party, "Name", target.party_name)
        w.address(party, target.address)
    if invoice.delivery_date:
        w.date(
            w.ram(delivery, "ActualDeliverySupplyChainEvent"),
            "OccurrenceDateTime",
            invoice.delivery_date,
        )
    w.reference(delivery, "DespatchAdviceReferencedDocument", invoice.despatch_advice_reference)
    w.reference(delivery, "ReceivingAdviceReferencedDocument", invoice.receiving_advice_reference)


def _tax_currency(invoice: Invoice) -> str | None:
    # UBL lets one TaxTotal serve as BT-110 and BT-111 when BT-6 equals BT-5; in CII
    # that case breaks BR-53 or BR-CO-15, and a BT-6 equal to BT-5 says nothing: omit it.
    if (
        invoice.tax_currency == invoice.currency
        and invoice.totals.vat_total_accounting_currency is None
    ):
        return None
    return invoice.tax_currency


def _settlement(w: _Writer, transaction: etree._Element, invoice: Invoice) -> None:
    settlement = w.ram(transaction, "ApplicableHeaderTradeSettlement")
    payment = invoice.payment
    debit = payment.direct_debit if payment else None
    w.opt(settlement, "CreditorReferenceID", debit.creditor_id if debit else None)
    w.opt(settlement, "PaymentReference", payment.remittance_information if payment else None)
    w.opt(settlement, "TaxCurrencyCode", _tax_currency(invoice))
    w.ram(settlement, "InvoiceCurrencyCode", invoice.currency)
    if invoice.payee:
        payee = w.ram(settlement, "PayeeTradeParty")
        w.party_id(payee, invoice.payee.identifier)
        w.ram(payee, "Name", invoice.payee.name)
        if invoice.payee.legal_id:
            w.identifier(w.ram(payee, "SpecifiedLegalOrganization"), "ID", invoice.payee.legal_id)
    if payment and payment.means_code:
        accounts: list[CreditTransfer | None] = list(payment.accounts) or [None]
        for index, account in enumerate(accounts):
            means = w.ram(settlement, "SpecifiedTradeSettlementPaymentMeans")
            w.ram(means, "TypeCode", payment.means_code)
            w.opt(means, "Information", payment.means_text if index == 0 else None)
            if index == 0 and payment.card:
                card = w.ram(means, "ApplicableTradeSettlementFinancialCard")
                w.ram(card, "ID", payment.card.account_number)
                w.opt(card, "CardholderName", payment.card.holder_name)
            if index == 0 and debit and debit.debited_account_id:
                w.ram(
                    w.ram(means, "PayerPartyDebtorFinancialAccount"),
                    "IBANID",
                    debit.debited_account_id,
                )
            if account is not None:
                creditor = w.ram(means, "PayeePartyCreditorFinancialAccount")
                w.ram(creditor, "IBANID", account.account_id)
                w.opt(creditor, "AccountName", account.account_name)
                if account.service_provider_id:
                    w.ram(
                        w.ram(means, "PayeeSpecifiedCreditorFinancialInstitution"),
                        "BICID",
                        account.service_provider_id,
                    )
    for position, breakdown in enumerate(invoice.vat_breakdown):
        tax = w.ram(settlement, "ApplicableTradeTax")
        w.ram(tax, "CalculatedAmount", breakdown.vat_amount)
        w.ram(tax, "TypeCode", "VAT")
        w.opt(tax, "ExemptionReason", breakdown.exemption_reason)
        w.ram(tax, "BasisAmount", breakdown.taxable_amount)
        w.ram(tax, "CategoryCode", breakdown.category)
        w.opt(tax, "ExemptionReasonCode", breakdown.exemption_reason_code)
        # BT-7 and BT-8 are document-level terms: CII carries them once (CII-SR-461).
        if invoice.tax_point_date and position == 0:
            holder = w.ram(tax, "TaxPointDate")
            etree.SubElement(
                holder, f"{{{UDT}}}DateString", format=DATE_FORMAT
            ).text = invoice.tax_point_date.strftime("%Y%m%d")
        if position == 0:
            w.opt(
                tax,
                "DueDateTypeCode",
                TAX_POINT_CODES_TO_CII.get(
                    invoice.tax_point_date_code or "", invoice.tax_point_date_code
                ),
            )
        w.opt(tax, "RateApplicablePercent", breakdown.rate)
    w.period(settlement, "BillingSpecifiedPeriod", invoice.invoice_period)
    for is_charge, items in ((False, invoice.allowances), (True, invoice.charges)):
        for entry in items:
            _allowance_charge(
                w,
                settlement,
                is_charge=is_charge,
                item=entry,
                vat=(entry.vat_category, entry.vat_rate),
            )
    terms = payment.terms if payment else None
    mandate = debit.mandate_reference if debit else None
    if terms or invoice.due_date or mandate:
        element = w.ram(settlement, "SpecifiedTradePaymentTerms")
        w.opt(element, "Description", terms)
        w.date(element, "DueDateDateTime", invoice.due_date)
        w.opt(element, "DirectDebitMandateID", mandate)
    totals = invoice.totals
    summation = w.ram(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation")
    w.ram(summation, "LineTotalAmount", totals.line_net_total)
    w.opt(summation, "ChargeTotalAmount", totals.charge_total)
    w.opt(summation, "AllowanceTotalAmount", totals.allowance_total)
    w.ram(summation, "TaxBasisTotalAmount", totals.total_without_vat)
    if totals.vat_total is not None:
        w.ram(summation, "TaxTotalAmount", totals.vat_total, currencyID=invoice.currency)
    if totals.vat_total_accounting_currency is not None and invoice.tax_currency:
        w.ram(
            summation,
            "TaxTotalAmount",
            totals.vat_total_accounting_currency,
            currencyID=invoice.tax_currency,
        )
    w.opt(summation, "RoundingAmount", totals.rounding_amount)
    w.ram(summation, "GrandTotalAmount", totals.total_with_vat)
    w.opt(summation, "TotalPrepaidAmount", totals.paid_amount)
    w.ram(summation, "DuePayableAmount", totals.amount_due)
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
        reference = w.ram(settlement, "InvoiceReferencedDocument")
        w.ram(reference, "IssuerAssignedID", preceding.number)
        w.date(reference, "FormattedIssueDateTime", preceding.issue_date, qualified=True)
    if invoice.buyer_accounting_reference:
        w.ram(
            w.ram(settlement, "ReceivableSpecifiedTradeAccountingAccount"),
            "ID",
            invoice.buyer_accounting_reference,
        )


def render(invoice: Invoice, *, profile: str | Profile | None = None) -> bytes:
    """Renders a complete invoice as a CII D16B ``rsm:CrossIndustryInvoice``.

    Args:
        invoice: The complete invoice.
        profile: The profile whose BT-24 and BT-23 the document declares; None
            keeps the invoice's own (as parsed), or plain EN 16931.
    """
    chosen = profiles.get(profile) if isinstance(profile, str) else profile
    w = _Writer()
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = etree.SubElement(root, f"{{{RSM}}}ExchangedDocumentContext")
    business_process = (chosen.business_process if chosen else None) or invoice.business_process
    if business_process:
        w.ram(
            w.ram(context, "BusinessProcessSpecifiedDocumentContextParameter"),
            "ID",
            business_process,
        )
    customization = (
        chosen.customization_id if chosen else (invoice.customization_id or profiles.EN16931_ID)
    )
    w.ram(w.ram(context, "GuidelineSpecifiedDocumentContextParameter"), "ID", customization)
    document = etree.SubElement(root, f"{{{RSM}}}ExchangedDocument")
    w.ram(document, "ID", invoice.number)
    w.ram(document, "TypeCode", invoice.type_code)
    w.date(document, "IssueDateTime", invoice.issue_date)
    for note in invoice.notes:
        element = w.ram(document, "IncludedNote")
        w.ram(element, "Content", note.text)
        w.opt(element, "SubjectCode", note.subject_code)
    transaction = etree.SubElement(root, f"{{{RSM}}}SupplyChainTradeTransaction")
    for line in invoice.lines:
        _line(w, transaction, line)
    _agreement(w, transaction, invoice)
    _delivery(w, transaction, invoice)
    _settlement(w, transaction, invoice)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
