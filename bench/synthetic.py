"""Synthetic complete invoices of any size, consistent with the EN 16931 totals rules."""

from __future__ import annotations

from decimal import Decimal

from schemas.model import Invoice


def invoice_with_lines(count: int, *, type_code: str = "380") -> Invoice:
    """A domestic German invoice with ``count`` lines at 19 % and exact totals."""
    lines = []
    net_total = Decimal("0.00")
    for index in range(1, count + 1):
        quantity = Decimal(index % 7 + 1)
        price = Decimal("12.35") + Decimal(index % 13)
        net = (quantity * price).quantize(Decimal("0.01"))
        net_total += net
        lines.append(
            {
                "id": str(index),
                "quantity": str(quantity),
                "unit": "C62",
                "net_amount": str(net),
                "unit_price": str(price),
                "vat_category": "S",
                "vat_rate": "19",
                "name": f"Article {index}",
                "seller_item_id": f"ART-{index:06d}",
            }
        )
    vat = (net_total * Decimal("0.19")).quantize(Decimal("0.01"))
    return Invoice.model_validate(
        {
            "number": f"BENCH-{count}",
            "issue_date": "2026-11-01",
            "type_code": type_code,
            "currency": "EUR",
            "due_date": "2026-12-01",
            "buyer_reference": "BENCH",
            "seller": {
                "name": "Seller GmbH",
                "vat_id": "DE123456789",
                "electronic_address": {"value": "DE123456789", "scheme": "9930"},
                "address": {
                    "lines": ["Hauptstr. 1"],
                    "city": "Berlin",
                    "postal_code": "10115",
                    "country": "DE",
                },
                "contact": {
                    "name": "Accounts",
                    "phone": "+49 30 1234",
                    "email": "ar@seller.example",
                },
            },
            "buyer": {
                "name": "Buyer AG",
                "vat_id": "DE811907980",
                "electronic_address": {"value": "DE811907980", "scheme": "9930"},
                "address": {
                    "lines": ["Ring 2"],
                    "city": "Hamburg",
                    "postal_code": "20095",
                    "country": "DE",
                },
            },
            "payment": {"means_code": "58", "accounts": [{"account_id": "DE89370400440532013000"}]},
            "lines": lines,
            "totals": {
                "line_net_total": str(net_total),
                "total_without_vat": str(net_total),
                "vat_total": str(vat),
                "total_with_vat": str(net_total + vat),
                "amount_due": str(net_total + vat),
            },
            "vat_breakdown": [
                {
                    "taxable_amount": str(net_total),
                    "vat_amount": str(vat),
                    "category": "S",
                    "rate": "19",
                }
            ],
        }
    )
