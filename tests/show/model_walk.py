"""Walks a parsed invoice and lists every business-term value a reader must find on the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from pydantic import BaseModel


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, value) of a model, lists expanded, empty values left out."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from leaves(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from leaves(item, f"{path}[{index}]")
    elif value is not None and value is not False:
        yield path, value


def spellings(value: Any, currency: str, lang: str = "en") -> set[str]:
    """The ways a correct page may write ``value`` (babel's, computed here independently)."""
    if isinstance(value, Decimal):
        return {
            str(value),
            format_decimal(value, locale=lang, decimal_quantization=False),
            format_currency(
                value, currency, locale=lang, currency_digits=False, decimal_quantization=False
            ),
        }
    if isinstance(value, date):
        return {value.isoformat(), format_date(value, format="medium", locale=lang)}
    return {normalise(str(value))}


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def missing_values(invoice: Any, page_text: str, lang: str = "en") -> list[str]:
    """The business-term values of ``invoice`` that ``page_text`` does not show."""
    text = normalise(page_text)
    missing = []
    for path, value in leaves(invoice):
        if isinstance(value, bytes | bool):
            continue  # attachment content is a download link; booleans are yes/no
        currency = (
            invoice.tax_currency if path.endswith("accounting_currency") else invoice.currency
        )
        if not any(normalise(s) in text for s in spellings(value, currency or "EUR", lang)):
            missing.append(f"{path}={value!r}")
    return missing
