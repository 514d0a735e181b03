"""Checks on every request's raw input before any model or database sees it.

Two classes of input reach no model intact, so they are refused here, naming the field:

- a JSON object with the same key twice (``json.loads`` keeps the last one silently,
  so the stored invoice would not be what the client reviewed);
- characters that XML 1.0 cannot carry (C0 controls other than tab, LF and CR,
  lone surrogates, U+FFFE, U+FFFF): the renderer could not write them into the
  e-invoice and PostgreSQL refuses NUL in text, so they used to end as a 500.

The route class :class:`CheckedRoute` applies both to JSON bodies, and the character
check to query and path parameters, for every route of a router built with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

# XML 1.0 Char production, negated (https://www.w3.org/TR/xml/#charsets).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its key/value pairs in document order, duplicates kept."""


def _forbidden_character(text: str) -> str | None:
    found = _NOT_XML.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def _error(location: tuple[str | int, ...], message: str, kind: str) -> dict[str, Any]:
    return {"loc": location, "msg": message, "type": kind}


def _walk(value: Any, location: tuple[str | int, ...]) -> Iterator[dict[str, Any]]:
    if isinstance(value, _Pairs):
        seen: set[str] = set()
        for key, item in value:
            here = (*location, key)
            character = _forbidden_character(key)
            if character:
                yield _error(
                    here, f"a field name holds the control character {character}", "control_char"
                )
            if key in seen:
                yield _error(
                    here,
                    f"the field {key!r} appears more than once in this object; send it once",
                    "duplicate_key",
                )
            seen.add(key)
            yield from _walk(item, here)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*location, index))
    elif isinstance(value, str):
        character = _forbidden_character(value)
        if character:
            yield _error(
                location,
                f"holds the character {character}, which an e-invoice (XML 1.0) cannot carry;"
                " remove control characters",
                "control_char",
            )


def json_body_errors(body: bytes) -> list[dict[str, Any]]:
    r"""Duplicate keys and non-XML characters in a JSON body, as validation errors (``loc`` from ``body``).

    A body that is not JSON at all yields nothing here: the model's own parser reports it.

    >>> [e["loc"] for e in json_body_errors(b'{"a": 1, "b": {"c": "x", "c": "y"}}')]
    [('body', 'b', 'c')]
    >>> [e["type"] for e in json_body_errors(b'{"lines": [{"name": "a\\u0007b"}]}')]
    ['control_char']
    """
    try:
        parsed = json.loads(body, object_pairs_hook=_Pairs)
    except (ValueError, RecursionError):
        return []
    return list(_walk(parsed, ("body",)))


def parameter_errors(request: Request) -> list[dict[str, Any]]:
    """Non-XML characters in query or path parameters (PostgreSQL refuses NUL in text)."""
    errors = []
    for name, value in request.query_params.multi_items():
        character = _forbidden_character(name + value)
        if character:
            errors.append(
                _error(("query", name), f"holds the character {character}", "control_char")
            )
    for name, value in (request.scope.get("path_params") or {}).items():
        character = _forbidden_character(str(value))
        if character:
            errors.append(
                _error(("path", name), f"holds the character {character}", "control_char")
            )
    return errors


def _is_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


class CheckedRoute(APIRoute):
    """An API route whose raw input passes :func:`json_body_errors` and :func:`parameter_errors` first."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, preceded by the input checks."""
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            errors = parameter_errors(request)
            if _is_json(request):
                # Starlette caches the body on the request: the handler reads it again for free.
                errors += json_body_errors(await request.body())
            if errors:
                raise RequestValidationError(errors)
            return await handler(request)

        return checked
