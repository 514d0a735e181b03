"""The EN 16931 business terms of the model, read from its field metadata.

Each field of ``schemas.model`` records the business term or group it holds as
data (``json_schema_extra={"bt": ...}``, see :func:`schemas.model.term`). This
module resolves a path in the model to its term, lists the model's fields, and
derives what only a draft carries, so that no other package writes such lists by
hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from schemas.model import Invoice, InvoiceDraft

_SEGMENT = re.compile(r"^([a-z_]+)(?:\[(\d+)\])?$")


def _spec(info: FieldInfo) -> Any:
    extra = info.json_schema_extra
    return extra.get("bt") if isinstance(extra, dict) else None


def nested_model(info: FieldInfo) -> type[BaseModel] | None:
    """The model a field holds (directly, optionally, or as a tuple of them), if any."""
    return _find_model(info.annotation)


def _find_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _find_model(arg)
        if found is not None:
            return found
    return None


def _resolve(spec: Any, enclosing: list[str]) -> str | None:
    if isinstance(spec, str):
        if spec.startswith("^"):
            return enclosing[-1] + spec[1:] if enclosing else None
        return spec
    if isinstance(spec, dict):
        for group in reversed(enclosing):
            if group in spec:
                return str(spec[group])
    return None


def business_term(model: type[BaseModel], path: str) -> str | None:
    """The EN 16931 business term (or group) at a dotted ``path`` of ``model``.

    Returns None for a field that is not an EN 16931 term (``is_natural_person``)
    or a path that does not exist.

    >>> business_term(Invoice, "seller.address.city"), business_term(Invoice, "buyer.address.city")
    ('BT-37', 'BT-52')
    >>> business_term(Invoice, "seller.identifiers[0].scheme")
    'BT-29-1'
    >>> business_term(Invoice, "charges[1].amount"), business_term(Invoice, "seller.address.lines[1]")
    ('BT-99', 'BT-36')
    >>> business_term(Invoice, "buyer.is_natural_person") is None
    True
    """
    current: type[BaseModel] | None = model
    enclosing: list[str] = []
    resolved: str | None = None
    for segment in path.split("."):
        match = _SEGMENT.match(segment)
        if current is None or match is None or match.group(1) not in current.model_fields:
            return None
        info = current.model_fields[match.group(1)]
        resolved = _resolve(_spec(info), enclosing)
        if resolved is None:
            return None
        if match.group(2) is not None and "/" in resolved and resolved.startswith("BT"):
            # Address lines: one field, one term per line.
            parts = resolved.split("/")
            index = int(match.group(2))
            resolved = parts[index] if index < len(parts) else None
            if resolved is None:
                return None
        enclosing.append(resolved)
        current = nested_model(info)
    return resolved


def fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, str | None]]:
    """Every leaf field of ``model`` as (dotted path, business term), nested models included.

    Lists are written ``name[]``; a field holding a model is not itself a leaf.

    >>> dict(fields(Invoice))["payment.remittance_information"]
    'BT-83'
    """
    yield from _fields(model, prefix, [])


def _fields(
    model: type[BaseModel], prefix: str, enclosing: list[str]
) -> Iterator[tuple[str, str | None]]:
    for name, info in model.model_fields.items():
        resolved = _resolve(_spec(info), enclosing)
        nested = nested_model(info)
        many = _is_sequence(info.annotation)
        path = f"{prefix}{name}{'[]' if many else ''}"
        if nested is None:
            yield path, resolved
        else:
            yield from _fields(nested, f"{path}.", [*enclosing, resolved or ""])


def _is_sequence(annotation: Any) -> bool:
    origin = getattr(annotation, "__origin__", None)
    if origin in (tuple, list):
        return True
    return any(_is_sequence(arg) for arg in getattr(annotation, "__args__", ()) or ())


def draft_only_fields(
    draft: type[BaseModel] = InvoiceDraft, complete: type[BaseModel] = Invoice
) -> frozenset[str]:
    """The fields a draft model has and its complete counterpart has not (inputs of the engine).

    The tax engine leaves these out when it builds the complete invoice from a
    draft; deriving them from the models keeps the two in step when a draft field
    is added.

    >>> sorted(draft_only_fields())[:4]
    ['exemption_reason', 'exemption_reason_code', 'goods_dispatched_to', 'paid_amount']
    >>> from schemas.model import InvoiceLine, LineDraft
    >>> sorted(draft_only_fields(LineDraft, InvoiceLine))
    ['place_of_performance', 'service_kind', 'tax_class']
    """
    return frozenset(draft.model_fields) - frozenset(complete.model_fields)
