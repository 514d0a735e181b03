"""Mutated official e-invoices: never a 5xx, never half a record.

The JSON fuzz (test_bad_input.py) covers drafts; this covers the XML doors, which take
documents from other systems: ``POST /v1/validate`` and ``POST /v1/invoices/xml``. Each
example takes an official UBL or CII example and breaks it once, in the tree (an element
removed, doubled, renamed, given odd text or an odd attribute) or in the bytes (cut short,
a byte changed, markup injected). The gateway must answer with a 2xx or a 4xx problem, and
an accepted invoice must be stored whole: its document reads back with the hash it was
acknowledged with.
"""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.conftest import CORPUS_DIR

pytestmark = pytest.mark.slow

SOURCES = (
    "ubl/valid/peppol-base-example.xml",
    "cii/valid/ce-CII_business_example_01.xml",
)
TREE_MUTATIONS = ("delete", "duplicate", "text", "rename", "attribute")
BYTE_MUTATIONS = ("truncate", "byte", "inject")

odd_text = st.sampled_from(
    [
        "",
        " ",
        "NaN",
        "-INF",
        "1e400",
        "-0",
        "9" * 40,
        "2026-02-30",
        "0000-01-01",
        "<x>",
        "&amp;",
        "A" * 20_000,
        "ÄÖÜ€",
    ]
) | st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
injected = st.sampled_from(
    [
        b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>",
        b"&e;",
        b"<?xml-stylesheet href='x'?>",
        b"\x00",
        b"\xff\xfe",
        b"]]>",
        b"<a xmlns='urn:x'>",
    ]
)


def _originals() -> list[bytes]:
    return [(CORPUS_DIR / source).read_bytes() for source in SOURCES]


def mutate_tree(xml: bytes, kind: str, position: int, text: str) -> bytes:
    root = etree.fromstring(xml)
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    target = elements[position % len(elements)]
    parent = target.getparent()
    if kind == "delete" and parent is not None:
        parent.remove(target)
    elif kind == "duplicate" and parent is not None:
        parent.insert(parent.index(target), copy.deepcopy(target))
    elif kind == "text":
        target.text = text
    elif kind == "rename":
        name = etree.QName(target)
        target.tag = etree.QName(name.namespace, f"X{name.localname}").text
    elif kind == "attribute":
        target.set("schemeID" if position % 2 else "unexpected", text)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def mutate_bytes(xml: bytes, kind: str, position: int, markup: bytes) -> bytes:
    at = position % len(xml)
    if kind == "truncate":
        return xml[:at]
    if kind == "byte":
        return xml[:at] + bytes([(xml[at] + 1 + position % 254) % 256]) + xml[at + 1 :]
    return xml[:at] + markup + xml[at:]


@pytest.fixture(scope="module")
def originals(sqlite_gateway, corpus_dir: Path, artifacts_dir: Path) -> list[bytes]:
    """The unbroken documents, each judged valid once first (what a server's warm-up does)."""
    client, headers = sqlite_gateway
    documents = _originals()
    for document in documents:
        checked = client.post(
            "/v1/validate", content=document, headers={**headers, "Content-Type": "application/xml"}
        )
        assert checked.status_code == 200 and checked.json()["valid"], checked.text[:300]
    return documents


mutations = st.one_of(
    st.tuples(st.just("tree"), st.sampled_from(TREE_MUTATIONS), st.integers(0, 10_000), odd_text),
    st.tuples(st.just("bytes"), st.sampled_from(BYTE_MUTATIONS), st.integers(0, 10**6), injected),
)


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(source=st.integers(0, len(SOURCES) - 1), mutation=mutations)
def test_mutated_documents_get_a_4xx_or_a_whole_record(
    sqlite_gateway, originals, source: int, mutation: tuple
) -> None:
    client, headers = sqlite_gateway
    xml_headers = {**headers, "Content-Type": "application/xml"}
    layer, kind, position, change = mutation
    if layer == "tree":
        document = mutate_tree(originals[source], kind, position, change)
    else:
        document = mutate_bytes(originals[source], kind, position, change)

    checked = client.post("/v1/validate", content=document, headers=xml_headers)
    assert checked.status_code < 500, (mutation, checked.text[:300])
    assert checked.headers["content-type"].startswith(
        "application/json" if checked.status_code < 400 else "application/problem+json"
    )

    stored = client.post("/v1/invoices/xml", content=document, headers=xml_headers)
    assert stored.status_code < 500, (mutation, stored.text[:300])
    if stored.status_code in (200, 201):
        record = stored.json()
        read = client.get(f"/v1/invoices/{record['id']}/xml", headers=headers)
        assert read.status_code == 200
        assert hashlib.sha256(read.content).hexdigest() == record["document_sha256"]
    else:
        assert stored.headers["content-type"].startswith("application/problem+json")
        assert stored.json()["title"]


def test_the_mutations_change_the_document(corpus_dir: Path) -> None:
    """Each mutation really changes what is sent (a no-op would test nothing)."""
    original = _originals()[0]
    for kind in TREE_MUTATIONS:
        assert mutate_tree(original, kind, 7, "NaN") != etree.tostring(
            etree.fromstring(original), xml_declaration=True, encoding="UTF-8"
        ), kind
    for kind in BYTE_MUTATIONS:
        assert mutate_bytes(original, kind, 500, b"&e;") != original, kind
