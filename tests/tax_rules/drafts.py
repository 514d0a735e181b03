"""Draft builders for the tax engine tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from schemas.model import InvoiceDraft

DESIGN_DRAFT = Path(__file__).resolve().parent.parent / "data" / "design_draft.json"

# Real, check-digit-valid VAT identifiers of public companies, per country.
VALID_VAT_IDS = {
    "DE": "DE811907980",
    "FR": "FR40303265045",
    "AT": "ATU13585627",
    "BE": "BE0403170701",
    "NL": "NL004495445B01",
    "SE": "SE556703748501",
    "GB": "GB980780684",
}


def design_draft(**changes: Any) -> dict[str, Any]:
    """The draft of DESIGN.md with a check-digit-valid seller VAT id (DE123456789 is not valid)."""
    data = json.loads(DESIGN_DRAFT.read_text())
    data["seller"]["vat_id"] = VALID_VAT_IDS["DE"]
    data["seller"]["electronic_address"]["value"] = VALID_VAT_IDS["DE"]
    data.update(changes)
    return data


def domestic_de(**changes: Any) -> dict[str, Any]:
    """The DESIGN.md draft sold to a German business."""
    data = design_draft()
    data["buyer"] = copy.deepcopy(data["buyer"])
    data["buyer"]["vat_id"] = "DE136695976"
    data["buyer"]["address"] = {
        "lines": ["Ring 2"],
        "city": "Hamburg",
        "postal_code": "20095",
        "country": "DE",
    }
    data["buyer"]["electronic_address"] = {"value": "DE136695976", "scheme": "9930"}
    data["delivery"] = None
    data.update(changes)
    return data


def draft(data: dict[str, Any]) -> InvoiceDraft:
    """Validates a draft dict."""
    return InvoiceDraft.model_validate(data)
