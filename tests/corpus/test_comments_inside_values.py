"""Comments and processing instructions inside values change nothing (issue 9.1, property test).

Valid corpus documents (UBL and CII) get comments and processing instructions
inserted at random positions inside their text nodes; the parsed model and the
unmapped report must be exactly those of the untouched document, as the official
rules (XPath ``string()``) and the signature's canonical form see it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from schemas import cii, ubl
from schemas.parsed import ParsedDocument
from tests.conftest import corpus_files

FILES = corpus_files("ubl", "valid") + corpus_files("cii", "valid")

pytestmark = pytest.mark.slow


def _parse(path: Path, xml: bytes) -> ParsedDocument:
    module = cii if path.parent.parent.name == "cii" else ubl
    return module.parse_document(xml)


@cache
def _baseline(path: Path) -> ParsedDocument:
    return _parse(path, path.read_bytes())


def _text_holders(root: etree._Element) -> list[etree._Element]:
    """Elements with non-blank text of their own: the values of the document."""
    return [
        e for e in root.iter() if isinstance(e.tag, str) and e.text is not None and e.text.strip()
    ]


def _insert(element: etree._Element, position: int, node: etree._Element) -> None:
    """Splits ``element.text`` at ``position`` and puts ``node`` between the halves."""
    text = element.text or ""
    cut = position % (len(text) + 1)
    element.text = text[:cut]
    node.tail = text[cut:] + (node.tail or "")
    element.insert(0, node)


_marker = st.one_of(
    st.builds(etree.Comment, st.text(alphabet="abc xyz", max_size=8)),
    st.builds(
        etree.ProcessingInstruction,
        st.sampled_from(["egw", "pi", "x-y"]),
        st.text(alphabet="abc =", max_size=8),
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(min_value=0, max_value=max(len(FILES) - 1, 0)),
    insertions=st.lists(
        st.tuples(st.integers(min_value=0), st.integers(min_value=0), _marker),
        min_size=1,
        max_size=12,
    ),
)
def test_comments_and_instructions_inside_values_leave_the_model_unchanged(index, insertions):
    if not FILES:
        pytest.skip("test corpus not found (it lives in ../shared beside the checkout)")
    path = FILES[index]
    root = etree.fromstring(path.read_bytes())
    holders = _text_holders(root)
    for which, position, marker in insertions:
        _insert(holders[which % len(holders)], position, marker)
    mutated = _parse(path, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    baseline = _baseline(path)
    assert mutated.invoice == baseline.invoice, path.name
    assert mutated.unmapped == baseline.unmapped, path.name


def test_the_corpus_is_there_for_the_property_test(corpus_dir):
    assert len(FILES) == 58 + 15
