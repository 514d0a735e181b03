"""Exact Python forms of the EN 16931 UBL rules that need XPath 2.0: totals, VAT breakdown, dates.

The Python XPath 2.0 engine (:mod:`validators.native.xpath2`) costs about a
millisecond per VAT category and per total on a ten-line invoice; these forms
compute the same values with ``Decimal`` in microseconds. Each form is keyed by
rule id and *pinned* to the official test text: when the artifact's text is not
exactly the pinned one (a new release), the form is not used and the XPath 2.0
engine runs the official text, so a form can never outlive the rule it mirrors.

A form answers only in the plain case, where no subexpression could raise an
XPath dynamic error: every element it reads has text only, in the plain
``xs:decimal`` form (no exponent, at most 10 decimals and 30 digits, so each sum,
product and ``div 100`` is exact in Saxon's ``BigDecimal`` and here), at most one
of each child the rule casts, codes in ASCII, booleans spelled ``true``/``false``/
``1``/``0``. Anything else (two amounts where the rule casts one, ``1E2``, an
element inside an amount ...) returns None and the XPath 2.0 engine decides,
raising where Saxon raises. Because a form evaluates every operand in the plain
case, its answer does not depend on the order in which Saxon evaluates ``and``
and ``or``. The XPath 2.0 semantics followed (checked against Saxon, the judge):

- ``xs:decimal(untyped)`` collapses whitespace; ``-0.00`` equals 0 as a decimal;
- ``round`` rounds half towards positive infinity (``round(-2.5) = -2``);
- ``sum(())`` is 0; arithmetic or comparison with an empty operand gives () and false;
- ``untyped - 1`` casts to ``xs:double`` and ``xs:decimal(double)`` is the exact
  binary value (Saxon: ``xs:decimal(xs:double('99.1'))`` = 99.0999999999999943...);
- a general comparison with a sequence is true when any item compares true;
- ``untyped = true()`` casts the text to ``xs:boolean``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from decimal import ROUND_FLOOR, Context, Decimal, Inexact, InvalidOperation, localcontext
from typing import Any

from lxml import etree

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


def _cac(name: str) -> str:
    return f"{{{CAC}}}{name}"


def _cbc(name: str) -> str:
    return f"{{{CBC}}}{name}"


INVOICE_LINE, CREDIT_NOTE_LINE = _cac("InvoiceLine"), _cac("CreditNoteLine")
ALLOWANCE_CHARGE, TAX_CATEGORY = _cac("AllowanceCharge"), _cac("TaxCategory")
ITEM, CLASSIFIED_TAX_CATEGORY = _cac("Item"), _cac("ClassifiedTaxCategory")
TAX_SCHEME, TAX_TOTAL, TAX_SUBTOTAL = _cac("TaxScheme"), _cac("TaxTotal"), _cac("TaxSubtotal")
LEGAL_MONETARY_TOTAL = _cac("LegalMonetaryTotal")
ID, PERCENT, AMOUNT, CHARGE_INDICATOR = (
    _cbc("ID"),
    _cbc("Percent"),
    _cbc("Amount"),
    _cbc("ChargeIndicator"),
)
TAX_AMOUNT, TAXABLE_AMOUNT = _cbc("TaxAmount"), _cbc("TaxableAmount")
LINE_EXTENSION_AMOUNT = _cbc("LineExtensionAmount")
TAX_EXCLUSIVE_AMOUNT, TAX_INCLUSIVE_AMOUNT = _cbc("TaxExclusiveAmount"), _cbc("TaxInclusiveAmount")
ALLOWANCE_TOTAL_AMOUNT, CHARGE_TOTAL_AMOUNT = (
    _cbc("AllowanceTotalAmount"),
    _cbc("ChargeTotalAmount"),
)
PREPAID_AMOUNT, PAYABLE_AMOUNT = _cbc("PrepaidAmount"), _cbc("PayableAmount")
PAYABLE_ROUNDING_AMOUNT = _cbc("PayableRoundingAmount")
DOCUMENT_CURRENCY_CODE, TAX_CURRENCY_CODE = _cbc("DocumentCurrencyCode"), _cbc("TaxCurrencyCode")
START_DATE, END_DATE = _cbc("StartDate"), _cbc("EndDate")


class NotPlain(Exception):
    """The document is outside the plain case: the XPath 2.0 engine has to decide."""


_XML_SPACE = " \t\r\n"
# The xs:decimal form with at most 20 digits before the point and 10 after it.
_PLAIN_DECIMAL = re.compile(r"^[+-]?(\d{1,20}(\.\d{0,10})?|\.\d{1,10})$")
_PLAIN_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# Every operation on plain values is exact at this precision; Inexact proves it.
_EXACT = Context(prec=120, traps=[Inexact, InvalidOperation])
_HALF = Decimal("0.5")
_HUNDRED = Decimal(100)


# -- reading values the way XPath 2.0 atomizes them -------------------------------------


def _text(element: etree._Element) -> str:
    """The string value of an element with text only (no child element, comment or PI)."""
    if len(element):
        raise NotPlain
    return element.text or ""


def _optional(node: etree._Element, tag: str) -> etree._Element | None:
    """The one child of that name, or None; two of them is an XPath cardinality error."""
    found = None
    for child in node.iterchildren(tag):
        if found is not None:
            raise NotPlain
        found = child
    return found


def _decimal(element: etree._Element) -> Decimal:
    """``xs:decimal(element)`` in the plain case."""
    text = _text(element).strip(_XML_SPACE)
    if not _PLAIN_DECIMAL.match(text):
        raise NotPlain
    return Decimal(text)


def _decimal_of(node: etree._Element | None, tag: str) -> Decimal | None:
    """``xs:decimal(tag)`` with ``node`` as context: None for the empty sequence."""
    if node is None:
        return None
    element = _optional(node, tag)
    return None if element is None else _decimal(element)


def _double_plus(node: etree._Element, tag: str, addend: int) -> Decimal | None:
    """``xs:decimal(tag + addend)``: the untyped value is cast to xs:double first."""
    element = _optional(node, tag)
    if element is None:
        return None
    _decimal(element)  # the same plain form, so the double cast cannot fail
    return Decimal(float(_text(element).strip(_XML_SPACE)) + addend)


def _sum(nodes: Iterable[etree._Element], tag: str) -> Decimal:
    """``sum(nodes/xs:decimal(tag))``: 0 for none."""
    total = Decimal(0)
    for node in nodes:
        value = _decimal_of(node, tag)
        if value is not None:
            total += value
    return total


def _round(value: Decimal | None) -> Decimal | None:
    """XPath ``round``: half towards positive infinity."""
    if value is None:
        return None
    return (value + _HALF).to_integral_value(rounding=ROUND_FLOOR)


def _cents(value: Decimal | None) -> Decimal | None:
    """``round(value * 10 * 10) div 100``."""
    rounded = _round(None if value is None else value * 10 * 10)
    return None if rounded is None else rounded / _HUNDRED


def _plus(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a + b


def _minus(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


def _abs(value: Decimal | None) -> Decimal | None:
    return None if value is None else abs(value)


def _eq(a: Decimal | None, b: Decimal | None) -> bool:
    return a is not None and b is not None and a == b


def _ne(a: Decimal | None, b: Decimal | None) -> bool:
    return a is not None and b is not None and a != b


def _lt(a: Decimal | None, b: Decimal | None) -> bool:
    return a is not None and b is not None and a < b


def _code(element: etree._Element | None) -> str:
    """``normalize-space(element)`` for an ASCII code ("" for the empty sequence)."""
    if element is None:
        return ""
    text = _text(element)
    if not text.isascii():  # upper-case and whitespace beyond ASCII: leave it to XPath
        raise NotPlain
    return " ".join(text.split())


def _codes(nodes: Iterable[etree._Element], tag: str) -> Iterator[str]:
    """``nodes/normalize-space(tag)``: one code per node."""
    for node in nodes:
        yield _code(_optional(node, tag))


def _is_vat(tax_category: etree._Element) -> bool:
    """``[cac:TaxScheme/normalize-space(upper-case(cbc:ID))='VAT']``."""
    return any(c.upper() == "VAT" for c in _codes(tax_category.iterchildren(TAX_SCHEME), ID))


def _charge_indicator_is(charge: etree._Element, wanted: bool) -> bool:
    """``[cbc:ChargeIndicator = true()]`` (or false()): the text is cast to xs:boolean."""
    found = False
    for indicator in charge.iterchildren(CHARGE_INDICATOR):
        text = _text(indicator).strip(_XML_SPACE)
        if text not in ("true", "false", "1", "0"):
            raise NotPlain
        found = found or (text in ("true", "1")) == wanted
    return found


def _parent(node: etree._Element | None) -> etree._Element:
    """``..`` of an element that has an element parent (the document node is not modelled)."""
    parent = None if node is None else node.getparent()
    if parent is None:
        raise NotPlain
    return parent


def _date(element: etree._Element) -> datetime.date:
    """``xs:date(element)`` for a date without time zone (with one, comparison needs the implicit zone)."""
    found = _PLAIN_DATE.match(_text(element).strip(_XML_SPACE))
    if found is None:
        raise NotPlain
    try:
        return datetime.date(*(int(part) for part in found.groups()))
    except ValueError:
        raise NotPlain from None


# -- the rules --------------------------------------------------------------------------


def _line_extension_total(totals: etree._Element) -> bool:
    """BR-CO-10: sum of line net amounts = BT-106."""
    root = totals.getroottree().getroot()
    lines = root.iter(INVOICE_LINE, CREDIT_NOTE_LINE)  # //(cac:InvoiceLine|cac:CreditNoteLine)
    expected = _cents(_sum(lines, LINE_EXTENSION_AMOUNT))
    return _eq(_decimal_of(totals, LINE_EXTENSION_AMOUNT), expected)


def _charges(parent: etree._Element, *, charge: bool) -> list[etree._Element]:
    """``parent/cac:AllowanceCharge[cbc:ChargeIndicator = charge]``."""
    return [c for c in parent.iterchildren(ALLOWANCE_CHARGE) if _charge_indicator_is(c, charge)]


def _document_level_total(*, total: str, charge: bool) -> Callable[[etree._Element], bool]:
    """BR-CO-11 / BR-CO-12: sum of document level allowances (charges) = BT-107 (BT-108)."""

    def test(totals: etree._Element) -> bool:
        charges = _charges(_parent(totals), charge=charge)
        stated = _decimal_of(totals, total)
        return _eq(stated, _cents(_sum(charges, AMOUNT))) or (
            _optional(totals, total) is None and not charges
        )

    return test


def _tax_exclusive_total(totals: etree._Element) -> bool:
    """BR-CO-13: BT-109 = BT-106 - BT-107 + BT-108 (each case of present totals)."""
    charges, allowances = (
        _optional(totals, CHARGE_TOTAL_AMOUNT),
        _optional(totals, ALLOWANCE_TOTAL_AMOUNT),
    )
    exclusive = _decimal_of(totals, TAX_EXCLUSIVE_AMOUNT)
    lines = _decimal_of(totals, LINE_EXTENSION_AMOUNT)
    charge, allowance = (
        _decimal_of(totals, CHARGE_TOTAL_AMOUNT),
        _decimal_of(totals, ALLOWANCE_TOTAL_AMOUNT),
    )
    both = _eq(exclusive, _cents(_minus(_plus(lines, charge), allowance)))
    allowance_only = _eq(exclusive, _cents(_minus(lines, allowance)))
    charge_only = _eq(exclusive, _cents(_plus(lines, charge)))
    neither = _eq(exclusive, lines)
    if charges is not None:
        return both if allowances is not None else charge_only
    return allowance_only if allowances is not None else neither


def _tax_total(tax_total: etree._Element) -> bool:
    """BR-CO-14: BT-110 = sum of the VAT category tax amounts."""
    subtotals = list(tax_total.iterchildren(TAX_SUBTOTAL))
    expected = _cents(_sum(subtotals, TAX_AMOUNT))
    return _eq(_decimal_of(tax_total, TAX_AMOUNT), expected) or not subtotals


def _tax_inclusive_total(root: etree._Element) -> bool:
    """BR-CO-15: BT-112 = BT-109 + BT-110 (the tax total in the document currency)."""
    totals = _optional(root, LEGAL_MONETARY_TOTAL)
    inclusive = _decimal_of(totals, TAX_INCLUSIVE_AMOUNT)
    exclusive = _decimal_of(totals, TAX_EXCLUSIVE_AMOUNT)
    result = True
    for currency_code in root.iterchildren(DOCUMENT_CURRENCY_CODE):
        currency = _text(currency_code)
        # cac:TaxTotal/xs:decimal(cbc:TaxAmount[@currencyID=$Currency])
        amounts: list[Decimal] = []
        for tax_total in root.iterchildren(TAX_TOTAL):
            matching = [
                a for a in tax_total.iterchildren(TAX_AMOUNT) if a.get("currencyID") == currency
            ]
            if len(matching) > 1:
                raise NotPlain
            amounts.extend(_decimal(a) for a in matching)
        if len(amounts) > 1:  # "+" over two values: a type error in XPath
            raise NotPlain
        tax = amounts[0] if amounts else None
        holds = len(amounts) == 1 and _eq(inclusive, _cents(_plus(exclusive, tax)))
        result = result and holds
    return result


def _amount_due(totals: etree._Element) -> bool:
    """BR-CO-16: BT-115 = BT-112 - BT-113 + BT-114 (each case of present amounts)."""
    prepaid_present = _optional(totals, PREPAID_AMOUNT) is not None
    rounding_present = _optional(totals, PAYABLE_ROUNDING_AMOUNT) is not None
    payable = _decimal_of(totals, PAYABLE_AMOUNT)
    inclusive = _decimal_of(totals, TAX_INCLUSIVE_AMOUNT)
    prepaid = _decimal_of(totals, PREPAID_AMOUNT)
    rounding = _decimal_of(totals, PAYABLE_ROUNDING_AMOUNT)
    due = _cents(_minus(inclusive, prepaid))
    unrounded = _cents(_minus(payable, rounding))
    if prepaid_present:
        return _eq(unrounded, due) if rounding_present else _eq(payable, due)
    return _eq(unrounded, inclusive) if rounding_present else _eq(payable, inclusive)


def _vat_percent(subtotal: etree._Element) -> tuple[bool, Decimal | None]:
    """``cac:TaxCategory[VAT]/xs:decimal(cbc:Percent)``: (exists, the one value or None)."""
    values = [_decimal_of(c, PERCENT) for c in subtotal.iterchildren(TAX_CATEGORY) if _is_vat(c)]
    present = [v for v in values if v is not None]
    if len(present) > 1:  # round() and "*" over two values: a type error in XPath
        raise NotPlain
    return bool(present), present[0] if present else None


def _category_tax_amount(subtotal: etree._Element) -> bool:
    """BR-CO-17: BT-117 = BT-116 x BT-119 / 100, within one unit, or 0 at a zero rate."""
    has_percent, percent = _vat_percent(subtotal)
    tax = _decimal_of(subtotal, TAX_AMOUNT)
    taxable = _decimal_of(subtotal, TAXABLE_AMOUNT)
    rate = _round(percent)
    expected = _cents(
        None if taxable is None or percent is None else abs(taxable) * (percent / _HUNDRED)
    )
    within = _lt(_minus(_abs(tax), Decimal(1)), expected) and _lt(
        expected, _plus(_abs(tax), Decimal(1))
    )
    zero_tax = _eq(_round(tax), Decimal(0))
    return (
        (_eq(rate, Decimal(0)) and zero_tax)
        or (_ne(rate, Decimal(0)) and within)
        or (not has_percent and zero_tax)
    )


def _category_rate_or_not_subject(subtotal: etree._Element) -> bool:
    """BR-48: a VAT breakdown has a rate, unless its category is O."""
    categories = [c for c in subtotal.iterchildren(TAX_CATEGORY) if _is_vat(c)]
    has_percent = any(True for c in categories for _ in c.iterchildren(PERCENT))
    not_subject = any(code == "O" for code in _codes(categories, ID))
    return has_percent or not_subject


def _tax_currency_total(root: etree._Element) -> bool:
    """BR-53: with a VAT accounting currency, a tax total in that currency exists."""
    amounts = [
        amount.get("currencyID")
        for tax_total in root.getroottree().getroot().iter(TAX_TOTAL)  # //cac:TaxTotal
        for amount in tax_total.iterchildren(TAX_AMOUNT)
    ]
    return all(_text(code) in amounts for code in root.iterchildren(TAX_CURRENCY_CODE))


def _period(period: etree._Element) -> bool:
    """BR-29 / BR-30: an end date is not before the start date."""
    start, end = _optional(period, START_DATE), _optional(period, END_DATE)
    # Both are cast whenever present: Saxon may evaluate either operand first.
    start_date = None if start is None else _date(start)
    end_date = None if end is None else _date(end)
    return start_date is None or end_date is None or end_date >= start_date


def _matches(category: etree._Element, code: str, rate: Decimal | None) -> tuple[bool, bool]:
    """For one tax category: (its code is ``code``, its rate equals ``rate``)."""
    is_code = _code(_optional(category, ID)) == code
    percent = _decimal_of(category, PERCENT)
    return is_code, rate is not None and _eq(percent, rate)


def _any_matches(
    categories: Iterable[etree._Element], code: str, rate: Decimal | None
) -> tuple[bool, bool]:
    """Whether some category has the code, and whether some (maybe another) has the rate."""
    is_code = is_rate = False
    for category in categories:  # each one is read: Saxon may evaluate either predicate first
        code_found, rate_found = _matches(category, code, rate)
        is_code, is_rate = is_code or code_found, is_rate or rate_found
    return is_code, is_rate


LineFacts = tuple[tuple[tuple[str, Decimal | None], ...], Decimal | None]
# The lines read so far in this validation run (see exact_form): every VAT category
# rule reads every line, so each line is read once. None: the line is not plain.
_RUN: ContextVar[dict[etree._Element, LineFacts | None]] = ContextVar("egw_arithmetic_run")


def _line_facts(line: etree._Element) -> LineFacts:
    """A line's (code, rate) per classified tax category, and its net amount."""
    read = _RUN.get()
    if line in read:
        found = read[line]
        if found is None:
            raise NotPlain
        return found
    try:
        categories = tuple(
            (_code(_optional(category, ID)), _decimal_of(category, PERCENT))
            for item in line.iterchildren(ITEM)
            for category in item.iterchildren(CLASSIFIED_TAX_CATEGORY)
        )
        found = (categories, _decimal_of(line, LINE_EXTENSION_AMOUNT))
    except NotPlain:
        read[line] = None
        raise
    read[line] = found
    return found


