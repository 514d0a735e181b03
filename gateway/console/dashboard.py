"""The console's status at a glance: submissions per day, top rejection rules, upcoming purges.

Counts come from ``audit_event`` (every submission, accepted or rejected, leaves one
line naming the failed rules, never the values) and from ``invoice.retain_until``.
The chart is plain SVG written here: no script, no external library.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from xml.sax.saxutils import escape

from sqlmodel import Session, col, func, select

from gateway.tables import AuditEvent, StoredInvoice

SUBMIT_ACTIONS = ("invoice.submit", "invoice.submit-xml")


@dataclass(frozen=True)
class DayCount:
    """Submissions of one day."""

    day: date
    accepted: int
    rejected: int


@dataclass(frozen=True)
class Dashboard:
    """What the dashboard shows."""

    days: list[DayCount]
    top_rules: list[tuple[str, int]]
    due_for_purge: list[StoredInvoice]
    due_for_purge_count: int
    horizon: date

    @property
    def accepted(self) -> int:
        """Accepted submissions in the period."""
        return sum(d.accepted for d in self.days)

    @property
    def rejected(self) -> int:
        """Rejected submissions in the period."""
        return sum(d.rejected for d in self.days)


def _rules(detail: str | None) -> list[str]:
    # Rejections are audited as "rules: BR-01, BR-CO-15" (see gateway.pipeline).
    if not detail or not detail.startswith("rules:"):
        return []
    return [
        r.strip() for r in detail[len("rules:") :].split(",") if r.strip() and r.strip() != "none"
    ]


def collect(session: Session, tenant_id: str, *, today: date, days: int = 30) -> Dashboard:
    """The dashboard of one tenant for the ``days`` up to ``today`` (purges: the next 90 days)."""
    start = today - timedelta(days=days - 1)
    since = datetime.combine(start, time.min, tzinfo=UTC)
    events = session.exec(
        select(AuditEvent.created_at, AuditEvent.outcome, AuditEvent.detail).where(
            AuditEvent.tenant_id == tenant_id,
            col(AuditEvent.action).in_(SUBMIT_ACTIONS),
            AuditEvent.created_at >= since,
        )
    ).all()
    accepted: Counter[date] = Counter()
    rejected: Counter[date] = Counter()
    rules: Counter[str] = Counter()
    for created_at, outcome, detail in events:
        day = created_at.date()
        if outcome == "accepted":
            accepted[day] += 1
        elif outcome == "rejected":
            rejected[day] += 1
            rules.update(_rules(detail))
    horizon = today + timedelta(days=90)
    due = (
        select(StoredInvoice)
        .where(
            StoredInvoice.tenant_id == tenant_id,
            col(StoredInvoice.retain_until).is_not(None),
            col(StoredInvoice.retain_until) <= horizon,
        )
        .order_by(col(StoredInvoice.retain_until), col(StoredInvoice.id))
    )
    count = session.exec(select(func.count()).select_from(due.subquery())).one()
    return Dashboard(
        days=[
            DayCount(
                start + timedelta(days=i),
                accepted[start + timedelta(days=i)],
                rejected[start + timedelta(days=i)],
            )
            for i in range(days)
        ],
        top_rules=rules.most_common(10),
        due_for_purge=list(session.exec(due.limit(20)).all()),
        due_for_purge_count=int(count),
        horizon=horizon,
    )


# Colours with at least 4.5:1 contrast on white, told apart by pattern too (not colour alone).
ACCEPTED_COLOUR = "#1d6b34"
REJECTED_COLOUR = "#a3231f"


def chart_svg(days: list[DayCount], *, width: int = 720, height: int = 220) -> str:
    """Accepted and rejected submissions per day as stacked bars, in accessible SVG.

    >>> svg = chart_svg([DayCount(date(2026, 1, 1), 3, 1), DayCount(date(2026, 1, 2), 0, 0)])
    >>> svg.count('class="accepted"'), svg.count('class="rejected"')
    (1, 1)
    """
    left, bottom, top = 36, 28, 10
    plot_h = height - bottom - top
    peak = max([d.accepted + d.rejected for d in days] + [1])
    step = (width - left - 4) / max(len(days), 1)
    bar = max(step * 0.7, 1)
    total_a = sum(d.accepted for d in days)
    total_r = sum(d.rejected for d in days)
    label = (
        f"Submissions per day from {days[0].day.isoformat()} to {days[-1].day.isoformat()}: "
        f"{total_a} accepted, {total_r} rejected"
        if days
        else "No submissions"
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(label)}</title>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width}" y2="{top + plot_h}" stroke="#595959"/>',
        f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" font-size="11" fill="#333">{peak}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="11" fill="#333">0</text>',
    ]
    for index, day in enumerate(days):
        x = left + index * step + (step - bar) / 2
        h_a = plot_h * day.accepted / peak
        h_r = plot_h * day.rejected / peak
        tip = f"{day.day.isoformat()}: {day.accepted} accepted, {day.rejected} rejected"
        parts.append(f"<g><title>{escape(tip)}</title>")
        if day.accepted:
            parts.append(
                f'<rect class="accepted" x="{x:.1f}" y="{top + plot_h - h_a:.1f}" width="{bar:.1f}" '
                f'height="{h_a:.1f}" fill="{ACCEPTED_COLOUR}"/>'
            )
        if day.rejected:
            parts.append(
                f'<rect class="rejected" x="{x:.1f}" y="{top + plot_h - h_a - h_r:.1f}" '
                f'width="{bar:.1f}" height="{h_r:.1f}" fill="{REJECTED_COLOUR}" '
                f'stroke="#ffffff" stroke-dasharray="2 2"/>'
            )
        parts.append("</g>")
        if index % 7 == 0 or index == len(days) - 1:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - 8}" text-anchor="middle" font-size="11" '
                f'fill="#333">{day.day.strftime("%m-%d")}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
