"""Names of the EN 16931 business terms and groups in English and German, read from data files.

``terms.csv`` maps each field path of :class:`schemas.model.Invoice` (list indices
left out) to its BT/BG number and its names; ``groups.csv`` names the business
groups that have no field of their own; ``messages.csv`` holds the other words.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("en", "de")


@dataclass(frozen=True)
class Term:
    """One business term or group at one place in the model."""

    path: str
    term: str
    group: str
    names: dict[str, str]

    def name(self, lang: str) -> str:
        """The term's name in ``lang`` (English when that language has none)."""
        return self.names.get(lang) or self.names["en"]


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("gateway.show").joinpath(filename).read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines))


@cache
def terms() -> dict[str, Term]:
    """Every known term, by model path (``seller.address.city``)."""
    return {
        row["path"]: Term(
            path=row["path"],
            term=row["term"],
            group=row["group"],
            names={lang: row[lang] for lang in LANGUAGES},
        )
        for row in _rows("terms.csv")
    }


@cache
def group_names() -> dict[str, dict[str, str]]:
    """Names of the business groups that hold flat fields (BG-2, BG-13, BG-29..31)."""
    return {row["term"]: {lang: row[lang] for lang in LANGUAGES} for row in _rows("groups.csv")}


@cache
def messages() -> dict[str, dict[str, str]]:
    """The other words of the readable invoice, by key and language."""
    return {row["key"]: {lang: row[lang] for lang in LANGUAGES} for row in _rows("messages.csv")}


def message(key: str, lang: str) -> str:
    """One word or sentence of the page in ``lang``."""
    entry = messages()[key]
    return entry.get(lang) or entry["en"]


_TERM_IN_DESCRIPTION = re.compile(r"\b(B[TG]-\d+(?:-\d+)?)")


def term_for(path: str, field_info: Any) -> Term:
    """The term at ``path``; for a field not in the table, its BT from ``json_schema_extra`` or description.

    A model field added later still shows up, labelled by its description, until
    the table names it.
    """
    known = terms().get(path)
    if known is not None:
        return known
    extra = getattr(field_info, "json_schema_extra", None)
    number = extra.get("bt") if isinstance(extra, dict) else None
    description = getattr(field_info, "description", None) or path
    if not number:
        match = _TERM_IN_DESCRIPTION.search(description)
        number = match.group(1) if match else ""
    name = _TERM_IN_DESCRIPTION.sub("", description).strip(" .")
    return Term(path=path, term=str(number), group="", names={"en": name or path})
