"""VAT category choice: which UNCL5305 category, rate and exemption reason a line gets.

In this order:

1. an explicit ``vat_category`` + ``vat_rate`` from the ERP (checked against the pack of
   the country that taxes the line);
2. the seller's regime for the whole invoice: not subject to VAT (O), small-business
   exemption (E), a domestic reverse-charge case (AE);
3. the place of supply (:mod:`tax_rules.place`): K, AE, G or O, or the country whose
   rates apply;
4. the rate of the line's tax class in that country's pack: S (rate > 0), Z (class
   ``zero`` or a 0 % rate) or E (class ``exempt``, with the ERP's exemption reason).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from schemas.model import InvoiceDraft
from tax_rules.errors import Problem, TaxRuleError
from tax_rules.pack import Pack

ZERO = Decimal("0")


@dataclass(frozen=True)
class Treatment:
    """The VAT treatment of one line or document allowance/charge."""

    category: str
    rate: Decimal | None
    exemption_code: str | None = None
    exemption_reason: str | None = None
    why: str = ""


@dataclass(frozen=True)
class Regime:
    """A treatment that applies to every line of the invoice, or None for per-line rates."""

    treatment: Treatment | None


_EXEMPT_CATEGORIES = {"E", "AE", "K", "G", "O"}
VATEX_TEXT = {
    "K": ("VATEX-EU-IC", "Intra-community supply"),
    "AE": ("VATEX-EU-AE", "Reverse charge"),
    "G": ("VATEX-EU-G", "Export outside the EU"),
    "O": ("VATEX-EU-O", "Not subject to VAT"),
}


def regime(draft: InvoiceDraft, pack: Pack) -> Regime:
    """Decides whether the seller's status puts every line under one treatment, and which.

    Raises:
        TaxRuleError: A reverse-charge case the pack does not know.
    """
    if draft.vat_regime == "not_subject":
        code, text = VATEX_TEXT["O"]
        return Regime(
            Treatment("O", None, code, text, "the seller states the supply is not subject to VAT")
        )
    if draft.vat_regime == "small_business":
        small = pack.small_business
        return Regime(Treatment("E", ZERO, None, small.reason, f"{pack.country} {small.name}"))
    if draft.reverse_charge_case:
        cases = pack.reverse_charge_cases
        case = cases.get(draft.reverse_charge_case)
        if case is None:
            raise TaxRuleError(
                [
                    Problem(
                        field="reverse_charge_case",
                        message=f"{pack.country} has no domestic reverse-charge case {draft.reverse_charge_case!r}; "
                        f"known: {', '.join(sorted(cases)) or 'none'}",
                        rule="tax.unknown-reverse-charge-case",
                        value=draft.reverse_charge_case,
                    )
                ]
            )
        return Regime(
            Treatment(
                "AE",
                ZERO,
                "VATEX-EU-AE",
                case.text,
                f"{pack.country} domestic reverse charge: {case.description}",
            )
        )
    return Regime(None)


def by_tax_class(
    *,
    field: str,
    tax_class: str | None,
    pack: Pack,
    on: date,
    exemption_reason: str | None,
    exemption_code: str | None,
) -> Treatment:
    """The domestic treatment of a tax class on the tax point date.

    Raises:
        TaxRuleError: No tax class, an unknown one, no rate on the date, or an
            exempt line without an exemption reason (BR-E-10).
    """
    if not tax_class:
        raise TaxRuleError(
            [
                Problem(
                    field=field,
                    message="give a tax_class, or vat_category and vat_rate",
                    rule="tax.no-vat-information",
                )
            ]
        )
    if tax_class == "exempt":
        if not (exemption_reason or exemption_code):
            raise TaxRuleError(
                [
                    Problem(
                        field="exemption_reason",
                        message="exempt lines (category E) need an exemption reason text or VATEX code (BT-120/BT-121)",
                        rule="BR-E-10",
                    )
                ]
            )
        return Treatment(
            "E", ZERO, exemption_code, exemption_reason, f"{pack.country} exempt supply"
        )
    try:
        rate = pack.rate(tax_class, on)
    except TaxRuleError as exc:
        raise TaxRuleError([replace(p, field=field) for p in exc.problems]) from None
    if tax_class == "zero" or rate == ZERO:
        return Treatment("Z", ZERO, None, None, f"{pack.country} {tax_class} rate on {on}")
    return Treatment("S", rate, None, None, f"{pack.country} {tax_class} rate on {on}")


def explicit(
    *,
    field: str,
    category: str,
    rate: Decimal | None,
    pack: Pack,
    on: date,
    exemption_reason: str | None,
    exemption_code: str | None,
) -> Treatment:
    """Checks a VAT category and rate the ERP states, against the pack on the tax point date.

    Raises:
        TaxRuleError: A standard rate that is not in force in the seller's country on
            that date (naming the valid rates), or a rate on a category that has none.
    """
    if category == "S":
        valid = sorted(r for r in pack.valid_rates(on) if r > ZERO)
        if rate is None or rate not in valid:
            raise TaxRuleError(
                [
                    Problem(
                        field=f"{field}.vat_rate",
                        message=f"{rate} % is not a VAT rate of {pack.country} on {on}; valid rates: "
                        + ", ".join(f"{r} %" for r in valid),
                        rule="tax.rate-not-valid",
                        value=str(rate),
                    )
                ]
            )
        return Treatment("S", rate, None, None, "stated by the ERP")
    if category in _EXEMPT_CATEGORIES | {"Z"}:
        if category == "O":
            if rate not in (None, ZERO):
                raise TaxRuleError(
                    [
                        Problem(
                            field=f"{field}.vat_rate",
                            message="category O has no VAT rate",
                            rule="BR-O-05",
                            value=str(rate),
                        )
                    ]
                )
            return Treatment("O", None, *VATEX_TEXT["O"], why="stated by the ERP")
        if rate not in (None, ZERO):
            raise TaxRuleError(
                [
                    Problem(
                        field=f"{field}.vat_rate",
                        message=f"category {category} has the rate 0, not {rate}",
                        rule=f"BR-{'IC' if category == 'K' else category}-05",
                        value=str(rate),
                    )
                ]
            )
        code: str | None
        text: str | None
        code, text = VATEX_TEXT.get(category, (exemption_code or "", exemption_reason or ""))
        if category == "E":
            code, text = exemption_code, exemption_reason
            if not (code or text):
                raise TaxRuleError(
                    [
                        Problem(
                            field="exemption_reason",
                            message="category E needs an exemption reason (BT-120/BT-121)",
                            rule="BR-E-10",
                        )
                    ]
                )
        return Treatment(
            category,
            ZERO,
            code if category != "Z" else None,
            text if category != "Z" else None,
            "stated by the ERP",
        )
    # L, M, B: regional or special schemes; the rate is taken as stated.
    return Treatment(
        category, rate, exemption_code, exemption_reason, "stated by the ERP (regional scheme)"
    )