def _line_in(line: etree._Element, code: str, rate: Decimal | None) -> tuple[bool, bool]:
    """``cac:Item/cac:ClassifiedTaxCategory/normalize-space(cbc:ID) = code`` and the rate."""
    categories, _ = _line_facts(line)
    return (
        any(c == code for c, _ in categories),
        rate is not None and any(p is not None and p == rate for _, p in categories),
    )


def _charge_in(charge: etree._Element, code: str, rate: Decimal | None) -> tuple[bool, bool]:
    return _any_matches(charge.iterchildren(TAX_CATEGORY), code, rate)


def _category_base(
    parent: etree._Element, line_tag: str, code: str, rate: Decimal | None
) -> Decimal:
    """Lines plus charges minus allowances of the category (and of the rate, when given)."""

    def chosen(found: tuple[bool, bool]) -> bool:
        return found[0] and (rate is None or found[1])

    lines = [n for n in parent.iterchildren(line_tag) if chosen(_line_in(n, code, rate))]
    net = Decimal(0)
    for line in lines:
        amount = _line_facts(line)[1]
        if amount is not None:
            net += amount
    charges = [
        c
        for c in parent.iterchildren(ALLOWANCE_CHARGE)
        if _charge_indicator_is(c, True) and chosen(_charge_in(c, code, rate))
    ]
    allowances = [
        c
        for c in parent.iterchildren(ALLOWANCE_CHARGE)
        if _charge_indicator_is(c, False) and chosen(_charge_in(c, code, rate))
    ]
    return net + _sum(charges, AMOUNT) - _sum(allowances, AMOUNT)


