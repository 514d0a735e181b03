"""Greece: what the Greek national rules of Peppol BIS Billing 3.0 ask of a Greek seller.

The invoice number layout of GR-R-001 (TIN|date|branch|type|series|number) and the
MARK reference of GR-R-004 are left to the official rules: they need data the draft
does not structure.
"""

from __future__ import annotations

from stdnum.exceptions import ValidationError
from stdnum.gr import vat as gr_vat

from schemas.model import InvoiceDraft
from tax_rules.errors import Problem


def peppol_requirements(draft: InvoiceDraft) -> list[Problem]:
    """What a Greek seller's draft lacks for the Greek Peppol rules.

    GR-R-002: the seller's name as registered (trading name, BT-28); GR-R-009: the electronic
    address (BT-34) is the TIN with scheme 9933.
    """
    found: list[Problem] = []
    if not draft.seller.trading_name:
        found.append(
            Problem(
                field="seller.trading_name",
                message="a Greek seller gives its full registered name as trading name (BT-28)",
                rule="GR-R-002",
            )
        )
    address = draft.seller.electronic_address
    valid_tin = False
    if address is not None and address.scheme == "9933":
        try:
            gr_vat.validate(address.value)
            valid_tin = True
        except ValidationError:
            valid_tin = False
    if not valid_tin:
        found.append(
            Problem(
                field="seller.electronic_address",
                message="a Greek seller's electronic address (BT-34) is its TIN with scheme 9933",
                rule="GR-R-009",
                value=address.value if address else None,
            )
        )
    return found
