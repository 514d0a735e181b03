"""What is personal data in an invoice: one rule, driven by the model's tags.

A party is treated as a natural person when the ERP says so
(``is_natural_person``) or when it carries neither a VAT id nor a legal
registration id (a business without either is rare; a consumer never has them).
For such a party its name, trading name, address, electronic address and
contact are personal data; for any party its contact is (a person's name,
e-mail and phone). Free-text notes may name people, so they count too. The
model's ``x-personal-data`` tags (``schemas.model.personal_data_fields``) list the
business terms that can hold personal data; the archive seals every stored
artefact, so nothing here decides what is encrypted, only what may be shown,
indexed in clear or exported to whom.
"""

from __future__ import annotations

from typing import Any

from schemas.model import Invoice, personal_data_fields


def is_natural_person(party: Any) -> bool:
    """Whether a seller or buyer is (treated as) a natural person."""
    if getattr(party, "is_natural_person", False):
        return True
    return not party.vat_id and party.legal_id is None


def party_key(party: Any) -> str:
    """A stable, non-personal key of an organisation: VAT id, else legal id, else name."""
    if party.vat_id:
        return str(party.vat_id)
    if party.legal_id:
        return str(party.legal_id.value)
    return str(party.name)[:200]


def tagged_fields() -> list[str]:
    """Dotted paths of the business terms tagged as personal data in the model."""
    return personal_data_fields(Invoice)


def personal_data_of(invoice: Invoice, role: str) -> dict[str, Any]:
    """The personal data an invoice holds about its buyer or seller (for subject access).

    Args:
        invoice: The archived invoice.
        role: ``buyer`` or ``seller``.
    """
    party = invoice.buyer if role == "buyer" else invoice.seller
    data: dict[str, Any] = {}
    if is_natural_person(party):
        data["name"] = party.name
        if party.trading_name:
            data["trading_name"] = party.trading_name
        data["address"] = party.address.model_dump(mode="json", exclude_none=True)
        if party.electronic_address:
            data["electronic_address"] = party.electronic_address.model_dump(mode="json")
    if party.contact:
        data["contact"] = party.contact.model_dump(mode="json", exclude_none=True)
    if role == "buyer" and is_natural_person(party):
        if invoice.delivery is not None:
            data["delivery"] = invoice.delivery.model_dump(mode="json", exclude_none=True)
        payment = invoice.payment
        if payment is not None:
            dumped = payment.model_dump(mode="json", exclude_none=True)
            mandate = {k: v for k, v in dumped.items() if k in ("card", "direct_debit")}
            if mandate:
                data["payment"] = mandate
    return data