def _exists(root: etree._Element, tag: str) -> bool:
    return next(root.iter(tag), None) is not None


def _category_taxable_amount(code: str) -> Callable[[etree._Element], bool]:
    """BR-x-08 without rate (AE, E, G, K, O, Z): BT-116 = that category's lines, charges, allowances."""

    def test(category: etree._Element) -> bool:
        subtotal = _parent(category)
        parent = _parent(_parent(subtotal))  # ../../..
        document = category.getroottree().getroot()  # where // starts
        taxable = _decimal_of(subtotal, TAXABLE_AMOUNT)
        holds = False
        for line_tag in (INVOICE_LINE, CREDIT_NOTE_LINE):
            base = _category_base(parent, line_tag, code, None)
            holds = (_exists(document, line_tag) and _eq(taxable, base)) or holds
        return holds

    return test


def _category_rate_taxable_amount(code: str, *, any_line: bool) -> Callable[[etree._Element], bool]:
    """BR-x-08 per rate (S, L, M): BT-116 within one unit of that category and rate's base.

    ``any_line``: the rule asks only for some line of the document (BR-AF/AG-08);
    otherwise (BR-S-08) for a line or allowance/charge of that category and rate,
    anywhere in the document.
    """

    def test(category: etree._Element) -> bool:
        rate = _decimal_of(category, PERCENT)
        subtotal = _parent(category)
        parent = _parent(_parent(subtotal))  # ../../..
        document = category.getroottree().getroot()  # where // starts
        below = _double_plus(subtotal, TAXABLE_AMOUNT, -1)
        above = _double_plus(subtotal, TAXABLE_AMOUNT, 1)
        if rate is None:  # every $rate in (): true
            return True
        charge_found = any(all(_charge_in(c, code, rate)) for c in document.iter(ALLOWANCE_CHARGE))
        holds = False
        for line_tag in (INVOICE_LINE, CREDIT_NOTE_LINE):
            base = _category_base(parent, line_tag, code, rate)
            if any_line:
                found = _exists(document, line_tag)
            else:
                lines = document.iter(line_tag)
                found = any(all(_line_in(n, code, rate)) for n in lines) or charge_found
            holds = (found and _lt(below, base) and _lt(base, above)) or holds
        return holds

    return test


