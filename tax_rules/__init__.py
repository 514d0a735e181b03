"""Jurisdiction VAT rules and the engine that completes a draft into an EN 16931 invoice."""

from tax_rules.engine import Completion, complete, complete_with_trace
from tax_rules.errors import TaxRuleError
from tax_rules.pack import jurisdiction, jurisdictions

__all__ = [
    "Completion",
    "TaxRuleError",
    "complete",
    "complete_with_trace",
    "jurisdiction",
    "jurisdictions",
]
