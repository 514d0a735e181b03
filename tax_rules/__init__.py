"""Jurisdiction VAT rules and the engine that completes a draft into an EN 16931 invoice."""

from tax_rules.engine import Completion, complete, complete_with_trace
from tax_rules.errors import TaxRuleError, UnknownTaxClass
from tax_rules.pack import jurisdiction, jurisdictions
from tax_rules.retention import RetentionDecision, retain_until
from tax_rules.warning import TaxWarning

__all__ = [
    "Completion",
    "RetentionDecision",
    "TaxRuleError",
    "TaxWarning",
    "UnknownTaxClass",
    "complete",
    "complete_with_trace",
    "jurisdiction",
    "jurisdictions",
    "retain_until",
]
