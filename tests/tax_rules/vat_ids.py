"""Check-digit-valid VAT identifiers for every jurisdiction, found with python-stdnum itself.

Each template is the country's VAT id shape (``9`` a digit, ``L`` a letter); random
fillings are tried until stdnum accepts one, so the ids are valid by the same
library the engine checks with, and no real company's id is needed.
"""

from __future__ import annotations

import random
import string
from functools import cache

from tax_rules.vat_id import check

TEMPLATES = {
    "AT": "ATU99999999",
    "BE": "BE0999999999",
    "BG": "BG999999999",
    "HR": "HR99999999999",
    "CY": "CY99999999L",
    "CZ": "CZ99999999",
    "DK": "DK99999999",
    "EE": "EE999999999",
    "FI": "FI99999999",
    "FR": "FR99999999999",
    "DE": "DE999999999",
    "GR": "EL999999999",
    "HU": "HU99999999",
    "IE": "IE9999999L",
    "IT": "IT99999999999",
    "LV": "LV49999999999",
    "LT": "LT999999999",
    "LU": "LU99999999",
    "MT": "MT99999999",
    "NL": "NL999999999B01",
    "PL": "PL9999999999",
    "PT": "PT599999999",
    "RO": "RO99999999",
    "SK": "SK2999999999",
    "SI": "SI99999999",
    "ES": "ESB99999999",
    "SE": "SE999999999901",
    "GB": "GB999999999",
    "CH": "CHE999999999MWST",
    "NO": "NO999999999MVA",
}


def _fill(template: str, rng: random.Random) -> str:
    prefix = 3 if template.startswith("CHE") else 2
    body = "".join(
        rng.choice(string.digits)
        if c == "9"
        else rng.choice(string.ascii_uppercase)
        if c == "L"
        else c
        for c in template[prefix:]
    )
    return template[:prefix] + body


@cache
def valid_vat_id(country: str, variant: int = 0) -> str:
    """A VAT id of ``country`` that stdnum accepts (deterministic per variant)."""
    rng = random.Random(f"{country}-{variant}")
    for _ in range(200_000):
        candidate = _fill(TEMPLATES[country], rng)
        if check("vat_id", candidate) is None:
            return candidate
    raise RuntimeError(f"no valid VAT id found for {country}")
