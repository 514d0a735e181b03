"""An XPath 2.0 parser whose general comparisons of an untyped value with a number are Saxon's.

XPath 2.0 casts an element's untyped text compared with a number to ``xs:double`` and
compares by IEEE rules; elementpath compares with a decimal as a decimal instead. Saxon-HE
12, the judge of the official rules, does neither (its ``UntypedNumericComparer``):

- against a number that is NaN, only ``!=`` holds;
- an untyped plain integer (an optional minus and at most 10 digits, such as "-0")
  against an ``xs:integer`` compares exactly, as integers;
- otherwise the text cast to ``xs:double`` is ordered as Java's ``Double.compare``
  orders doubles: NaN above everything (``"NaN" >= 0`` is true) and -0.0 below 0.0
  (``"-0.00" = 0`` is false, ``"-0.00" < 0`` true).

The native rules judge drafts in Saxon's stead, so they compare as Saxon does; the
differential tests and tests/validators/native/test_saxon_compare.py check it on saxonche.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from elementpath import XPath2Parser
from elementpath.datatypes import UntypedAtomic
from elementpath.exceptions import ElementPathTypeError
from elementpath.xpath_context import XPathSchemaContext

_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
# ``a op b`` is ``b mirrored(op) a``.
_MIRRORED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_PLAIN_INTEGER = re.compile(r"-?[0-9]{1,10}")
_XML_SPACE = " \t\r\n"
_INT64 = range(-(2**63), 2**63)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _java_compare(left: float, right: float) -> int:
    """``Double.compare``: IEEE order, then NaN above everything and -0.0 below 0.0."""
    if left < right:
        return -1
    if left > right:
        return 1
    left_nan, right_nan = math.isnan(left), math.isnan(right)
    if left_nan or right_nan:
        return int(left_nan) - int(right_nan)
    return int(math.copysign(1.0, left) > 0) - int(math.copysign(1.0, right) > 0)


def untyped_holds(symbol: str, untyped: UntypedAtomic, number: Any) -> bool:
    """``untyped symbol number`` as Saxon-HE 12 answers it (see the module's docstring).

    Raises:
        ValueError: The text is no ``xs:double`` (XPath's FORG0001, as in Saxon).
    """
    if isinstance(number, float) and math.isnan(number):
        return symbol == "!="
    text = str(untyped).strip(_XML_SPACE)
    if isinstance(number, int) and number in _INT64 and _PLAIN_INTEGER.fullmatch(text):
        compared = (int(text) > number) - (int(text) < number)
    else:
        compared = _java_compare(float(UntypedAtomic(text)), float(number))
    return _OPERATORS[symbol](compared, 0)


def _holds(symbol: str, left: Any, right: Any) -> bool:
    if isinstance(left, UntypedAtomic) and _is_number(right):
        return untyped_holds(symbol, left, right)
    if isinstance(right, UntypedAtomic) and _is_number(left):
        return untyped_holds(_MIRRORED[symbol], right, left)
    return _OPERATORS[symbol](left, right)


def _evaluate_general_comparison(self: Any, context: Any = None) -> bool:
    # elementpath's own evaluation (xpath1/_xpath1_operators.py) with Saxon's comparer.
    try:
        return any(_holds(self.symbol, a, b) for a, b in self.iter_comparison_data(context))
    except (TypeError, ValueError) as error:
        if isinstance(context, XPathSchemaContext):
            return False
        if isinstance(error, ElementPathTypeError):
            raise
        code = "XPTY0004" if isinstance(error, TypeError) else "FORG0001"
        raise self.error(code, error) from None


class SaxonXPath2Parser(XPath2Parser):
    """elementpath's XPath 2.0 parser, comparing an untyped value with a number as Saxon does."""

    symbol_table = dict(XPath2Parser.symbol_table)


for _symbol in _OPERATORS:
    _base = XPath2Parser.symbol_table[_symbol]
    SaxonXPath2Parser.symbol_table[_symbol] = type(
        _base.__name__, (_base,), {"evaluate": _evaluate_general_comparison}
    )
