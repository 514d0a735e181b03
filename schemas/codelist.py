"""Code lists the EN 16931 model checks itself (CEN EN 16931-1:2017, code list annex).

ISO 4217 currencies and ISO 3166-1 countries come from ``pycountry``. The short
UN/CEFACT lists below are data, each with its source. The long lists (UN/ECE
Recommendation 20/21 units, UNCL 7161 charge reasons, EAS and ICD schemes, VATEX)
are only format-checked here: the official EN 16931 Schematron (rules BR-CL-*) is
the judge for them, and it runs on every document the gateway produces or accepts.
"""

from __future__ import annotations

from functools import cache

import pycountry

# UNTDID 1001 (D16B), the subset EN 16931 allows for commercial invoices
# (EN 16931-1 code list annex; CEN rule BR-CL-01, release 1.3.16).
INVOICE_TYPE_CODES: frozenset[str] = frozenset(
    "71 80 81 82 84 102 130 202 203 204 211 218 219 295 325 326 331 380 382 383 384 385 386 387 "
    "388 389 390 393 394 395 456 457 471 472 473 500 501 527 553 575 623 633 751 780 817 870 875 "
    "876 877 935".split()
)

# UNTDID 1001 codes that UBL expresses as a CreditNote document (CEN rule BR-CL-01).
CREDIT_NOTE_TYPE_CODES: frozenset[str] = frozenset(
    "81 83 261 262 296 308 381 396 420 458 502 503 532".split()
)

# UNTDID 5305, the subset EN 16931 uses for VAT categories (BR-CL-17, BR-CL-18):
# S standard rate, Z zero rated, E exempt, AE reverse charge, K intra-community
# supply, G export outside the EU, O not subject to VAT, L Canary Islands IGIC,
# M Ceuta and Melilla IPSI, B transferred VAT (Italy).
VAT_CATEGORY_CODES: frozenset[str] = frozenset("S Z E AE K G O L M B".split())

# UNTDID 4461 payment means (BR-CL-16): 1..70, 74..78, 91..98 and ZZZ.
PAYMENT_MEANS_CODES: frozenset[str] = frozenset(
    [str(n) for n in range(1, 71)]
    + [str(n) for n in range(74, 79)]
    + [str(n) for n in range(91, 99)]
    + ["ZZZ"]
)

# UNTDID 5189 allowance reasons (BR-CL-19), the subset EN 16931 allows.
ALLOWANCE_REASON_CODES: frozenset[str] = frozenset(
    "41 42 60 62 63 64 65 66 67 68 70 71 88 95 100 102 103 104 105".split()
)

# Codes EN 16931 accepts as countries although ISO 3166-1 lists them otherwise
# (1A: Kosovo in the CEN code list; XI: Northern Ireland for VAT purposes).
_EXTRA_COUNTRIES = frozenset({"1A", "XI"})


@cache
def _currencies() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


@cache
def _countries() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries) | _EXTRA_COUNTRIES


def is_currency(code: str) -> bool:
    """Tells whether ``code`` is an ISO 4217 alphabetic currency code.

    >>> is_currency("EUR"), is_currency("EUX")
    (True, False)
    """
    return code in _currencies()


def is_country(code: str) -> bool:
    """Tells whether ``code`` is an ISO 3166-1 alpha-2 country code (or 1A, XI).

    >>> is_country("DE"), is_country("UK")
    (True, False)
    """
    return code in _countries()


def is_credit_note_type(code: str) -> bool:
    """Tells whether a UNTDID 1001 code is rendered as a UBL CreditNote.

    >>> is_credit_note_type("381"), is_credit_note_type("380")
    (True, False)
    """
    return code in CREDIT_NOTE_TYPE_CODES