def _category_tax_amount_per_rate(category: etree._Element) -> bool:
    """BR-S-09, BR-AF-09, BR-AG-09: BT-117 = BT-116 x BT-119 / 100, within one unit."""
    subtotal = _parent(category)
    tax = _abs(_decimal_of(subtotal, TAX_AMOUNT))
    taxable = _abs(_decimal_of(subtotal, TAXABLE_AMOUNT))
    percent = _decimal_of(category, PERCENT)
    expected = _cents(
        None if taxable is None or percent is None else taxable * (percent / _HUNDRED)
    )
    return _lt(_minus(tax, Decimal(1)), expected) and _lt(expected, _plus(tax, Decimal(1)))


# -- the pins: each form runs only where the artifact's test text is exactly this ------

# fmt: off
_CATEGORY_08 = "(exists(//cac:InvoiceLine) and (xs:decimal(../cbc:TaxableAmount) = (sum(../../../cac:InvoiceLine[cac:Item/cac:ClassifiedTaxCategory/normalize-space(cbc:ID)='{code}']/xs:decimal(cbc:LineExtensionAmount)) + sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=true()][cac:TaxCategory/normalize-space(cbc:ID)='{code}']/xs:decimal(cbc:Amount)) - sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=false()][cac:TaxCategory/normalize-space(cbc:ID)='{code}']/xs:decimal(cbc:Amount))))) or (exists(//cac:CreditNoteLine) and (xs:decimal(../cbc:TaxableAmount) = (sum(../../../cac:CreditNoteLine[cac:Item/cac:ClassifiedTaxCategory/normalize-space(cbc:ID)='{code}']/xs:decimal(cbc:LineExtensionAmount)) + sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=true()][cac:TaxCategory/normalize-space(cbc:ID)='{code}']/xs:decimal(cbc:Amount)) - sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=false()][cac:TaxCategory/normalize-space(cbc:ID)='{code}']/xs:decimal(cbc:Amount)))))"
_STANDARD_08 = "every $rate in xs:decimal(cbc:Percent) satisfies (((exists(//cac:InvoiceLine[cac:Item/cac:ClassifiedTaxCategory/normalize-space(cbc:ID) = '{code}'][cac:Item/cac:ClassifiedTaxCategory/xs:decimal(cbc:Percent) =$rate]) or exists(//cac:AllowanceCharge[cac:TaxCategory/normalize-space(cbc:ID)='{code}'][cac:TaxCategory/xs:decimal(cbc:Percent) = $rate])) and ((../xs:decimal(cbc:TaxableAmount - 1) < (sum(../../../cac:InvoiceLine[cac:Item/cac:ClassifiedTaxCategory/normalize-space(cbc:ID)='{code}'][cac:Item/cac:ClassifiedTaxCategory/xs:decimal(cbc:Percent) =$rate]/xs:decimal(cbc:LineExtensionAmount)) + sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=true()][cac:TaxCategory/normalize-space(cbc:ID)='{code}'][cac:TaxCategory/xs:decimal(cbc:Percent) = $rate]/xs:decimal(cbc:Amount)) - sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=false()][cac:TaxCategory/normalize-space(cbc:ID)='{code}'][cac:TaxCategory/xs:decimal(cbc:Percent) = $rate]/xs:decimal(cbc:Amount)))) and (../xs:decimal(cbc:TaxableAmount + 1) > (sum(../../../cac:InvoiceLine[cac:Item/cac:ClassifiedTaxCategory/normalize-space(cbc:ID)='{code}'][cac:Item/cac:ClassifiedTaxCategory/xs:decimal(cbc:Percent) =$rate]/xs:decimal(cbc:LineExtensionAmount)) + sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=true()][cac:TaxCategory/normalize-space(cbc:ID)='{code}'][cac:TaxCategory/xs:decimal(cbc:Percent) = $rate]/xs:decimal(cbc:Amount)) - sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=false()][cac:TaxCategory/normalize-space(cbc:ID)='{code}'][cac:TaxCategory/xs:decimal(cbc:Percent) = $rate]/xs:decimal(cbc:Amount)))))) or (exists(//cac:CreditNoteLine[cac:Item/cac:ClassifiedTaxCategory/normalize-space(cbc:ID) = '{code}'][cac:Item/cac:ClassifiedTaxCategory/xs:decimal(cbc:Percent) =$rate]) or exists(//cac:AllowanceCharge[cac:TaxCategory/normalize-space(cbc:ID)='{code}'][cac:TaxCategory/xs:decimal(cbc:Percent) = $rate])) and ((../xs:decimal(cbc:TaxableAmount - 1) < (sum(../../../cac:CreditNoteLine[cac:Item/cac:ClassifiedTaxCategory/normalize-space(cbc:ID)='{code}'][cac:Item/cac:ClassifiedTaxCategory/xs:decimal(cbc:Percent) =$rate]/xs:decimal(cbc:LineExtensionAmount)) + sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=true()][cac:TaxCategory/normalize-space(cbc:ID)='{code}'][cac:TaxCategory/xs:decimal(cbc:Percent) = $rate]/xs:decimal(cbc:Amount)) - sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=false()][cac:TaxCategory/normalize-space(cbc:ID)='{code}'][cac:TaxCategory/xs:decimal(cbc:Percent) = $rate]/xs:decimal(cbc:Amount)))) and (../xs:decimal(cbc:TaxableAmount + 1) > (sum(../../../cac:CreditNoteLine[cac:Item/cac:ClassifiedTaxCategory/normalize-space(cbc:ID)='{code}'][cac:Item/cac:ClassifiedTaxCategory/xs:decimal(cbc:Percent) =$rate]/xs:decimal(cbc:LineExtensionAmount)) + sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=true()][cac:TaxCategory/normalize-space(cbc:ID)='{code}'][cac:TaxCategory/xs:decimal(cbc:Percent) = $rate]/xs:decimal(cbc:Amount)) - sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=false()][cac:TaxCategory/normalize-space(cbc:ID)='{code}'][cac:TaxCategory/xs:decimal(cbc:Percent) = $rate]/xs:decimal(cbc:Amount))))))"
_RATED_08 = "every $rate in xs:decimal(cbc:Percent) satisfies ((exists(//cac:InvoiceLine) and ((../xs:decimal(cbc:TaxableAmount - 1) < (sum(../../../cac:InvoiceLine[cac:Item/cac:ClassifiedTaxCategory/normalize-space(cbc:ID)='{code}'][cac:Item/cac:ClassifiedTaxCategory/xs:decimal(cbc:Percent) =$rate]/xs:decimal(cbc:LineExtensionAmount)) + sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=true()][cac:TaxCategory/normalize-space(cbc:ID)='{code}'][cac:TaxCategory/xs:decimal(cbc:Percent) = $rate]/xs:decimal(cbc:Amount)) - sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=false()][cac:TaxCategory/normalize-space(cbc:ID)='{code}'][cac:TaxCategory/xs:decimal(cbc:Percent) = $rate]/xs:decimal(cbc:Amount)))) and (../xs:decimal(cbc:TaxableAmount + 1) > (sum(../../../cac:InvoiceLine[cac:Item/cac:ClassifiedTaxCategory/normalize-space(cbc:ID)='{code}'][cac:Item/cac:ClassifiedTaxCategory/xs:decimal(cbc:Percent) =$rate]/xs:decimal(cbc:LineExtensionAmount)) + sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=true()][cac:TaxCategory/normalize-space(cbc:ID)='{code}'][cac:TaxCategory/xs:decimal(cbc:Percent) = $rate]/xs:decimal(cbc:Amount)) - sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=false()][cac:TaxCategory/normalize-space(cbc:ID)='{code}'][cac:TaxCategory/xs:decimal(cbc:Percent) = $rate]/xs:decimal(cbc:Amount)))))) or (exists(//cac:CreditNoteLine) and ((../xs:decimal(cbc:TaxableAmount - 1) < (sum(../../../cac:CreditNoteLine[cac:Item/cac:ClassifiedTaxCategory/normalize-space(cbc:ID)='{code}'][cac:Item/cac:ClassifiedTaxCategory/xs:decimal(cbc:Percent) =$rate]/xs:decimal(cbc:LineExtensionAmount)) + sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=true()][cac:TaxCategory/normalize-space(cbc:ID)='{code}'][cac:TaxCategory/xs:decimal(cbc:Percent) = $rate]/xs:decimal(cbc:Amount)) - sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=false()][cac:TaxCategory/normalize-space(cbc:ID)='{code}'][cac:TaxCategory/xs:decimal(cbc:Percent) = $rate]/xs:decimal(cbc:Amount)))) and (../xs:decimal(cbc:TaxableAmount + 1) > (sum(../../../cac:CreditNoteLine[cac:Item/cac:ClassifiedTaxCategory/normalize-space(cbc:ID)='{code}'][cac:Item/cac:ClassifiedTaxCategory/xs:decimal(cbc:Percent) =$rate]/xs:decimal(cbc:LineExtensionAmount)) + sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=true()][cac:TaxCategory/normalize-space(cbc:ID)='{code}'][cac:TaxCategory/xs:decimal(cbc:Percent) = $rate]/xs:decimal(cbc:Amount)) - sum(../../../cac:AllowanceCharge[cbc:ChargeIndicator=false()][cac:TaxCategory/normalize-space(cbc:ID)='{code}'][cac:TaxCategory/xs:decimal(cbc:Percent) = $rate]/xs:decimal(cbc:Amount)))))))"
_RATED_09 = '(abs(xs:decimal(../cbc:TaxAmount)) - 1 <  round((abs(xs:decimal(../cbc:TaxableAmount)) * (xs:decimal(cbc:Percent) div 100)) * 10 * 10) div 100 ) and (abs(xs:decimal(../cbc:TaxAmount)) + 1 >  round((abs(xs:decimal(../cbc:TaxableAmount)) * (xs:decimal(cbc:Percent) div 100)) * 10 * 10) div 100 )'
_PERIOD = '(exists(cbc:EndDate) and exists(cbc:StartDate) and xs:date(cbc:EndDate) >= xs:date(cbc:StartDate)) or not(exists(cbc:StartDate)) or not(exists(cbc:EndDate))'
_BR_CO_10 = '(xs:decimal(cbc:LineExtensionAmount) = xs:decimal(round(sum(//(cac:InvoiceLine|cac:CreditNoteLine)/xs:decimal(cbc:LineExtensionAmount)) * 10 * 10) div 100))'
_BR_CO_11 = 'xs:decimal(cbc:AllowanceTotalAmount) = (round(sum(../cac:AllowanceCharge[cbc:ChargeIndicator=false()]/xs:decimal(cbc:Amount)) * 10 * 10) div 100) or  (not(cbc:AllowanceTotalAmount) and not(../cac:AllowanceCharge[cbc:ChargeIndicator=false()]))'
_BR_CO_12 = 'xs:decimal(cbc:ChargeTotalAmount) = (round(sum(../cac:AllowanceCharge[cbc:ChargeIndicator=true()]/xs:decimal(cbc:Amount)) * 10 * 10) div 100) or (not(cbc:ChargeTotalAmount) and not(../cac:AllowanceCharge[cbc:ChargeIndicator=true()]))'
_BR_CO_13 = '((cbc:ChargeTotalAmount) and (cbc:AllowanceTotalAmount) and (xs:decimal(cbc:TaxExclusiveAmount) = round((xs:decimal(cbc:LineExtensionAmount) + xs:decimal(cbc:ChargeTotalAmount) - xs:decimal(cbc:AllowanceTotalAmount)) * 10 * 10) div 100 ))  or (not(cbc:ChargeTotalAmount) and (cbc:AllowanceTotalAmount) and (xs:decimal(cbc:TaxExclusiveAmount) = round((xs:decimal(cbc:LineExtensionAmount) - xs:decimal(cbc:AllowanceTotalAmount)) * 10 * 10 ) div 100)) or ((cbc:ChargeTotalAmount) and not(cbc:AllowanceTotalAmount) and (xs:decimal(cbc:TaxExclusiveAmount) = round((xs:decimal(cbc:LineExtensionAmount) + xs:decimal(cbc:ChargeTotalAmount)) * 10 * 10 ) div 100)) or (not(cbc:ChargeTotalAmount) and not(cbc:AllowanceTotalAmount) and (xs:decimal(cbc:TaxExclusiveAmount) = xs:decimal(cbc:LineExtensionAmount)))'
_BR_CO_14 = '(xs:decimal(child::cbc:TaxAmount)= round((sum(cac:TaxSubtotal/xs:decimal(cbc:TaxAmount)) * 10 * 10)) div 100) or not(cac:TaxSubtotal)'
_BR_CO_15 = 'every $Currency in cbc:DocumentCurrencyCode satisfies (count(cac:TaxTotal/xs:decimal(cbc:TaxAmount[@currencyID=$Currency])) eq 1) and (cac:LegalMonetaryTotal/xs:decimal(cbc:TaxInclusiveAmount) = round( (cac:LegalMonetaryTotal/xs:decimal(cbc:TaxExclusiveAmount) + cac:TaxTotal/xs:decimal(cbc:TaxAmount[@currencyID=$Currency])) * 10 * 10) div 100)'
_BR_CO_16 = '(exists(cbc:PrepaidAmount) and not(exists(cbc:PayableRoundingAmount)) and (xs:decimal(cbc:PayableAmount) = (round((xs:decimal(cbc:TaxInclusiveAmount) - xs:decimal(cbc:PrepaidAmount)) * 10 * 10) div 100))) or (not(exists(cbc:PrepaidAmount)) and not(exists(cbc:PayableRoundingAmount)) and xs:decimal(cbc:PayableAmount) = xs:decimal(cbc:TaxInclusiveAmount)) or (exists(cbc:PrepaidAmount) and exists(cbc:PayableRoundingAmount) and ((round((xs:decimal(cbc:PayableAmount) - xs:decimal(cbc:PayableRoundingAmount)) * 10 * 10) div 100) = (round((xs:decimal(cbc:TaxInclusiveAmount) - xs:decimal(cbc:PrepaidAmount)) * 10 * 10) div 100))) or  (not(exists(cbc:PrepaidAmount)) and exists(cbc:PayableRoundingAmount) and ((round((xs:decimal(cbc:PayableAmount) - xs:decimal(cbc:PayableRoundingAmount)) * 10 * 10) div 100) = xs:decimal(cbc:TaxInclusiveAmount)))'
_BR_CO_17 = "(round(cac:TaxCategory[cac:TaxScheme/normalize-space(upper-case(cbc:ID))='VAT']/xs:decimal(cbc:Percent)) = 0 and (round(xs:decimal(cbc:TaxAmount)) = 0)) or (round(cac:TaxCategory[cac:TaxScheme/normalize-space(upper-case(cbc:ID))='VAT']/xs:decimal(cbc:Percent)) != 0 and ((abs(xs:decimal(cbc:TaxAmount)) - 1 < round(abs(xs:decimal(cbc:TaxableAmount)) * (cac:TaxCategory[cac:TaxScheme/normalize-space(upper-case(cbc:ID))='VAT']/xs:decimal(cbc:Percent) div 100) * 10 * 10) div 100 ) and (abs(xs:decimal(cbc:TaxAmount)) + 1 > round(abs(xs:decimal(cbc:TaxableAmount)) * (cac:TaxCategory[cac:TaxScheme/normalize-space(upper-case(cbc:ID))='VAT']/xs:decimal(cbc:Percent) div 100) * 10 * 10) div 100 )))  or (not(exists(cac:TaxCategory[cac:TaxScheme/normalize-space(upper-case(cbc:ID))='VAT']/xs:decimal(cbc:Percent))) and (round(xs:decimal(cbc:TaxAmount)) = 0))"
_BR_48 = "exists(cac:TaxCategory[cac:TaxScheme/normalize-space(upper-case(cbc:ID))='VAT']/cbc:Percent) or (cac:TaxCategory[cac:TaxScheme/normalize-space(upper-case(cbc:ID))='VAT']/normalize-space(cbc:ID)='O')"
_BR_53 = 'every $taxcurrency in cbc:TaxCurrencyCode satisfies exists(//cac:TaxTotal/cbc:TaxAmount[@currencyID=$taxcurrency])'
# fmt: on

