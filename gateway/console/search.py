"""Archive search for the console: filters, sortable keyset pagination, CSV export.

Every query is scoped to the caller's tenant first. Pagination is by keyset
(the sort value and the id of the last row), so pages stay stable while new
invoices arrive. Amounts are stored as exact decimal text; range filters and the
amount sort compare them as numbers.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Numeric, and_, cast, func, or_
from sqlmodel import Session, col, select

from gateway.archive.store import Archive
from gateway.console.content import invoice_of, party_label, report_of
from gateway.tables import StoredInvoice

SortKey = Literal["created", "issue_date", "number", "amount_due", "seller"]
PAGE_SIZE = 25
EXPORT_LIMIT = 10_000


class SearchForm(BaseModel):
    """The search form's fields; blank fields are no filter."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    number: str | None = Field(default=None, max_length=200)
    seller: str | None = Field(default=None, max_length=200)
    buyer: str | None = Field(default=None, max_length=200)
    issued_from: date | None = None
    issued_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    status: str | None = Field(default=None, max_length=20)
    profile: str | None = Field(default=None, max_length=40)
    country: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    direction: Literal["outbound", "inbound"] | None = None
    rule: str | None = Field(default=None, max_length=80, pattern=r"^[A-Za-z0-9_.:\-]+$")
    sort: SortKey = "created"
    order: Literal["asc", "desc"] = "desc"
    cursor: str | None = Field(default=None, max_length=400)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("amount_min", "amount_max")
    @classmethod
    def _finite(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and (not value.is_finite() or abs(value) >= Decimal(10) ** 15):
            raise ValueError("must be a finite amount below 10^15")
        return value

    def query(self, **changes: Any) -> dict[str, str]:
        """The form as query parameters (blank fields left out), with ``changes`` applied."""
        data = {**self.model_dump(mode="json", exclude_none=True), **changes}
        return {k: str(v) for k, v in data.items() if v is not None and v != ""}


def parse_form(params: dict[str, str]) -> tuple[SearchForm, dict[str, str]]:
    """The search form, and a message per field that could not be read (then not applied)."""
    try:
        return SearchForm.model_validate(params), {}
    except ValidationError as exc:
        errors = {str(e["loc"][0]): e["msg"] for e in exc.errors() if e["loc"]}
        clean = {k: v for k, v in params.items() if k not in errors}
        return SearchForm.model_validate(clean), errors


def _content_filter(
    session: Session, archive: Archive, form: SearchForm
) -> Callable[[StoredInvoice], bool] | None:
    """The filters over sealed content (country, rule id), checked record by record."""
    if not form.country and not form.rule:
        return None

    def keep(record: StoredInvoice) -> bool:
        if form.country:
            invoice = invoice_of(session, archive, record)
            wanted = form.country.upper()
            if wanted not in (invoice.seller.address.country, invoice.buyer.address.country):
                return False
        if form.rule:
            findings = report_of(session, archive, record).get("findings", [])
            if not any(f.get("rule_id") == form.rule for f in findings):
                return False
        return True

    return keep


def _sort_column(sort: SortKey) -> Any:
    return {
        "created": col(StoredInvoice.id),
        "issue_date": col(StoredInvoice.issue_date),
        "number": col(StoredInvoice.number),
        "amount_due": cast(col(StoredInvoice.amount_due), Numeric(28, 6)),
        "seller": func.coalesce(col(StoredInvoice.seller_name), ""),
    }[sort]


def _encode_cursor(sort: SortKey, record: StoredInvoice) -> str:
    value: Any = {
        "created": record.id,
        "issue_date": record.issue_date.isoformat(),
        "number": record.number,
        "amount_due": record.amount_due,
        "seller": record.seller_name or "",
    }[sort]
    raw = json.dumps([sort, value, record.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class CursorError(ValueError):
    """A cursor that does not belong to this search (edited, or from another sort)."""


def _decode_cursor(form: SearchForm) -> tuple[Any, str]:
    assert form.cursor is not None
    try:
        padded = form.cursor + "=" * (-len(form.cursor) % 4)
        sort, value, last_id = json.loads(base64.urlsafe_b64decode(padded))
        if sort != form.sort or not isinstance(last_id, str):
            raise CursorError("the cursor belongs to another sort order")
        if form.sort == "issue_date":
            value = date.fromisoformat(value)
        elif form.sort == "amount_due":
            value = Decimal(value)
        elif not isinstance(value, str):
            raise CursorError("the cursor is damaged")
    except (ValueError, TypeError, InvalidOperation) as exc:
        raise CursorError("the cursor is damaged; start the search again") from exc
    return value, last_id


def statement(
    session: Session, archive: Archive, tenant_id: str, form: SearchForm, *, auditor: bool
) -> Any:
    """The query of one tenant's invoices for the filters that the database can apply."""
    query = select(StoredInvoice).where(StoredInvoice.tenant_id == tenant_id)
    if not auditor:
        # GDPR art. 18: restricted records are kept for the tax authority only.
        query = query.where(col(StoredInvoice.restricted).is_(False))
    if form.number:
        query = query.where(StoredInvoice.number == form.number)
    if form.seller:
        # Organisations by part of their clear name, anyone by an exact identifier (blind index).
        pattern = (
            "%"
            + form.seller.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            + "%"
        )
        query = query.where(
            or_(
                col(StoredInvoice.id).in_(
                    archive.matching_records(session, tenant_id, "seller", form.seller)
                ),
                func.lower(col(StoredInvoice.seller_name)).like(pattern, escape="\\"),
            )
        )
    if form.buyer:
        # Exact match only, through the keyed blind index: the buyer may be a person.
        query = query.where(
            col(StoredInvoice.id).in_(
                archive.matching_records(session, tenant_id, "buyer", form.buyer)
            )
        )
    if form.issued_from:
        query = query.where(StoredInvoice.issue_date >= form.issued_from)
    if form.issued_to:
        query = query.where(StoredInvoice.issue_date <= form.issued_to)
    amount = cast(col(StoredInvoice.amount_due), Numeric(28, 6))
    if form.amount_min is not None:
        query = query.where(amount >= form.amount_min)
    if form.amount_max is not None:
        query = query.where(amount <= form.amount_max)
    if form.currency:
        query = query.where(StoredInvoice.currency == form.currency.upper())
    if form.status:
        query = query.where(StoredInvoice.status == form.status)
    if form.profile:
        query = query.where(StoredInvoice.profile == form.profile)
    if form.direction:
        query = query.where(StoredInvoice.direction == form.direction)
    return query


def _ordered(query: Any, form: SearchForm) -> Any:
    key = _sort_column(form.sort)
    ident = col(StoredInvoice.id)
    if form.order == "desc":
        return query.order_by(key.desc(), ident.desc())
    return query.order_by(key.asc(), ident.asc())


def _after(query: Any, form: SearchForm, value: Any, last_id: str) -> Any:
    key = _sort_column(form.sort)
    ident = col(StoredInvoice.id)
    if form.sort == "created":
        return query.where(ident < last_id if form.order == "desc" else ident > last_id)
    if form.order == "desc":
        return query.where(or_(key < value, and_(key == value, ident < last_id)))
    return query.where(or_(key > value, and_(key == value, ident > last_id)))


def _cursor_value(sort: SortKey, record: StoredInvoice) -> Any:
    if sort == "issue_date":
        return record.issue_date
    if sort == "amount_due":
        return Decimal(record.amount_due)
    return {"created": record.id, "number": record.number, "seller": record.seller_name or ""}[sort]


def matches(
    session: Session,
    archive: Archive,
    tenant_id: str,
    form: SearchForm,
    *,
    auditor: bool,
    limit: int,
    start: tuple[Any, str] | None = None,
) -> tuple[list[StoredInvoice], bool]:
    """Up to ``limit`` matching records after ``start``, and whether more match."""
    base = statement(session, archive, tenant_id, form, auditor=auditor)
    keep = _content_filter(session, archive, form)
    found: list[StoredInvoice] = []
    position = start
    batch = limit + 1 if keep is None else max(4 * limit, 50)
    while True:
        query = base if position is None else _after(base, form, *position)
        rows = list(session.exec(_ordered(query, form).limit(batch)).all())
        for record in rows:
            if keep is None or keep(record):
                found.append(record)
                if len(found) > limit:
                    return found[:limit], True
        if len(rows) < batch:
            return found, False
        position = (_cursor_value(form.sort, rows[-1]), rows[-1].id)


def page(
    session: Session,
    archive: Archive,
    tenant_id: str,
    form: SearchForm,
    *,
    auditor: bool,
    size: int | None = None,
) -> tuple[list[StoredInvoice], str | None]:
    """One page of results and the cursor of the next page (None on the last).

    Raises:
        CursorError: The cursor was edited or belongs to another sort order.
    """
    size = size or PAGE_SIZE
    start = _decode_cursor(form) if form.cursor else None
    shown, more = matches(
        session, archive, tenant_id, form, auditor=auditor, limit=size, start=start
    )
    return shown, _encode_cursor(form.sort, shown[-1]) if more and shown else None


CSV_COLUMNS = (
    "id",
    "number",
    "issue_date",
    "type_code",
    "direction",
    "status",
    "profile",
    "syntax",
    "currency",
    "seller",
    "buyer",
    "total_without_vat",
    "vat_total",
    "amount_due",
    "retain_until",
    "document_sha256",
)


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs cells that start like a formula: make them plain text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_rows(
    session: Session, archive: Archive, tenant_id: str, form: SearchForm, *, auditor: bool
) -> Iterable[str]:
    """The whole result list (up to :data:`EXPORT_LIMIT` rows) as CSV lines, header first."""
    records, _ = matches(session, archive, tenant_id, form, auditor=auditor, limit=EXPORT_LIMIT)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for record in records:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    record.id,
                    record.number,
                    record.issue_date,
                    record.type_code,
                    record.direction,
                    record.status,
                    record.profile,
                    record.syntax,
                    record.currency,
                    party_label(record.seller_name, record.seller_key, False),
                    party_label(record.buyer_name, record.buyer_key, record.buyer_is_person),
                    record.total_without_vat,
                    record.vat_total,
                    record.amount_due,
                    record.retain_until,
                    record.document_sha256,
                )
            ]
        )
    yield buffer.getvalue()
