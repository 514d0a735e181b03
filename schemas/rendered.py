"""What a render produced, and which business terms of the invoice it could not carry.

A syntax cannot always hold every term in every combination: UBL writes the
remittance information (BT-83) inside ``cac:PaymentMeans``, which needs a payment
means code (BT-81), so an invoice parsed from CII with BT-83 but no BT-81 loses
it in UBL. A render never drops such a term silently: :func:`render_with_report`
reads the rendered document back and lists every term that did not survive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from schemas.model import Invoice
from schemas.profiles import Profile
from schemas.terms import business_term


@dataclass(frozen=True)
class Dropped:
    """A business term the invoice holds and the rendered document does not.

    Attributes:
        field: Dotted path in the model (``payment.remittance_information``,
            ``lines[2].gross_price``).
        business_term: Its EN 16931 number (``BT-83``), when it has one.
        reason: Why the syntax could not carry it, in plain words.
    """

    field: str
    business_term: str | None
    reason: str

    def as_dict(self) -> dict[str, str | None]:
        """Returns the entry as a JSON-ready dict."""
        return {"field": self.field, "business_term": self.business_term, "reason": self.reason}


@dataclass(frozen=True)
class Rendered:
    """A rendered document and the terms it could not carry (empty when nothing was lost)."""

    document: bytes
    dropped: tuple[Dropped, ...]


def _empty(value: Any) -> bool:
    return value is None or value is False or value in ("", [], {})


def _missing(before: Any, after: Any, path: str) -> Iterator[str]:
    """Paths of values present in ``before`` and absent from ``after`` (changed values are not)."""
    if isinstance(before, dict):
        counterpart = after if isinstance(after, dict) else {}
        for key, value in before.items():
            if _empty(value):
                continue
            sub = f"{path}.{key}" if path else key
            if _empty(counterpart.get(key)):
                yield sub
            elif value != counterpart[key]:
                yield from _missing(value, counterpart[key], sub)
    elif isinstance(before, list):
        others = after if isinstance(after, list) else []
        for index, item in enumerate(before):
            if item in others:
                continue  # kept, possibly in another position
            if len(others) == len(before):
                yield from _missing(item, others[index], f"{path}[{index}]")
            else:
                yield f"{path}[{index}]"


def dropped_terms(
    before: Invoice, after: Invoice, reasons: dict[str, str], syntax: str
) -> tuple[Dropped, ...]:
    """The business terms ``before`` holds and ``after`` (its rendering, read back) lost.

    Args:
        before: The invoice that was rendered.
        after: The rendered document parsed back.
        reasons: Known reasons by field path without list indexes (``lines.gross_price``).
        syntax: The syntax's name, for the default reason.
    """
    found = []
    for path in _missing(before.model_dump(mode="json"), after.model_dump(mode="json"), ""):
        term = business_term(Invoice, path)
        if term is None:
            continue  # not an EN 16931 term (such as is_natural_person): no syntax carries it
        plain = _without_indexes(path)
        reason = reasons.get(plain) or f"{syntax} has no place for it in this invoice"
        found.append(Dropped(field=path, business_term=term, reason=reason))
    return tuple(found)


def _without_indexes(path: str) -> str:
    """A model path without list positions.

    >>> _without_indexes("lines[3].allowances[0].reason")
    'lines.allowances.reason'
    """
    return ".".join(part.split("[", 1)[0] for part in path.split("."))


def render_with_report(
    render: Callable[..., bytes],
    parse: Callable[[bytes], Invoice],
    invoice: Invoice,
    *,
    profile: str | Profile | None,
    reasons: dict[str, str],
    syntax: str,
) -> Rendered:
    """Renders ``invoice`` and reports every business term the document could not carry."""
    document = render(invoice, profile=profile)
    return Rendered(document, dropped_terms(invoice, parse(document), reasons, syntax))