Form = Callable[[etree._Element], bool]

_FORMS: dict[str, tuple[str, Form]] = {
    "BR-CO-10": (_BR_CO_10, _line_extension_total),
    "BR-CO-11": (_BR_CO_11, _document_level_total(total=ALLOWANCE_TOTAL_AMOUNT, charge=False)),
    "BR-CO-12": (_BR_CO_12, _document_level_total(total=CHARGE_TOTAL_AMOUNT, charge=True)),
    "BR-CO-13": (_BR_CO_13, _tax_exclusive_total),
    "BR-CO-14": (_BR_CO_14, _tax_total),
    "BR-CO-15": (_BR_CO_15, _tax_inclusive_total),
    "BR-CO-16": (_BR_CO_16, _amount_due),
    "BR-CO-17": (_BR_CO_17, _category_tax_amount),
    "BR-48": (_BR_48, _category_rate_or_not_subject),
    "BR-53": (_BR_53, _tax_currency_total),
    "BR-29": (_PERIOD, _period),
    "BR-30": (_PERIOD, _period),
    "BR-S-08": (_STANDARD_08.format(code="S"), _category_rate_taxable_amount("S", any_line=False)),
    "BR-AF-08": (_RATED_08.format(code="L"), _category_rate_taxable_amount("L", any_line=True)),
    "BR-AG-08": (_RATED_08.format(code="M"), _category_rate_taxable_amount("M", any_line=True)),
    "BR-S-09": (_RATED_09, _category_tax_amount_per_rate),
    "BR-AF-09": (_RATED_09, _category_tax_amount_per_rate),
    "BR-AG-09": (_RATED_09, _category_tax_amount_per_rate),
}
# The categories without a rate per breakdown: code -> rule id.
for _code_of, _rule_id in {
    "AE": "BR-AE-08",
    "E": "BR-E-08",
    "G": "BR-G-08",
    "K": "BR-IC-08",
    "O": "BR-O-08",
    "Z": "BR-Z-08",
}.items():
    _FORMS[_rule_id] = (_CATEGORY_08.format(code=_code_of), _category_taxable_amount(_code_of))

#: The rule ids that have an exact Python form.
RULE_IDS = frozenset(_FORMS)


def _collapsed(expression: str) -> str:
    return " ".join(expression.split())


ExactForm = Callable[[etree._Element, dict[Any, Any]], bool | None]


def exact_form(rule_id: str, expression: str, namespaces: dict[str, str]) -> ExactForm | None:
    """The exact Python form of a rule, when its official test text is the pinned one.

    The form takes the context node and a dict kept for one validation run (what
    it has read of the document), and returns the test's effective boolean
    value, or None outside the plain case (then the XPath 2.0 engine evaluates
    the official text).
    """
    entry = _FORMS.get(rule_id)
    if entry is None or namespaces.get("cac") != CAC or namespaces.get("cbc") != CBC:
        return None
    pinned, form = entry
    if _collapsed(expression) != _collapsed(pinned):
        return None

    def test(node: etree._Element, run: dict[Any, Any]) -> bool | None:
        token = _RUN.set(run)
        try:
            with localcontext(_EXACT):
                return form(node)
        except NotPlain:
            return None
        finally:
            _RUN.reset(token)

    return test
