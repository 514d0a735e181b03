"""A draft per jurisdiction pack, shaped to pass the pack's default profile (Peppol BIS, XRechnung, EN 16931)."""

from __future__ import annotations

from typing import Any

from tax_rules.pack import jurisdiction
from tests.tax_rules.vat_ids import valid_vat_id


def gln(body: str) -> str:
    """A GS1 GLN with its check digit (12 digits in, 13 out)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def pack_draft(country: str, number: str) -> dict[str, Any]:
    pack = jurisdiction(country)
    seller_vat = valid_vat_id(country, 0)
    buyer_vat = valid_vat_id(country, 1)
    address = {
        "lines": ["Main Street 1"],
        "city": "Capital",
        "postal_code": "12345",
        "country": country,
    }
    return {
        "number": number,
        "issue_date": "2026-11-02",
        "delivery_date": "2026-11-01",
        "due_date": "2026-12-02",
        "currency": pack.currency,
        "buyer_reference": "04011000-12345-03",  # a Leitweg-ID shape (XRechnung BT-10)
        "purchase_order_reference": "PO-1",
        "seller": {
            "name": f"Seller {country}",
            "vat_id": seller_vat,
            "tax_registration_id": "TAX-12345",
            "legal_id": {"value": "REG-1", "scheme": None},
            "electronic_address": {"value": gln("400000100000"), "scheme": "0088"},
            "address": address,
            "contact": {"name": "Accounts", "phone": "+1 555 0100", "email": "ar@seller.example"},
        },
        "buyer": {
            "name": f"Buyer {country}",
            "vat_id": buyer_vat,
            "electronic_address": {"value": gln("400000200000"), "scheme": "0088"},
            "address": {**address, "lines": ["Side Street 2"]},
            "contact": {"name": "Purchasing", "email": "ap@buyer.example"},
        },
        "payment": {
            "means_code": "58",
            "accounts": [{"iban": "DE89370400440532013000"}],
            "terms": "30 days net",
        },
        "lines": [
            {
                "id": "1",
                "name": "Consulting",
                "quantity": "3",
                "unit": "HUR",
                "unit_price": "120.00",
                "tax_class": "standard",
            },
            {
                "id": "2",
                "name": "Manual",
                "quantity": "1",
                "unit": "C62",
                "unit_price": "20.00",
                "tax_class": "standard",
            },
        ],
    }


def national_adjustments(country: str, draft: dict[str, Any]) -> dict[str, Any]:
    """What the Peppol national rules of some countries ask of a seller from there."""
    seller = draft["seller"]
    if country == "DK":  # DK-R-014: the CVR number (the digits of the VAT id) as legal id
        seller["legal_id"] = {"value": seller["vat_id"][2:], "scheme": "0184"}
    elif country == "NL":  # NL-R-003: a KVK (0106) or OIN (0190) legal id
        seller["legal_id"] = {"value": "12345678", "scheme": "0106"}
    elif country == "SE":  # SE-R-003..013: a Luhn-valid organisation number, F-skatt text
        seller["legal_id"] = {"value": seller["vat_id"][2:12], "scheme": "0007"}
        seller["tax_registration_id"] = "Godkänd för F-skatt"
    elif country == "GR":  # GR-R-001..010: number layout, names, MARK, TIN endpoints
        tin = seller["vat_id"][2:]
        draft["number"] = f"{tin}|02/11/2026|0|1.1|A|{draft['number'].rsplit('-', 1)[-1]}"
        seller["trading_name"] = seller["name"]
        draft["buyer"]["trading_name"] = draft["buyer"]["name"]
        seller["electronic_address"] = {"value": tin, "scheme": "9933"}
        draft["buyer"]["electronic_address"] = {
            "value": draft["buyer"]["vat_id"][2:],
            "scheme": "9933",
        }
        draft["supporting_documents"] = [{"id": "400001234567890", "description": "##M.AR.K##"}]
    return draft
