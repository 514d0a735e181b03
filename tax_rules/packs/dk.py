"""Denmark: what the Danish national rules of Peppol BIS Billing 3.0 ask of a Danish seller."""

from __future__ import annotations

from schemas.model import InvoiceDraft
from tax_rules.errors import Problem


def peppol_requirements(draft: InvoiceDraft) -> list[Problem]:
    """What a Danish seller's draft lacks for the Danish Peppol rules.

    DK-R-002 and DK-R-014: the CVR number as legal registration id (BT-30) with scheme 0184;
    DK-R-013: between Danish parties, every party identifier (BT-29, BT-46) carries a scheme.
    """
    found: list[Problem] = []
    legal = draft.seller.legal_id
    if legal is None:
        found.append(
            Problem(
                field="seller.legal_id",
                message="a Danish seller gives its CVR number as legal registration id (BT-30), scheme 0184",
                rule="DK-R-002",
            )
        )
    elif legal.scheme != "0184":
        found.append(
            Problem(
                field="seller.legal_id.scheme",
                message="a Danish seller's legal registration id is its CVR number with scheme 0184",
                rule="DK-R-014",
                value=legal.scheme,
            )
        )
    if draft.buyer.address.country == "DK":
        for party in ("seller", "buyer"):
            for index, identifier in enumerate(getattr(draft, party).identifiers):
                if not identifier.scheme:
                    found.append(
                        Problem(
                            field=f"{party}.identifiers[{index}].scheme",
                            message="between Danish parties every party identifier carries its scheme",
                            rule="DK-R-013",
                        )
                    )
    return found
