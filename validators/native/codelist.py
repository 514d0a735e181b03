"""The official code-list tests (BR-CL-*), answered by a Python substring test on the same list.

The compiled rules check a code with ``contains(' A B C ', concat(' ', normalize-space(X), ' '))``
after ``not(contains(normalize-space(X), ' '))``: libxml2 scans the whole list
(2,000 unit codes, 180 currencies) once per code in the document. The same test
in Python (``" " + code + " " in codes``, the list taken from the rule's own
text) costs well under a microsecond. Only the plain form is recognised, and
only for a code in an attribute or in an element with text only; anything else
returns None and the XPath test runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

CodeTest = Callable[[etree._Element], bool | None]

# ((not(contains(normalize-space(X), ' ')) and contains('LIST', concat(' ', normalize-space(X), ' '))))
_LISTED = re.compile(
    r"^\(\s*\(\s*not\(contains\(normalize-space\((?P<of>\.|@[A-Za-z]+)\),\s*' '\)\)"
    r"\s+and\s+contains\(\s*'(?P<codes>[^']*)'\s*,\s*"
    r"concat\(\s*' '\s*,\s*normalize-space\((?P=of)\)\s*,\s*' '\s*\)\s*\)\s*\)\s*\)$"
)
# XPath's whitespace (not Python's: no-break and other Unicode spaces stay).
_XPATH_SPACE = re.compile(r"[ \t\r\n]+")


def normalize_space(text: str) -> str:
    r"""XPath ``normalize-space()``: only XPath's four whitespace characters count.

    >>> normalize_space("  EUR\t\n x\u00a0")
    'EUR x\xa0'
    """
    return _XPATH_SPACE.sub(" ", text).strip(" ")


def code_test(test: str) -> CodeTest | None:
    """The Python form of a code-list test, when it has the plain form.

    >>> listed = code_test("((not(contains(normalize-space(@unitCode), ' ')) and contains(' C62 H87 ', concat(' ', normalize-space(@unitCode), ' '))))")
    >>> listed(etree.fromstring('<q unitCode=" C62"/>')), listed(etree.fromstring('<q unitCode="C6"/>'))
    (True, False)
    """
    found = _LISTED.match(test)
    if found is None:
        return None
    of, codes = found.group("of"), found.group("codes")
    attribute = of[1:] if of.startswith("@") else None

    def listed(node: etree._Element) -> bool | None:
        if attribute is not None:
            text = node.get(attribute) or ""
        elif len(node):  # a child, comment or PI: the string value is XPath's to compute
            return None
        else:
            text = node.text or ""
        code = normalize_space(text)
        return " " not in code and f" {code} " in codes

    return listed
