"""E-invoicing mandates as dated pack data, and the warning when one asks for a format the gateway cannot produce.

A mandate row (``[[mandates]]`` in a pack) says who must do what from when: the
scope (``b2g``, ``b2b_issue``, ``b2b_receive``, ``b2c``, ``cross_border``), the start
date, which taxpayers (by size), the formats and network, the model (post-audit,
reporting, clearance) and its source. Formats are named by our profile names where
we produce them (``en16931``, ``peppol-bis-3``, ``xrechnung-3``) and by their own
names otherwise (``ksef-fa3``, ``fatturapa``, ``mydata``, ``fr-cius``, ...).
"""

from __future__ import annotations

from datetime import date

from schemas import profiles
from schemas.model import InvoiceDraft
from tax_rules.pack import Mandate, Pack, find
from tax_rules.warning import TaxWarning


def producible(mandate: Mandate) -> bool:
    """Whether the gateway can produce one of the formats the mandate accepts."""
    return bool(set(mandate.formats) & set(profiles.names()))


def _scopes(draft: InvoiceDraft, pack: Pack) -> set[str]:
    buyer = draft.buyer
    business = not buyer.is_natural_person and bool(
        buyer.vat_id or buyer.legal_id or buyer.identifiers
    )
    if not business:
        return {"b2c"}
    if buyer.address.country == pack.country:
        return {"b2b_issue"}
    other = find(buyer.address.country)
    return {"cross_border"} if other is not None and other.is_eu and pack.is_eu else set()


def warnings(draft: InvoiceDraft, pack: Pack, *, on: date) -> list[TaxWarning]:
    """Warnings for the seller's mandates in force on ``on`` that need a format the gateway cannot produce.

    The taxpayer size is not known to the gateway, so a phased mandate warns from its
    first phase, and the message names the taxpayers it covers.
    """
    found: list[TaxWarning] = []
    scopes = _scopes(draft, pack)
    for mandate in pack.mandates_on(on):
        if mandate.scope not in scopes or producible(mandate):
            continue
        found.append(
            TaxWarning(
                code="tax.mandate-format-not-produced",
                field="seller.address.country",
                message=f"{pack.country}: since {mandate.start}, {mandate.taxpayers} must "
                f"{mandate.scope.replace('_', ' ')} invoices as {' or '.join(mandate.formats)} "
                f"through {mandate.network} ({mandate.model.replace('_', ' ')}); the gateway "
                f"produces {', '.join(profiles.names())} only: this document alone may not meet it",
                source=mandate.source,
            )
        )
    return found
