"""The simple terms of the business groups, by model field: one list for both syntaxes.

A binding pairs a list with its own element paths (:func:`table`) and reads or
writes the group through that table, so a group's terms are named once here and
each element name once in its binding.

>>> table(CONTACT, "cbc:Name", "cbc:Telephone", "cbc:ElectronicMail")[1]
('phone', 'cbc:Telephone')
"""

from __future__ import annotations

from schemas.parsed import Fields

ADDRESS = ("city", "postal_code", "subdivision", "country")  # BG-5, BG-8, BG-12, BG-15
CONTACT = ("name", "phone", "email")  # BG-6, BG-9
LINE = ("id", "note", "net_amount", "order_line_reference", "accounting_reference")  # BG-25
ITEM = ("name", "description", "seller_item_id", "buyer_item_id", "origin_country")  # BG-31
ATTRIBUTE = ("name", "value")  # BG-32
SUPPORTING_DOCUMENT = ("id", "description", "external_uri")  # BG-24


def table(terms: tuple[str, ...], *paths: str) -> Fields:
    """Pairs a group's terms with a syntax's paths, in order (as many paths as terms)."""
    return tuple(zip(terms, paths, strict=True))
