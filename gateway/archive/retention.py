"""Statutory retention of an archived invoice: the pack's rule, applied to the tenant's side.

The obligation is the tenant's: for an invoice it issued, the seller's
jurisdiction; for one it received, the buyer's. The rule itself (period, start,
source, pack version) lives in ``tax_rules.retention``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from schemas.model import Invoice
from tax_rules.errors import TaxRuleError
from tax_rules.retention import retain_until as pack_retain_until


@dataclass(frozen=True)
class RetentionDecision:
    """When retention ends, and which pack rule (and version) decided it."""

    retain_until: date
    rule: str


def retain_until(country: str, issue_date: date) -> RetentionDecision | None:
    """The decision of a country's pack for an invoice issued on ``issue_date`` (None: no pack).

    >>> retain_until("DE", date(2026, 3, 1)).retain_until
    datetime.date(2034, 12, 31)
    """
    try:
        decision = pack_retain_until(country, issue_date)
    except TaxRuleError:
        return None
    rule = (
        f"{decision.country}: {decision.years} years from {decision.starts} "
        f"(pack {decision.pack_version}; {decision.source})"
    )
    return RetentionDecision(retain_until=decision.until, rule=rule[:200])


def decide(invoice: Invoice, direction: str) -> RetentionDecision | None:
    """The decision for an archived invoice: seller's pack when sent, buyer's when received."""
    party = invoice.buyer if direction == "inbound" else invoice.seller
    return retain_until(party.address.country, invoice.issue_date)
