"""Statutory retention of invoices: until when the archive must keep a document, and which pack said so.

Each pack states ``retention.years`` and when the period starts:

* ``end_of_calendar_year``: from the end of the calendar year of issue;
* ``end_of_fiscal_year``: from the end of the seller's financial year in which the
  invoice was issued (the calendar year unless the archive passes another year end);
* ``issue_date``: from the issue date itself.

>>> retain_until("DE", date(2026, 3, 5)).until
datetime.date(2034, 12, 31)
>>> retain_until("FI", date(2026, 3, 5), fiscal_year_end=(6, 30)).until
datetime.date(2032, 6, 30)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tax_rules.pack import Pack, jurisdiction


@dataclass(frozen=True)
class RetentionDecision:
    """The last day a document must be kept, with the pack version and rule that decided it."""

    until: date
    country: str
    pack_version: str
    years: int
    starts: str
    source: str


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without it
        return day.replace(year=day.year + years, day=28)


def _fiscal_year_end(issue_date: date, month: int, day: int) -> date:
    end = date(issue_date.year, month, day)
    return end if issue_date <= end else _plus_years(end, 1)


def retain_until(
    pack_or_country: Pack | str,
    issue_date: date,
    *,
    fiscal_year_end: tuple[int, int] | None = None,
) -> RetentionDecision:
    """Until when an invoice issued on ``issue_date`` must be kept under the seller's pack.

    Args:
        pack_or_country: The seller's pack, or its country code.
        issue_date: BT-2.
        fiscal_year_end: (month, day) of the seller's financial year end, for packs whose
            period starts then; default 31 December.

    Raises:
        TaxRuleError: No pack for the country.
    """
    pack = jurisdiction(pack_or_country) if isinstance(pack_or_country, str) else pack_or_country
    rule = pack.retention
    if rule.starts == "issue_date":
        start = issue_date
    elif rule.starts == "end_of_fiscal_year":
        month, day = fiscal_year_end or (12, 31)
        start = _fiscal_year_end(issue_date, month, day)
    else:
        start = date(issue_date.year, 12, 31)
    return RetentionDecision(
        until=_plus_years(start, rule.years),
        country=pack.country,
        pack_version=pack.version,
        years=rule.years,
        starts=rule.starts,
        source=rule.source,
    )
