"""Gap-free invoice numbers per tenant and year: prefix + year + counter.

The counter row is locked for the rest of the transaction that stores the
invoice (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite transactions start with
``BEGIN IMMEDIATE`` and so hold the write lock already). A transaction that rolls
back also rolls back its number, so numbers have no gaps and no duplicates.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from gateway.tables import NumberSeries


def next_number(session: Session, *, tenant_id: str, year: int, prefix: str) -> str:
    """Takes the next number of the tenant's series for ``year``, inside the caller's transaction."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(NumberSeries)
        .values(tenant_id=tenant_id, year=year, last_value=0)
        .on_conflict_do_nothing(index_elements=["tenant_id", "year"])
    )
    statement = select(NumberSeries).where(
        NumberSeries.tenant_id == tenant_id, NumberSeries.year == year
    )
    if dialect == "postgresql":
        statement = statement.with_for_update()
    series = session.exec(statement).one()
    series.last_value += 1
    session.add(series)
    session.flush()
    return f"{prefix}{year}-{series.last_value:06d}"
