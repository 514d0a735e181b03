"""Cursor pagination over ULID-keyed records: a cursor is the ``next_cursor`` of a previous page."""

from __future__ import annotations

import re

from fastapi.exceptions import RequestValidationError

# Crockford base32, 26 characters: the text form of a ULID (gateway.ids.new_id).
_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def check_cursor(cursor: str | None) -> None:
    """Refuses a cursor that no page handed out (a typo must not read as "no more results").

    Raises:
        RequestValidationError: ``query.cursor`` is not a 26-character ULID.
    """
    if cursor is not None and not _ULID.match(cursor):
        raise RequestValidationError(
            [
                {
                    "loc": ("query", "cursor"),
                    "msg": "not a cursor: pass the next_cursor of the previous page unchanged "
                    "(26 characters, 0-9 and A-Z without I, L, O, U)",
                    "type": "cursor_invalid",
                }
            ]
        )
