"""Italy: what the Italian national rules of Peppol BIS Billing 3.0 ask of an Italian seller."""

from __future__ import annotations

import re

from schemas.model import InvoiceDraft
from tax_rules.errors import Problem

_TAX_REGISTRATION = re.compile(r"^[A-Z0-9]{11,16}$")


def peppol_requirements(draft: InvoiceDraft) -> list[Problem]:
    """What an Italian seller's draft lacks for the Italian Peppol rules.

    IT-R-001: a tax registration id (BT-32) is 11 to 16 letters and digits (codice
    fiscale or partita IVA); IT-R-002/003/004: the address has a line, city and postcode.
    """
    found: list[Problem] = []
    registration = draft.seller.tax_registration_id
    if registration and not _TAX_REGISTRATION.match(registration):
        found.append(
            Problem(
                field="seller.tax_registration_id",
                message="an Italian seller's tax registration id (BT-32) is 11 to 16 capital letters and digits",
                rule="IT-R-001",
                value=registration,
            )
        )
    address = draft.seller.address
    for rule, name, value in (
        ("IT-R-002", "lines", address.lines),
        ("IT-R-003", "city", address.city),
        ("IT-R-004", "postal_code", address.postal_code),
    ):
        if not value:
            found.append(
                Problem(
                    field=f"seller.address.{name}",
                    message=f"an Italian seller's address carries its {name.replace('_', ' ')}",
                    rule=rule,
                )
            )
    return found
