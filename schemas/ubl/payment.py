"""BG-16 PAYMENT INSTRUCTIONS (BG-17 credit transfer, BG-18 card, BG-19 direct debit) and BT-20 in UBL 2.1.

UBL repeats ``cac:PaymentMeans`` once per account (BG-17 repeats, BG-16 does
not); the card and the mandate ride on the first. A CreditNote has no
``cbc:DueDate``: its BT-9 is the first ``cbc:PaymentDueDate``.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from schemas.errors import Problem, RenderError
from schemas.model import CreditTransfer, Invoice
from schemas.parsed import Reader, drop_empty
from schemas.ubl.names import ID, NAME, NOT_APPLICABLE
from schemas.ubl.writer import UblWriter

MEANS = "cac:PaymentMeans"
MEANS_CODE = "cbc:PaymentMeansCode"
MEANS_TEXT_ATTRIBUTE = "name"
DUE_DATE = "cbc:PaymentDueDate"
REMITTANCE = "cbc:PaymentID"
CARD = "cac:CardAccount"
CARD_NUMBER = "cbc:PrimaryAccountNumberID"
CARD_NETWORK = "cbc:NetworkID"
CARD_HOLDER = "cbc:HolderName"
ACCOUNT = "cac:PayeeFinancialAccount"
SERVICE_PROVIDER = "cac:FinancialInstitutionBranch/" + ID
MANDATE = "cac:PaymentMandate"
DEBITED_ACCOUNT = "cac:PayerFinancialAccount/" + ID
TERMS = "cac:PaymentTerms/cbc:Note"


def render_payment(w: UblWriter, root: etree._Element, invoice: Invoice, credit_note: bool) -> None:
    """BG-16 to BG-19 and BT-20 (and BT-9 of a CreditNote)."""
    payment = invoice.payment
    due_date = invoice.due_date if credit_note else None
    if payment is not None and payment.means_code:
        accounts: list[CreditTransfer | None] = list(payment.accounts) or [None]
        for index, account in enumerate(accounts):
            first = index == 0
            means = w.child(root, MEANS)
            # UBL-SR-46: the payment means text (BT-82) occurs once; UBL-SR-45 likewise BT-9.
            w.value(
                means,
                MEANS_CODE,
                payment.means_code,
                **{MEANS_TEXT_ATTRIBUTE: payment.means_text if first else None},
            )
            w.value(means, DUE_DATE, due_date if first else None)
            w.value(means, REMITTANCE, payment.remittance_information)
            if first and payment.card is not None:
                card = w.child(means, CARD)
                w.value(card, CARD_NUMBER, payment.card.account_number)
                w.value(card, CARD_NETWORK, NOT_APPLICABLE)
                w.value(card, CARD_HOLDER, payment.card.holder_name)
            if account is not None:
                financial = w.child(means, ACCOUNT)
                w.value(financial, ID, account.account_id)
                w.value(financial, NAME, account.account_name)
                w.value(financial, SERVICE_PROVIDER, account.service_provider_id)
            debit = payment.direct_debit
            if (
                first
                and debit is not None
                and (debit.mandate_reference or debit.debited_account_id)
            ):
                mandate = w.child(means, MANDATE)
                w.value(mandate, ID, debit.mandate_reference)
                w.value(mandate, DEBITED_ACCOUNT, debit.debited_account_id)
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
    if payment is not None:
        w.value(root, TERMS, payment.terms)


def parse_payment(
    r: Reader, root: etree._Element, creditor_id: str | None
) -> tuple[dict[str, Any] | None, str | None]:
    """Reads BG-16..BG-19 and BT-20; returns the payment and a BT-9 found in PaymentMeans."""
    data: dict[str, Any] = {"terms": r.text(root, TERMS), "accounts": []}
    due_date = None
    for index, means in enumerate(r.all(root, MEANS)):
        code = r.one(means, MEANS_CODE)
        due_date = due_date or r.text(means, DUE_DATE)
        remittance = r.text(means, REMITTANCE)
        if index == 0:
            data["means_code"] = r.value(code)
            data["means_text"] = code.get(MEANS_TEXT_ATTRIBUTE) if code is not None else None
            data["remittance_information"] = remittance
        for account in r.all(means, ACCOUNT):
            found = {
                "account_id": r.text(account, ID),
                "account_name": r.text(account, NAME),
                "service_provider_id": r.text(account, SERVICE_PROVIDER),
            }
            data["accounts"].append(drop_empty(found))
        card = r.one(means, CARD)
        if card is not None and "card" not in data:
            r.text(card, CARD_NETWORK)
            data["card"] = drop_empty(
                {
                    "account_number": r.text(card, CARD_NUMBER),
                    "holder_name": r.text(card, CARD_HOLDER),
                }
            )
        mandate = r.one(means, MANDATE)
        if mandate is not None and "direct_debit" not in data:
            data["direct_debit"] = drop_empty(
                {
                    "mandate_reference": r.text(mandate, ID),
                    "debited_account_id": r.text(mandate, DEBITED_ACCOUNT),
                }
            )
    if creditor_id:
        data.setdefault("direct_debit", {})["creditor_id"] = creditor_id
    return drop_empty(data) or None, due_date
