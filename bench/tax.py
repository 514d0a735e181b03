"""Benchmark: tax engine throughput (``complete``) for 10-, 100- and 1,000-line drafts.

Run: ``.venv/bin/python bench/tax.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from schemas.model import InvoiceDraft  # noqa: E402
from tax_rules import complete  # noqa: E402


def draft(lines: int) -> InvoiceDraft:
    classes = ["standard", "reduced", "food_service", "zero"]
    return InvoiceDraft.model_validate(
        {
            "number": f"TAX-{lines}",
            "issue_date": "2026-11-01",
            "delivery_date": "2026-10-30",
            "currency": "EUR",
            "seller": {
                "name": "Seller GmbH",
                "vat_id": "DE811907980",
                "address": {"country": "DE"},
            },
            "buyer": {"name": "Buyer AG", "vat_id": "DE136695976", "address": {"country": "DE"}},
            "allowances": [{"amount": "5.00", "reason": "Discount", "tax_class": "standard"}],
            "lines": [
                {
                    "id": str(i),
                    "name": f"Article {i}",
                    "quantity": f"{i % 9 + 1}.125",
                    "unit": "C62",
                    "unit_price": f"{i % 50 + 1}.4567",
                    "tax_class": classes[i % len(classes)],
                    "allowances": [{"amount": "0.50", "reason": "Line discount"}]
                    if i % 3 == 0
                    else [],
                }
                for i in range(1, lines + 1)
            ],
        }
    )


if __name__ == "__main__":
    for lines in (10, 100, 1000):
        value = draft(lines)
        complete(value)  # warm up (packs load once)
        rounds = {10: 2000, 100: 300, 1000: 30}[lines]
        started = time.perf_counter()
        for _ in range(rounds):
            complete(value)
        elapsed = time.perf_counter() - started
        print(
            f"complete() {lines:5d} lines: {rounds / elapsed:8.1f} invoices/s ({elapsed / rounds * 1000:7.2f} ms each)"
        )
