"""BG-16 PAYMENT INSTRUCTIONS (BG-17..BG-19), BT-9 and BT-20 in CII D16B, both ways.

CII spreads them over the header settlement: the creditor identifier (BT-90)
and the remittance information (BT-83) come first, the payment means (one per
account) after the payee, and the terms with the due date (BT-9) and the mandate
(BT-89) after the allowances.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from schemas.cii.names import DESCRIPTION, ID, TYPE_CODE
from schemas.cii.value import CiiWriter, parse_date
from schemas.model import CreditTransfer, Invoice
from schemas.parsed import Reader, drop_empty

CREDITOR_ID = "ram:CreditorReferenceID"
REMITTANCE = "ram:PaymentReference"
MEANS = "ram:SpecifiedTradeSettlementPaymentMeans"
MEANS_TEXT = "ram:Information"
CARD = "ram:ApplicableTradeSettlementFinancialCard"
CARD_HOLDER = "ram:CardholderName"
DEBITED_ACCOUNT = "ram:PayerPartyDebtorFinancialAccount/ram:IBANID"
ACCOUNT = "ram:PayeePartyCreditorFinancialAccount"
IBAN = "ram:IBANID"
PROPRIETARY_ID = "ram:ProprietaryID"
ACCOUNT_NAME = "ram:AccountName"
SERVICE_PROVIDER = "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"
TERMS = "ram:SpecifiedTradePaymentTerms"
TERMS_TEXT = DESCRIPTION
DUE_DATE = "ram:DueDateDateTime"
MANDATE = "ram:DirectDebitMandateID"


def render_remittance(w: CiiWriter, settlement: etree._Element, invoice: Invoice) -> None:
    """BT-90 and BT-83, the first elements of the settlement."""
    payment = invoice.payment
    debit = payment.direct_debit if payment else None
    w.value(settlement, CREDITOR_ID, debit.creditor_id if debit else None)
    w.value(settlement, REMITTANCE, payment.remittance_information if payment else None)


def render_means(w: CiiWriter, settlement: etree._Element, invoice: Invoice) -> None:
    """BT-81/82 with BG-17 (one means per account), BG-18 and BT-91 on the first."""
    payment = invoice.payment
    if payment is None or not payment.means_code:
        return
    debit = payment.direct_debit
    accounts: list[CreditTransfer | None] = list(payment.accounts) or [None]
    for index, account in enumerate(accounts):
        first = index == 0
        means = w.child(settlement, MEANS)
        w.required(means, TYPE_CODE, payment.means_code)
        w.value(means, MEANS_TEXT, payment.means_text if first else None)
        if first and payment.card:
            card = w.child(means, CARD)
            w.required(card, ID, payment.card.account_number)
            w.value(card, CARD_HOLDER, payment.card.holder_name)
        if first and debit:
            w.value(means, DEBITED_ACCOUNT, debit.debited_account_id)
        if account is not None:
            creditor = w.child(means, ACCOUNT)
            w.required(creditor, IBAN, account.account_id)
            w.value(creditor, ACCOUNT_NAME, account.account_name)
            w.value(means, SERVICE_PROVIDER, account.service_provider_id)


def render_terms(w: CiiWriter, settlement: etree._Element, invoice: Invoice) -> None:
    """BT-20, BT-9 and BT-89, when any is present."""
    payment = invoice.payment
    terms = payment.terms if payment else None
    mandate = payment.direct_debit.mandate_reference if payment and payment.direct_debit else None
    if terms or invoice.due_date or mandate:
        element = w.child(settlement, TERMS)
        w.value(element, TERMS_TEXT, terms)
        w.date(element, DUE_DATE, invoice.due_date)
        w.value(element, MANDATE, mandate)


def parse_payment(
    r: Reader, settlement: etree._Element | None
) -> tuple[dict[str, Any] | None, str | None]:
    """BG-16..BG-19 with BT-20, and BT-9."""
    payment: dict[str, Any] = {"accounts": []}
    debit: dict[str, Any] = {"creditor_id": r.text(settlement, CREDITOR_ID)}
    payment["remittance_information"] = r.text(settlement, REMITTANCE)
    for index, means in enumerate(r.all(settlement, MEANS)):
        code = r.text(means, TYPE_CODE)
        if index == 0:
            payment["means_code"] = code
            payment["means_text"] = r.text(means, MEANS_TEXT)
        card = r.one(means, CARD)
        if card is not None and "card" not in payment:
            payment["card"] = drop_empty(
                {"account_number": r.text(card, ID), "holder_name": r.text(card, CARD_HOLDER)}
            )
        debtor = r.text(means, DEBITED_ACCOUNT)
        if debtor:
            debit["debited_account_id"] = debtor
        creditor = r.one(means, ACCOUNT)
        if creditor is not None:
            found = {
                "account_id": r.text(creditor, IBAN) or r.text(creditor, PROPRIETARY_ID),
                "account_name": r.text(creditor, ACCOUNT_NAME),
                "service_provider_id": r.text(means, SERVICE_PROVIDER),
            }
            payment["accounts"].append(drop_empty(found))
    terms = r.one(settlement, TERMS)
    payment["terms"] = r.text(terms, TERMS_TEXT)
    debit["mandate_reference"] = r.text(terms, MANDATE)
    due_date = parse_date(r, terms, DUE_DATE)
    debit = drop_empty(debit)
    if debit:
        payment["direct_debit"] = debit
    return drop_empty(payment) or None, due_date
