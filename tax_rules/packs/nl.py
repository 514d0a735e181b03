"""Netherlands: what the Dutch national rules of Peppol BIS Billing 3.0 (from NLCIUS) ask of a Dutch seller."""

from __future__ import annotations

from schemas.model import Address, InvoiceDraft
from tax_rules.errors import Problem


def _address(field: str, address: Address, rule: str) -> list[Problem]:
    """One problem per missing part, named as precisely as the official rule's location."""
    missing = []
    if not address.lines:
        missing.append((f"{field}.lines[0]", "street"))
    if not address.city:
        missing.append((f"{field}.city", "city"))
    if not address.postal_code:
        missing.append((f"{field}.postal_code", "post code"))
    return [
        Problem(
            field=path,
            message=f"a Dutch address carries street (lines), city and postal_code: the {part} is missing",
            rule=rule,
        )
        for path, part in missing
    ]


def peppol_requirements(draft: InvoiceDraft) -> list[Problem]:
    """NL-R-001 (credit note refers to the invoice), NL-R-002/004 (full addresses), NL-R-003 (KVK or OIN)."""
    found = _address("seller.address", draft.seller.address, "NL-R-002")
    if draft.buyer.address.country == "NL":
        found += _address("buyer.address", draft.buyer.address, "NL-R-004")
    legal = draft.seller.legal_id
    if legal is None or legal.scheme not in ("0106", "0190"):
        found.append(
            Problem(
                field="seller.legal_id",
                message="a Dutch seller's legal registration id (BT-30) is a KVK (scheme 0106) or OIN (0190) number",
                rule="NL-R-003",
                value=legal.scheme if legal else None,
            )
        )
    if draft.is_credit_note and not draft.preceding_invoices:
        found.append(
            Problem(
                field="preceding_invoices",
                message="a Dutch seller's credit note names the invoice it corrects (BT-25)",
                rule="NL-R-001",
            )
        )
    return found
