"""Reading an XPath expression's text at its top level: outside brackets, parentheses and quotes.

Shared by the lxml engine (``engine``), the element index (``index``) and the rule-set
reader (``expression``), which each decide from the top level whether a rewrite is safe.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# A location path (or a union of them) at the top level, once the contents of its
# predicates and parentheses are set aside (see top_level).
PATH_ONLY = re.compile(r"^\s*[A-Za-z_:/@*.]+(?:\s*\|\s*[A-Za-z_:/@*.]+)*\s*$")


def top_level(text: str) -> str:
    """The text with whatever is inside brackets and parentheses removed (they stay).

    >>> top_level("a[b = 1]/c(d, e)")
    'a[]/c()'
    """
    kept, depth = [], 0
    for char in text:
        if char in "[(":
            if depth == 0:
                kept.append(char)
            depth += 1
        elif char in "])":
            depth -= 1
            if depth == 0:
                kept.append(char)
        elif depth == 0:
            kept.append(char)
    return "".join(kept)


def at_top_level(text: str) -> Iterator[tuple[int, str]]:
    """Each character outside brackets, parentheses and quotes, with its index."""
    depth, quote = 0, ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif depth == 0:
            yield index, char


def depth_zero(expression: str) -> str:
    """The expression without its bracketed, parenthesised and quoted parts.

    >>> depth_zero("a[b or c] or f('x or y')")
    'a or f'
    """
    return "".join(char for _, char in at_top_level(expression))


def split_union(pattern: str) -> list[str]:
    """The alternatives of a top-level union (``a | b[c | d]`` is two).

    >>> split_union("a | b[c | d] | 'e | f'")
    ['a', 'b[c | d]', "'e | f'"]
    """
    cuts = [index for index, char in at_top_level(pattern) if char == "|"]
    starts, ends = [0, *(c + 1 for c in cuts)], [*cuts, len(pattern)]
    return [pattern[start:end].strip() for start, end in zip(starts, ends, strict=True)]
