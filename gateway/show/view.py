"""The readable invoice as a value: sections per business group, rows of labelled business terms.

:func:`build` walks a parsed :class:`schemas.model.Invoice` field by field, so
every business term present in the document gets a row (labelled with its name
and BT number) in the section of its business group. Lists of flat groups (VAT
breakdown, allowances, notes, ...) become tables.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from gateway.show import format as fmt
from gateway.show.terms import Term, group_names, message, term_for
from schemas.model import Attachment, Classification, Identifier, Invoice

AttachmentHref = Callable[[int, Attachment], str]
"""Where the attachment with this index (in document order) can be downloaded."""


@dataclass(frozen=True)
class Cell:
    """One written value; ``href`` makes it a download link (attachments only)."""

    text: str
    numeric: bool = False
    href: str | None = None
    download: str | None = None


@dataclass(frozen=True)
class Row:
    """One business term and its value."""

    term: str
    label: str
    value: Cell


@dataclass(frozen=True)
class Table:
    """A list of one flat business group: one column per term present, one row per entry."""

    columns: list[tuple[str, str]]
    rows: list[list[Cell | None]]


@dataclass
class Section:
    """A business group: its rows, an optional table, and the groups inside it."""

    term: str
    title: str
    rows: list[Row] = field(default_factory=list)
    table: Table | None = None
    children: list[Section] = field(default_factory=list)

    def child(self, term: str, title: str) -> Section:
        """The child section of ``term``, made on first use (flat fields join their group)."""
        for existing in self.children:
            if existing.term == term:
                return existing
        made = Section(term=term, title=title)
        self.children.append(made)
        return made


@dataclass(frozen=True)
class Summary:
    """What a reader looks at first: who bills whom, for how much, when."""

    title: str
    number: str
    issue_date: str
    due_date: str | None
    seller: list[str]
    buyer: list[str]
    amount_due: str


@dataclass(frozen=True)
class InvoiceView:
    """Everything the template needs, already written in the chosen language."""

    lang: str
    summary: Summary
    header: Section
    sections: list[Section]
    lines: Table


@dataclass
class _Walk:
    lang: str
    currency: str
    tax_currency: str | None
    attachment_href: AttachmentHref
    attachments: int = 0


def _is_present(value: Any) -> bool:
    return value is not None and value != () and value is not False


def _scalar_model(value: Any) -> bool:
    return isinstance(value, Identifier | Classification | Attachment)


def _write(walk: _Walk, path: str, name: str, value: Any) -> Cell:
    lang = walk.lang
    if isinstance(value, Attachment):
        walk.attachments += 1
        size = f"{len(value.content):,} {message('bytes', lang)}"
        return Cell(
            text=f"{value.filename} ({value.mime_code}, {size})",
            href=walk.attachment_href(walk.attachments - 1, value),
            download=value.filename,
        )
    if isinstance(value, Identifier):
        scheme = f" ({message('scheme', lang)} {value.scheme})" if value.scheme else ""
        return Cell(text=f"{value.value}{scheme}")
    if isinstance(value, Classification):
        extras = [f"{message('scheme', lang)} {value.scheme}"] if value.scheme else []
        extras += [f"{message('version', lang)} {value.version}"] if value.version else []
        return Cell(text=value.value + (f" ({', '.join(extras)})" if extras else ""))
    if isinstance(value, bool):
        return Cell(text=message("yes" if value else "no", lang))
    if isinstance(value, Decimal):
        if name in ("vat_rate", "rate", "percentage"):
            return Cell(text=fmt.percent(value, lang), numeric=True)
        if _is_amount(path):
            currency = walk.currency
            if path == "totals.vat_total_accounting_currency" and walk.tax_currency:
                currency = walk.tax_currency
            return Cell(text=fmt.amount(value, currency, lang), numeric=True)
        return Cell(text=fmt.number(value, lang), numeric=True)
    if isinstance(value, date):
        return Cell(text=fmt.day(value, lang))
    if isinstance(value, tuple):  # address lines
        return Cell(text="\n".join(str(v) for v in value))
    return Cell(text=fmt.code(name, str(value), lang))


# Decimal fields that are money (the others are quantities, prices and rates).
_AMOUNT_NAMES = {
    "amount",
    "base_amount",
    "net_amount",
    "taxable_amount",
    "vat_amount",
    "line_net_total",
    "allowance_total",
    "charge_total",
    "total_without_vat",
    "vat_total",
    "vat_total_accounting_currency",
    "total_with_vat",
    "paid_amount",
    "rounding_amount",
    "amount_due",
}


def _is_amount(path: str) -> bool:
    return path.rsplit(".", 1)[-1] in _AMOUNT_NAMES


def _fields(model: BaseModel) -> list[tuple[str, Any, Any]]:
    return [
        (name, getattr(model, name), info)
        for name, info in type(model).model_fields.items()
        if _is_present(getattr(model, name))
    ]


def _label(term: Term, lang: str) -> str:
    return term.name(lang)


def _nested(value: Any) -> bool:
    if isinstance(value, tuple):
        return bool(value) and _nested(value[0])
    return isinstance(value, BaseModel) and not _scalar_model(value)


def _flat(path: str, items: tuple[BaseModel, ...]) -> bool:
    # A list whose entries hold only scalar terms reads best as a table; invoice
    # lines always get a section each, as they carry too many terms for columns.
    return path != "lines" and not any(
        _nested(value) for item in items for _, value, _ in _fields(item)
    )


def _table(walk: _Walk, path: str, items: tuple[BaseModel, ...]) -> Table:
    model = type(items[0])
    names = [n for n in model.model_fields if any(_is_present(getattr(i, n)) for i in items)]
    columns = []
    for name in names:
        term = term_for(f"{path}.{name}", model.model_fields[name])
        columns.append((term.term, _label(term, walk.lang)))
    rows = [
        [
            _write(walk, f"{path}.{n}", n, getattr(item, n))
            if _is_present(getattr(item, n))
            else None
            for n in names
        ]
        for item in items
    ]
    return Table(columns=columns, rows=rows)


def _fill(
    walk: _Walk, section: Section, path: str, model: BaseModel, rows: Section | None = None
) -> None:
    """Adds the terms of ``model`` (at ``path``) to ``section``: rows, tables and child groups.

    Terms of no group go to ``rows`` (default: ``section`` itself).
    """
    prefix = f"{path}." if path else ""
    for name, value, info in _fields(model):
        here = f"{prefix}{name}"
        term = term_for(here, info)
        is_list_of_models = isinstance(value, tuple) and _nested(value)
        if isinstance(value, BaseModel) and not _scalar_model(value):
            child = section.child(term.term or here, _label(term, walk.lang))
            _fill(walk, child, here, value)
        elif is_list_of_models:
            if _flat(here, value):
                child = section.child(term.term or here, _label(term, walk.lang))
                child.table = _table(walk, here, value)
            else:
                for index, item in enumerate(value, start=1):
                    title = f"{_label(term, walk.lang)} {_item_name(item, index)}"
                    child = Section(term=term.term, title=title)
                    section.children.append(child)
                    _fill(walk, child, here, item)
        elif isinstance(value, tuple) and value and _scalar_model(value[0]):
            target = _target(walk, section, term, rows)
            for item in value:
                target.rows.append(
                    Row(term.term, _label(term, walk.lang), _write(walk, here, name, item))
                )
        else:
            target = _target(walk, section, term, rows)
            target.rows.append(
                Row(term.term, _label(term, walk.lang), _write(walk, here, name, value))
            )


def _target(walk: _Walk, section: Section, term: Term, rows: Section | None) -> Section:
    if not term.group:
        return rows or section
    names = group_names().get(term.group, {})
    return section.child(term.group, names.get(walk.lang) or names.get("en") or term.group)


def _item_name(item: BaseModel, index: int) -> str:
    own_id = getattr(item, "id", None)
    return str(own_id) if isinstance(own_id, str) else str(index)


def _party_lines(party: Any) -> list[str]:
    address = party.address
    place = " ".join(p for p in (address.postal_code, address.city) if p)
    return [party.name, *address.lines, place, address.country]


def _data_uri(_: int, attachment: Attachment) -> str:
    encoded = base64.b64encode(attachment.content).decode("ascii")
    return f"data:{attachment.mime_code};base64,{encoded}"


def build(
    invoice: Invoice, *, lang: str = "en", attachment_href: AttachmentHref | None = None
) -> InvoiceView:
    """The readable view of ``invoice`` in ``lang`` (``en`` or ``de``).

    Args:
        invoice: A parsed or completed invoice.
        lang: The language of labels, dates and number formats.
        attachment_href: Where embedded attachments are downloaded from; default: a
            ``data:`` URI, so that a stand-alone HTML file carries its attachments.
    """
    walk = _Walk(
        lang=lang,
        currency=invoice.currency,
        tax_currency=invoice.tax_currency,
        attachment_href=attachment_href or _data_uri,
    )
    root = Section(term="", title="")
    header = root.child("", message("invoice_data", lang))
    _fill(walk, root, "", invoice, rows=header)
    totals = invoice.totals
    summary = Summary(
        title=message("credit_note" if invoice.is_credit_note else "invoice", lang),
        number=invoice.number,
        issue_date=fmt.day(invoice.issue_date, lang),
        due_date=fmt.day(invoice.due_date, lang) if invoice.due_date else None,
        seller=_party_lines(invoice.seller),
        buyer=_party_lines(invoice.buyer),
        amount_due=fmt.amount(totals.amount_due, invoice.currency, lang),
    )
    return InvoiceView(
        lang=lang,
        summary=summary,
        header=header,
        sections=[s for s in root.children if s is not header],
        lines=_lines_overview(invoice, lang),
    )


def _lines_overview(invoice: Invoice, lang: str) -> Table:
    def name(path: str) -> tuple[str, str]:
        term = term_for(path, None)
        return term.term, term.name(lang)

    columns = [
        name("lines.id"),
        name("lines.name"),
        name("lines.quantity"),
        name("lines.unit_price"),
        name("lines.vat_category"),
        name("lines.net_amount"),
    ]
    rows: list[list[Cell | None]] = []
    for line in invoice.lines:
        rate = f" {fmt.percent(line.vat_rate, lang)}" if line.vat_rate is not None else ""
        rows.append(
            [
                Cell(line.id),
                Cell(line.name),
                Cell(f"{fmt.number(line.quantity, lang)} {line.unit}", numeric=True),
                Cell(fmt.number(line.unit_price, lang), numeric=True),
                Cell(f"{line.vat_category}{rate}"),
                Cell(fmt.amount(line.net_amount, invoice.currency, lang), numeric=True),
            ]
        )
    return Table(columns=columns, rows=rows)
