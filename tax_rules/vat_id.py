"""VAT identifier checks (format and check digits) with python-stdnum.

EU identifiers (with their country prefix, EL for Greece, XI for Northern
Ireland) go to ``stdnum.eu.vat``; GB, CH (CHE) and NO identifiers to their
national modules. Identifiers of other countries are not checked here.
"""

from __future__ import annotations

from types import ModuleType

from stdnum.ch import vat as ch_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.gb import vat as gb_vat
from stdnum.no import mva as no_mva

from tax_rules.errors import Problem

_EU_PREFIXES = {cc.upper() for cc in eu_vat.MEMBER_STATES} | {"EL"}


def check(field: str, vat_id: str) -> Problem | None:
    """Checks one VAT identifier; returns a problem naming the field, or None when it is valid.

    >>> check("buyer.vat_id", "FR40303265045") is None
    True
    >>> check("seller.vat_id", "DE123456789").rule
    'vat-id.check-digit'
    """
    compact = vat_id.replace(" ", "").replace(".", "").replace("-", "").upper()
    prefix = compact[:2]
    module: ModuleType
    if prefix in _EU_PREFIXES:
        module = eu_vat
    elif prefix == "GB":
        module = gb_vat
    elif compact.startswith("CHE"):
        module = ch_vat
    elif prefix == "NO":
        module = no_mva
    elif not prefix.isalpha():
        return Problem(
            field=field,
            message=f"{vat_id!r} has no country prefix (a VAT identifier starts with its ISO country code, EL for Greece)",
            rule="BR-CO-09",
            value=vat_id,
        )
    else:
        return None
    try:
        module.validate(vat_id)
    except ValidationError as exc:
        kind = type(exc).__name__
        rule = {
            "InvalidChecksum": "vat-id.check-digit",
            "InvalidLength": "vat-id.length",
            "InvalidFormat": "vat-id.format",
            "InvalidComponent": "vat-id.format",
        }.get(kind, "vat-id.invalid")
        return Problem(
            field=field,
            message=f"{vat_id!r} is not a valid VAT identifier: {exc}",
            rule=rule,
            value=vat_id,
        )
    return None
