"""Warnings on stored invoices: what EN 16931 allows but an integrator probably did not mean."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.api.schemas import InvoiceWarning

COMMERCIAL_INVOICE = "380"


def _negative(quantity: Any) -> bool:
    try:
        return Decimal(str(quantity)) < 0
    except (InvalidOperation, ValueError):
        return False


def invoice_warnings(invoice: dict[str, Any]) -> list[InvoiceWarning]:
    """Warnings for an invoice given as its stored EN 16931 JSON.

    A negative quantity (BT-129) on a commercial invoice (380) is allowed: it can
    correct an earlier line. More often a credit note (381) was meant, which the
    buyer's system books the other way round.

    >>> [w.field for w in invoice_warnings({"type_code": "380", "lines": [{"quantity": "1"}, {"quantity": "-2"}]})]
    ['lines.1.quantity']
    >>> invoice_warnings({"type_code": "381", "lines": [{"quantity": "-2"}]})
    []
    """
    if str(invoice.get("type_code", COMMERCIAL_INVOICE)) != COMMERCIAL_INVOICE:
        return []
    return [
        InvoiceWarning(
            code="EGW-NEGATIVE-QUANTITY",
            field=f"lines.{index}.quantity",
            message=f"line {line.get('id', index + 1)} has a negative quantity ({line.get('quantity')}) "
            "on a commercial invoice (380); if this corrects an earlier invoice, a credit note "
            "(type_code 381) with positive quantities may be meant",
        )
        for index, line in enumerate(invoice.get("lines") or [])
        if _negative(line.get("quantity"))
    ]
