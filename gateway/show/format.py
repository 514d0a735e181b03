"""How the readable invoice writes values: amounts per currency, numbers, dates and codes per language.

Babel (CLDR data) does the locale work. Amounts keep every decimal they carry:
the readable view must never round what the XML says.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

# Which code list a field's value comes from (field name -> UN code list).
CODE_LISTS = {
    "type_code": "1001",
    "category": "5305",
    "vat_category": "5305",
    "means_code": "4461",
}
COUNTRY_FIELDS = {"country", "origin_country"}


@cache
def _codes() -> dict[tuple[str, str], dict[str, str]]:
    text = resources.files("gateway.show").joinpath("codes.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if line and not line.startswith("#"))
    return {(r["list"], r["code"]): {"en": r["en"], "de": r["de"]} for r in rows}


def amount(value: Decimal, currency: str, lang: str) -> str:
    r"""A monetary amount with its currency, every decimal kept.

    >>> amount(Decimal("1234.5"), "EUR", "de")
    '1.234,50\xa0€'
    >>> amount(Decimal("1234.5"), "EUR", "en")
    '€1,234.50'
    """
    return format_currency(
        value, currency, locale=lang, currency_digits=False, decimal_quantization=False
    )


def number(value: Decimal, lang: str) -> str:
    """A quantity or price, every significant decimal kept.

    >>> number(Decimal("1.2500"), "de")
    '1,25'
    """
    return format_decimal(value, locale=lang, decimal_quantization=False)


def percent(value: Decimal, lang: str) -> str:
    r"""A rate in percent (EN 16931 rates are given as percentages, 19 for 19 %).

    >>> percent(Decimal("19.00"), "de")
    '19\xa0%'
    """
    return f"{number(value, lang)}\xa0%"


def day(value: date, lang: str) -> str:
    """A date, written the way the language writes dates.

    >>> day(date(2026, 11, 1), "de")
    '01.11.2026'
    """
    return format_date(value, format="medium", locale=lang)


def country(code: str, lang: str) -> str:
    """A country code with its name.

    >>> country("DE", "en")
    'DE (Germany)'
    """
    name = Locale.parse(lang).territories.get(code)
    return f"{code} ({name})" if name else code


def code(field: str, value: str, lang: str) -> str:
    """A code with its meaning, when the field's code list is known and the code is in it.

    >>> code("category", "AE", "en")
    'AE (VAT reverse charge)'
    """
    if field in COUNTRY_FIELDS:
        return country(value, lang)
    listed = CODE_LISTS.get(field)
    meaning = _codes().get((listed, value)) if listed else None
    return f"{value} ({meaning[lang]})" if meaning else value
