"""The VAT engine: completes a draft into an EN 16931 invoice that the official rules accept.

Amounts follow EN 16931 exactly (``Decimal``, ``ROUND_HALF_UP``, never float):

* line net amount (BT-131) = round2(quantity x net price / base quantity)
  + line charges - line allowances;
* BT-106 = sum of line net amounts (BR-CO-10), BT-107/BT-108 = sums of document
  allowances/charges (BR-CO-11/12), BT-109 = BT-106 - BT-107 + BT-108 (BR-CO-13);
* per VAT category and rate (BG-23): taxable amount (BR-CO-?/BR-S-08 etc.) and
  VAT = round2(taxable x rate / 100) (BR-CO-17); BT-110 = sum of BT-117 (BR-CO-14);
* BT-112 = BT-109 + BT-110 (BR-CO-15); BT-115 = BT-112 - BT-113 + BT-114 (BR-CO-16).

What the ERP states (line net amounts, totals, breakdown) is recomputed; a
difference is an error showing both values and the rule.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from typing import Any

from pydantic import ValidationError

from schemas.model import (
    AllowanceCharge,
    AllowanceChargeDraft,
    Buyer,
    Identifier,
    Invoice,
    InvoiceDraft,
    InvoiceLine,
    LineDraft,
    Seller,
    TaxContext,
    VatBreakdown,
)
from tax_rules import category as categories
from tax_rules import mandate, national, vat_id
from tax_rules.category import Treatment
from tax_rules.errors import Problem, TaxRuleError
from tax_rules.pack import Pack, jurisdiction
from tax_rules.place import Taxation, decide
from tax_rules.trace import Trace, round2
from tax_rules.warning import TaxWarning

ZERO = Decimal("0.00")


#: Draft fields that are instructions to the engine, not terms of the completed invoice.
DRAFT_ONLY = frozenset(InvoiceDraft.model_fields) - frozenset(Invoice.model_fields)
#: Invoice fields the engine computes itself from the draft's.
RECOMPUTED = frozenset({"lines", "allowances", "charges", "totals", "vat_breakdown"})
LINE_DRAFT_ONLY = frozenset(LineDraft.model_fields) - frozenset(InvoiceLine.model_fields)
CHARGE_DRAFT_ONLY = frozenset(AllowanceChargeDraft.model_fields) - frozenset(
    AllowanceCharge.model_fields
)


@dataclass(frozen=True)
class Completion:
    """A completed invoice, how every amount in it was computed, and what the seller should know.

    ``warnings`` do not block the invoice: a mandate the gateway cannot serve, a
    registration the place of supply implies.
    """

    invoice: Invoice
    trace: Trace
    warnings: tuple[TaxWarning, ...] = ()


def _treatment(
    item: Any,
    *,
    field: str,
    regime: Treatment | None,
    taxation: Taxation | None,
    draft: InvoiceDraft,
    seller: Pack,
    on: date,
) -> Treatment:
    pack = taxation.pack if taxation is not None else seller
    if item.vat_category is not None:
        return categories.explicit(
            field=field,
            category=item.vat_category,
            rate=item.vat_rate,
            pack=pack,
            on=on,
            exemption_reason=draft.exemption_reason,
            exemption_code=draft.exemption_reason_code,
        )
    if regime is not None:
        return regime
    if taxation is not None and taxation.fixed is not None:
        return taxation.fixed
    return categories.by_tax_class(
        field=f"{field}.tax_class",
        tax_class=item.tax_class,
        pack=pack,
        on=on,
        exemption_reason=draft.exemption_reason,
        exemption_code=draft.exemption_reason_code,
    )


def _line_net(index: int, line: LineDraft, trace: Trace) -> Decimal:
    base = line.base_quantity or Decimal("1")
    target = f"lines[{index}].net_amount"
    gross = trace.record(
        f"{target} (price x quantity)",
        "EN16931 BT-131",
        "round2(quantity x net price / base quantity)",
        round2(line.quantity * line.unit_price / base),
        quantity=line.quantity,
        net_price=line.unit_price,
        base_quantity=base,
    )
    charges = sum((c.amount for c in line.charges), ZERO)
    allowances = sum((a.amount for a in line.allowances), ZERO)
    if not line.charges and not line.allowances:
        return gross
    return trace.record(
        target,
        "EN16931 BT-131",
        "price x quantity + line charges - line allowances",
        gross + charges - allowances,
        price_x_quantity=gross,
        line_charges=charges,
        line_allowances=allowances,
    )


def _requirements(
    draft: InvoiceDraft, used: set[str], seller: Seller, buyer: Buyer, *, derived_o: bool
) -> list[Problem]:
    """Checks the parties carry what the official rules require for the categories used."""
    problems: list[Problem] = []
    representative_vat = draft.tax_representative.vat_id if draft.tax_representative else None
    seller_tax_id = seller.vat_id or representative_vat
    if not (seller.identifiers or seller.legal_id or seller.vat_id):
        problems.append(
            Problem(
                field="seller",
                message="give the seller identifier, legal registration id or VAT id",
                rule="BR-CO-26",
            )
        )
    for category in sorted(used):
        if category in ("S", "Z", "E") and not (seller_tax_id or seller.tax_registration_id):
            problems.append(
                Problem(
                    field="seller.vat_id",
                    message=f"category {category} needs the seller VAT id (BT-31), tax registration id (BT-32) or tax representative VAT id (BT-63)",
                    rule=f"BR-{category}-02",
                )
            )
        if category in ("AE", "K", "G") and not seller_tax_id:
            problems.append(
                Problem(
                    field="seller.vat_id",
                    message=f"category {category} needs the seller VAT id (BT-31) or tax representative VAT id (BT-63)",
                    rule=f"BR-{'IC' if category == 'K' else category}-02",
                )
            )
        if category == "AE" and not (buyer.vat_id or buyer.legal_id):
            problems.append(
                Problem(
                    field="buyer.vat_id",
                    message="reverse charge needs the buyer VAT id (BT-48) or legal registration id (BT-47)",
                    rule="BR-AE-02",
                )
            )
        if category == "K":
            if not buyer.vat_id:
                problems.append(
                    Problem(
                        field="buyer.vat_id",
                        message="an intra-community supply needs the buyer VAT id (BT-48)",
                        rule="BR-IC-02",
                    )
                )
            if not (draft.delivery_date or draft.invoice_period):
                problems.append(
                    Problem(
                        field="delivery_date",
                        message="an intra-community supply needs the actual delivery date (BT-72) or the invoicing period (BG-14)",
                        rule="BR-IC-11",
                    )
                )
            if not (draft.delivery and draft.delivery.address) and not draft.goods_dispatched_to:
                problems.append(
                    Problem(
                        field="delivery.address.country",
                        message="an intra-community supply needs the deliver-to country (BT-80)",
                        rule="BR-IC-12",
                    )
                )
        # Where the engine derived O itself it moves the party VAT ids (or BR-O-11 is the
        # problem); a tax representative's VAT id (BT-63) cannot be moved.
        party_vat_ids = (seller.vat_id or buyer.vat_id) and not derived_o
        if category == "O" and (party_vat_ids or representative_vat):
            problems.append(
                Problem(
                    field="seller.vat_id",
                    message="an invoice not subject to VAT (O) must not carry seller, tax representative or buyer VAT ids",
                    rule="BR-O-02",
                )
            )
    if "O" in used and len(used) > 1:
        # Reported alone: the other categories' party requirements contradict O's (BR-O-02),
        # so listing them would send the ERP after the wrong fix.
        return [
            Problem(
                field="lines",
                message="category O cannot be combined with other VAT categories",
                rule="BR-O-11",
            )
        ]
    return problems


def _check_vat_ids(draft: InvoiceDraft) -> list[Problem]:
    found = []
    for field, value in (
        ("seller.vat_id", draft.seller.vat_id),
        ("buyer.vat_id", draft.buyer.vat_id),
        (
            "tax_representative.vat_id",
            draft.tax_representative.vat_id if draft.tax_representative else None,
        ),
    ):
        if value:
            problem = vat_id.check(field, value)
            if problem:
                found.append(problem)
    return found


def _stated(
    problems: list[Problem], field: str, stated: Decimal | None, computed: Decimal, rule: str
) -> None:
    if stated is not None and stated != computed:
        problems.append(
            Problem(
                field=field,
                message=f"the ERP states {stated}, the rules compute {computed}",
                rule=rule,
                value=str(stated),
            )
        )


def complete_with_trace(
    draft: InvoiceDraft, *, on: date | None = None, tax_context: TaxContext | None = None
) -> Completion:
    """Completes a draft and returns the invoice with the trace of every decision and amount.

    Args:
        draft: What the ERP sent.
        on: The tax point date whose rates apply; default BT-7, else BT-72, else the
            invoicing period end, else the issue date.
        tax_context: The tenant's distance-selling status (OSS registration, threshold);
            the draft's own ``tax_context`` wins when it has one.

    Raises:
        TaxRuleError: With every problem found (field path, message, rule, value).
    """
    # Enough precision that every product of the model's numbers (at most 15 integer
    # and 12 decimal digits) is exact before it is rounded as EN 16931 says.
    with localcontext() as context:
        context.prec = 60
        try:
            return _complete(draft, on=on, tax_context=tax_context)
        except ValidationError as exc:
            # Computed amounts outside what the model accepts (say, over 10^15).
            raise TaxRuleError(
                [
                    Problem(
                        field=".".join(str(p) for p in item["loc"]),
                        message=item["msg"],
                        rule="EN16931-model",
                    )
                    for item in exc.errors()
                ]
            ) from None


def _label(treatment: Treatment) -> str:
    return f"{treatment.category} {treatment.rate if treatment.rate is not None else ''}".strip()


def _without_vat_ids(
    seller: Seller, buyer: Buyer, trace: Trace, pack: Pack
) -> tuple[Seller, Buyer]:
    """The parties of an invoice not subject to VAT (O), without the VAT ids BR-O-02 forbids.

    The seller's VAT id becomes its tax registration id (BT-32), and also its seller
    identifier (BT-29) when it has neither BT-29 nor a legal id (BR-CO-26); the buyer's
    becomes a buyer identifier (BT-46). Both stay on the invoice, outside BT-31/BT-48.
    """
    if seller.vat_id:
        changes: dict[str, Any] = {"vat_id": None}
        # A pack module may reserve BT-32 for a fixed text (SE-R-005: 'Godkänd för F-skatt').
        reserved = getattr(pack.module, "TAX_REGISTRATION_TEXT", None)
        if not seller.tax_registration_id and reserved is None:
            changes["tax_registration_id"] = seller.vat_id
        if not (seller.identifiers or seller.legal_id):
            changes["identifiers"] = (Identifier(value=seller.vat_id),)
        moved = [
            term
            for term, key in (("BT-32", "tax_registration_id"), ("BT-29", "identifiers"))
            if key in changes
        ]
        trace.decide(
            "seller.vat_id",
            f"moved to {' and '.join(moved)}"
            if moved
            else "left out (BT-32 and a seller identifier are already given)",
            "an invoice not subject to VAT must not carry BT-31 (BR-O-02)",
        )
        seller = seller.model_copy(update=changes)
    if buyer.vat_id:
        trace.decide(
            "buyer.vat_id",
            "moved to BT-46",
            "an invoice not subject to VAT must not carry BT-48 (BR-O-02)",
        )
        buyer = buyer.model_copy(
            update={
                "vat_id": None,
                "identifiers": (*buyer.identifiers, Identifier(value=buyer.vat_id)),
            }
        )
    return seller, buyer


def _complete(
    draft: InvoiceDraft, *, on: date | None, tax_context: TaxContext | None
) -> Completion:
    """The computation of :func:`complete_with_trace`, inside its decimal context."""
    seller_pack = jurisdiction(draft.seller.address.country)
    tax_point = on or draft.tax_point
    context = draft.tax_context or tax_context or TaxContext()
    trace = Trace()
    warnings: list[TaxWarning] = []
    problems = _check_vat_ids(draft)
    if not draft.number:
        problems.append(
            Problem(
                field="number",
                message="the invoice number (BT-1) is missing; assign one before completing",
                rule="BR-02",
            )
        )
    problems.extend(national.requirements(draft, seller_pack))
    regime = categories.regime(draft, seller_pack).treatment
    if regime is not None:
        trace.decide("invoice", _label(regime), regime.why)

    lines: list[dict[str, Any]] = []
    groups: dict[tuple[str, Decimal | None], dict[str, Any]] = defaultdict(
        lambda: {"lines": ZERO, "allowances": ZERO, "charges": ZERO, "treatment": None}
    )
    derived_o = False
    places: dict[tuple[str | None, str | None], Taxation] = {}

    def treat(
        item: Any, field: str, kind: str | None, performed_in: str | None
    ) -> Treatment | None:
        # A line or allowance/charge's treatment; its problems are collected, not raised,
        # so that one response names every problem of the draft.
        nonlocal derived_o
        try:
            taxation = None
            if regime is None:
                # Lines of one kind and place share a decision; problems name each line.
                taxation = places.get((kind, performed_in))
                if taxation is None:
                    taxation = decide(
                        draft,
                        seller_pack,
                        field=field,
                        kind=kind,
                        performed_in=performed_in,
                        context=context,
                    )
                    places[(kind, performed_in)] = taxation
            treatment = _treatment(
                item,
                field=field,
                regime=regime,
                taxation=taxation,
                draft=draft,
                seller=seller_pack,
                on=tax_point,
            )
        except TaxRuleError as exc:
            problems.extend(exc.problems)
            return None
        if taxation is not None:
            if treatment.category == "O" and taxation.fixed is not None:
                derived_o = True
            where = f"; rates of {taxation.pack.country}" if taxation.fixed is None else ""
            trace.decide(field, _label(treatment), f"{taxation.why}{where}")
            if taxation.note:
                warnings.append(
                    TaxWarning(code="tax.registration-abroad", field=field, message=taxation.note)
                )
        return treatment

    for index, line in enumerate(draft.lines):
        treatment = treat(
            line,
            f"lines[{index}]",
            line.service_kind or draft.service_kind,
            line.place_of_performance or draft.place_of_performance,
        )
        if treatment is None:
            continue
        net = _line_net(index, line, trace)
        _stated(problems, f"lines[{index}].net_amount", line.net_amount, net, "EN16931 BT-131")
        group = groups[(treatment.category, treatment.rate)]
        group["lines"] += net
        group["treatment"] = treatment
        data = line.model_dump(exclude=set(LINE_DRAFT_ONLY))
        data.update(net_amount=net, vat_category=treatment.category, vat_rate=treatment.rate)
        lines.append(data)

    documents: dict[str, list[dict[str, Any]]] = {"allowances": [], "charges": []}
    for kind in ("allowances", "charges"):
        for index, item in enumerate(getattr(draft, kind)):
            treatment = treat(
                item, f"{kind}[{index}]", draft.service_kind, draft.place_of_performance
            )
            if treatment is None:
                continue
            group = groups[(treatment.category, treatment.rate)]
            group[kind] += item.amount
            group["treatment"] = group["treatment"] or treatment
            data = item.model_dump(exclude=set(CHARGE_DRAFT_ONLY))
            data.update(vat_category=treatment.category, vat_rate=treatment.rate)
            documents[kind].append(data)

    seller, buyer = draft.seller, draft.buyer
    if derived_o and {category for category, _ in groups} == {"O"}:
        # Mixed with other categories the invoice breaks BR-O-11, which is reported alone.
        seller, buyer = _without_vat_ids(seller, buyer, trace, seller_pack)
    problems.extend(
        _requirements(
            draft, {category for category, _ in groups}, seller, buyer, derived_o=derived_o
        )
    )
    if problems:
        raise TaxRuleError(problems)

    line_total = trace.record(
        "totals.line_net_total",
        "BR-CO-10",
        "sum of line net amounts",
        sum((line["net_amount"] for line in lines), ZERO),
    )
    allowance_total = sum((a["amount"] for a in documents["allowances"]), ZERO)
    charge_total = sum((c["amount"] for c in documents["charges"]), ZERO)
    if documents["allowances"]:
        trace.record(
            "totals.allowance_total", "BR-CO-11", "sum of document allowances", allowance_total
        )
    if documents["charges"]:
        trace.record("totals.charge_total", "BR-CO-12", "sum of document charges", charge_total)
    without_vat = trace.record(
        "totals.total_without_vat",
        "BR-CO-13",
        "BT-106 - BT-107 + BT-108",
        line_total - allowance_total + charge_total,
        line_net_total=line_total,
        allowance_total=allowance_total,
        charge_total=charge_total,
    )
    breakdown: list[VatBreakdown] = []
    for (category, rate), group in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or Decimal(-1))
    ):
        chosen: Treatment = group["treatment"]
        label = f"vat_breakdown[{category} {rate if rate is not None else '-'}]"
        taxable = trace.record(
            f"{label}.taxable_amount",
            f"BR-{'IC' if category == 'K' else category}-08",
            "sum of line net amounts - document allowances + document charges of this category and rate",
            group["lines"] - group["allowances"] + group["charges"],
            lines=group["lines"],
            allowances=group["allowances"],
            charges=group["charges"],
        )
        vat = trace.record(
            f"{label}.vat_amount",
            "BR-CO-17",
            "round2(taxable amount x rate / 100)",
            round2(taxable * (rate or Decimal(0)) / 100),
            taxable=taxable,
            rate=rate,
        )
        breakdown.append(
            VatBreakdown(
                taxable_amount=taxable,
                vat_amount=vat,
                category=category,
                # O lines carry no rate (BR-O-05), but the breakdown states 0: EN 16931
                # allows it (BR-48) and XRechnung requires it (BR-DE-14).
                rate=Decimal(0) if category == "O" else rate,
                exemption_reason=chosen.exemption_reason,
                exemption_reason_code=chosen.exemption_code,
            )
        )
    vat_total = trace.record(
        "totals.vat_total",
        "BR-CO-14",
        "sum of VAT category tax amounts",
        sum((b.vat_amount for b in breakdown), ZERO),
    )
    with_vat = trace.record(
        "totals.total_with_vat",
        "BR-CO-15",
        "BT-109 + BT-110",
        without_vat + vat_total,
        total_without_vat=without_vat,
        vat_total=vat_total,
    )
    paid = draft.paid_amount
    rounding = draft.rounding_amount
    due = trace.record(
        "totals.amount_due",
        "BR-CO-16",
        "BT-112 - BT-113 + BT-114",
        with_vat - (paid or ZERO) + (rounding or ZERO),
        total_with_vat=with_vat,
        paid_amount=paid,
        rounding_amount=rounding,
    )
    totals = {
        "line_net_total": line_total,
        "allowance_total": allowance_total if documents["allowances"] else None,
        "charge_total": charge_total if documents["charges"] else None,
        "total_without_vat": without_vat,
        "vat_total": vat_total,
        "vat_total_accounting_currency": draft.vat_total_accounting_currency,
        "total_with_vat": with_vat,
        "paid_amount": paid,
        "rounding_amount": rounding,
        "amount_due": due,
    }
    _compare_stated(draft, totals, breakdown)

    data = draft.model_dump(exclude=set(DRAFT_ONLY | RECOMPUTED))
    data.update(seller=seller, buyer=buyer)
    if draft.goods_dispatched_to and not (draft.delivery and draft.delivery.address):
        # BT-80 carries where the goods go (BR-IC-12 asks for it on K invoices).
        delivery = draft.delivery.model_dump() if draft.delivery else {}
        delivery["address"] = {"country": draft.goods_dispatched_to}
        data["delivery"] = delivery
    warnings.extend(mandate.warnings(draft, seller_pack, on=draft.issue_date))
    data.update(
        lines=lines,
        allowances=documents["allowances"],
        charges=documents["charges"],
        totals=totals,
        vat_breakdown=breakdown,
    )
    return Completion(invoice=Invoice.model_validate(data), trace=trace, warnings=tuple(warnings))


def _compare_stated(
    draft: InvoiceDraft, totals: dict[str, Any], breakdown: list[VatBreakdown]
) -> None:
    problems: list[Problem] = []
    if draft.totals is not None:
        rules = {
            "line_net_total": "BR-CO-10",
            "allowance_total": "BR-CO-11",
            "charge_total": "BR-CO-12",
            "total_without_vat": "BR-CO-13",
            "vat_total": "BR-CO-14",
            "total_with_vat": "BR-CO-15",
            "amount_due": "BR-CO-16",
        }
        for name, rule in rules.items():
            stated = getattr(draft.totals, name)
            computed = totals[name] if totals[name] is not None else ZERO
            _stated(problems, f"totals.{name}", stated, computed, rule)
    if draft.vat_breakdown:
        computed = {(b.category, b.rate): b for b in breakdown}
        for index, stated in enumerate(draft.vat_breakdown):
            rate = Decimal(0) if stated.category == "O" else stated.rate
            match = computed.get((stated.category, rate))
            if match is None:
                problems.append(
                    Problem(
                        field=f"vat_breakdown[{index}]",
                        message=f"no line has category {stated.category} at {stated.rate} %",
                        rule="BR-CO-18",
                    )
                )
                continue
            _stated(
                problems,
                f"vat_breakdown[{index}].taxable_amount",
                stated.taxable_amount,
                match.taxable_amount,
                "BR-S-08",
            )
            _stated(
                problems,
                f"vat_breakdown[{index}].vat_amount",
                stated.vat_amount,
                match.vat_amount,
                "BR-CO-17",
            )
    if problems:
        raise TaxRuleError(problems)


def complete(
    draft: InvoiceDraft, *, on: date | None = None, tax_context: TaxContext | None = None
) -> Invoice:
    """Completes a draft into an invoice (see :func:`complete_with_trace`)."""
    return complete_with_trace(draft, on=on, tax_context=tax_context).invoice
