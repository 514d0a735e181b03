"""National requirements a seller must meet, from the code module beside its pack (``packs/<cc>.py``).

A pack module may define ``peppol_requirements(draft) -> list[Problem]``: what the
national rules of Peppol BIS Billing 3.0 ask of a seller from that country (DK, NL,
SE, GR), checked before rendering so that the problem names the draft field rather
than an XPath. The official Schematron stays the judge; these checks only say earlier,
and in draft terms, what it would reject.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from schemas.model import InvoiceDraft
from schemas.terms import business_term
from tax_rules.errors import Problem
from tax_rules.pack import Pack

Requirement = Callable[[InvoiceDraft], list[Problem]]


def requirements(draft: InvoiceDraft, pack: Pack) -> list[Problem]:
    """The problems the seller pack's module finds for the draft's profile (none without a module)."""
    profile = draft.profile or pack.default_profile
    if profile != "peppol-bis-3" or pack.module is None:
        return []
    check: Requirement | None = getattr(pack.module, "peppol_requirements", None)
    if check is None:
        return []
    # Each problem names its business term too, as the official rule's finding would.
    return [
        p if p.business_term else replace(p, business_term=business_term(InvoiceDraft, p.field))
        for p in check(draft)
    ]
