"""VAT identifier checks (format and check digits) with python-stdnum, routed through the packs.

The first two letters of an identifier choose the pack (``vat_ids`` in its data,
else its ``vat_prefix`` with ``stdnum.eu.vat`` for a member state), and the pack
names the stdnum module that checks it: EL for Greece, XI (Northern Ireland) through
the GB pack, CHE through the CH pack. Identifiers of countries without a pack are
not checked here.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from stdnum.exceptions import ValidationError

from tax_rules.errors import Problem
from tax_rules.pack import vat_id_route

_RULES = {
    "InvalidChecksum": "vat-id.check-digit",
    "InvalidLength": "vat-id.length",
    "InvalidFormat": "vat-id.format",
    "InvalidComponent": "vat-id.format",
}


def check(field: str, vat_id: str) -> Problem | None:
    """Checks one VAT identifier; returns a problem naming the field, or None when it is valid.

    >>> check("buyer.vat_id", "FR40303265045") is None
    True
    >>> check("seller.vat_id", "DE123456789").rule
    'vat-id.check-digit'
    """
    compact = vat_id.replace(" ", "").replace(".", "").replace("-", "").upper()
    if not compact[:2].isalpha():
        return Problem(
            field=field,
            message=f"{vat_id!r} has no country prefix (a VAT identifier starts with its ISO country code, EL for Greece)",
            rule="BR-CO-09",
            value=vat_id,
        )
    found = vat_id_route(compact)
    if found is None:
        return None
    module: ModuleType = importlib.import_module(found[1].module)
    try:
        module.validate(vat_id)
    except ValidationError as exc:
        return Problem(
            field=field,
            message=f"{vat_id!r} is not a valid VAT identifier: {exc}",
            rule=_RULES.get(type(exc).__name__, "vat-id.invalid"),
            value=vat_id,
        )
    return None
