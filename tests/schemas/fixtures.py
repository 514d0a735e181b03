"""Invoices that fill what :func:`tests.factories.full_invoice_data` leaves empty.

Some terms exclude others (BT-7 or BT-8, BR-CO-03; an exemption reason only with
an exempt category, BR-S-10), so one invoice cannot hold every term: these
variants hold the rest. Together with the full invoice and the drafts under
``tests/data`` they fill every field of the model (``test_sweeps`` checks it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemas.model import Invoice
from tests.factories import full_invoice_data

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def exempt_invoice_data(*, type_code: str = "380") -> dict[str, Any]:
    """The full invoice made VAT exempt (category E), with BT-7 instead of BT-8 and more schemes."""
    data = full_invoice_data(type_code=type_code)
    data["tax_point_date"] = "2026-10-31"
    data["seller"]["legal_id"] = {"value": "4000001000005", "scheme": "0088"}
    # A sole trader selling to a consumer: names and addresses are personal data.
    data["seller"]["is_natural_person"] = True
    data["buyer"]["is_natural_person"] = True
    data["buyer"]["address"]["subdivision"] = "Stockholms län"
    data["tax_representative"]["address"]["subdivision"] = "Skåne"
    data["delivery"]["address"]["subdivision"] = "Västra Götaland"
    data["payee"]["identifier"] = {"value": "7300010000009", "scheme": "0088"}
    data["charges"][0].update(base_amount="50.00", percentage="10")
    data["lines"][0]["charges"][0].update(base_amount="10.00", percentage="10")
    for item in [*data["allowances"], *data["charges"], *data["lines"]]:
        item.update(vat_category="E", vat_rate="0")
    data["vat_breakdown"] = [
        {
            "taxable_amount": "95.00",
            "vat_amount": "0.00",
            "category": "E",
            "rate": "0",
            "exemption_reason": "Exempt under Article 132 of Directive 2006/112/EC",
            "exemption_reason_code": "VATEX-EU-132",
        }
    ]
    data["totals"].update(
        vat_total="0.00",
        vat_total_accounting_currency="0.00",
        total_with_vat="95.00",
        amount_due="76.25",
    )
    return data


def exempt_invoice(*, type_code: str = "380") -> Invoice:
    """The invoice of :func:`exempt_invoice_data`."""
    return Invoice.model_validate(exempt_invoice_data(type_code=type_code))


def tax_point_code_invoice(*, type_code: str = "380") -> Invoice:
    """The full invoice with a VAT point date code (BT-8, "35": the delivery date) instead of BT-7."""
    data = full_invoice_data(type_code=type_code)
    data["tax_point_date_code"] = "35"
    data.pop("delivery_date")
    return Invoice.model_validate(data)


def drafts() -> list[dict[str, Any]]:
    """Every draft fixture: the files under ``tests/data`` and one with the remaining draft terms."""
    found = [json.loads(p.read_text("utf-8")) for p in sorted(DATA_DIR.glob("*.json"))]
    found.append(
        {
            "syntax": "cii",
            "number": "DRAFT-1",
            "issue_date": "2026-11-01",
            "currency": "EUR",
            "reverse_charge_case": "construction",
            "exemption_reason": "Exempt",
            "exemption_reason_code": "VATEX-EU-132",
            "paid_amount": "1.00",
            "rounding_amount": "0.01",
            "vat_total_accounting_currency": "2.00",
            "seller": {"name": "S GmbH", "address": {"country": "DE"}},
            "buyer": {"name": "B GmbH", "address": {"country": "DE"}},
            "charges": [{"amount": "5.00", "reason": "Freight", "tax_class": "standard"}],
            "lines": [
                {
                    "id": "1",
                    "name": "Work",
                    "quantity": "1",
                    "unit": "C62",
                    "unit_price": "10.00",
                    "tax_class": "standard",
                }
            ],
        }
    )
    # The place-of-supply inputs (issue 13): not EN 16931 terms, read by the tax engine only.
    found.append(
        {
            "number": "DRAFT-2",
            "issue_date": "2026-11-01",
            "currency": "EUR",
            "tax_context": {"oss": True, "eu_distance_sales_over_threshold": True},
            "service_kind": "general",
            "place_of_performance": "DE",
            "goods_dispatched_to": "AT",
            "seller": {"name": "S GmbH", "address": {"country": "DE"}},
            "buyer": {"name": "B GmbH", "address": {"country": "DE"}},
            "lines": [
                {
                    "id": "1",
                    "name": "Tickets",
                    "quantity": "1",
                    "unit": "C62",
                    "unit_price": "10.00",
                    "tax_class": "standard",
                    "service_kind": "event_admission",
                    "place_of_performance": "DE",
                }
            ],
        }
    )
    return found
