"""The inbound archive keeps the business document as the sender's bytes, sliced from the SBD."""

from __future__ import annotations

import pytest
from lxml import etree

from gateway.delivery import sbd
from gateway.delivery.errors import GiveUp

SH = sbd.SBDH_NS
HEADER = (
    b"<sh:StandardBusinessDocumentHeader><sh:HeaderVersion>1.0</sh:HeaderVersion>"
    b"<sh:DocumentIdentification><sh:InstanceIdentifier>INST-1</sh:InstanceIdentifier>"
    b"</sh:DocumentIdentification></sh:StandardBusinessDocumentHeader>"
)
# Written as no serialiser would: single quotes, a character reference, spaces in tags.
INVOICE = (
    b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'"
    b"   xmlns:cbc='urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2' >"
    b"\n  <cbc:ID >Caf&#233; 1</cbc:ID >\n</Invoice >"
)


def _sbd(document: bytes, root_namespaces: bytes = b"") -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<sh:StandardBusinessDocument xmlns:sh="'
        + SH.encode()
        + b'"'
        + root_namespaces
        + b">"
        + HEADER
        + b"\n"
        + document
        + b"\n</sh:StandardBusinessDocument>\n"
    )


def test_the_sender_bytes_are_kept_not_a_reserialisation():
    unwrapped = sbd.unwrap(_sbd(INVOICE))
    assert unwrapped.exact and unwrapped.instance_id == "INST-1"
    assert unwrapped.document == INVOICE
    parsed = etree.fromstring(_sbd(INVOICE))[1]
    assert etree.tostring(parsed) != INVOICE  # what the previous code archived differs


def test_a_document_leaning_on_the_sbd_root_namespaces_is_reserialised_and_says_so():
    leaning = INVOICE.replace(
        b"   xmlns:cbc='urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2'", b""
    )
    payload = _sbd(
        leaning,
        b' xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"',
    )
    unwrapped = sbd.unwrap(payload)
    assert not unwrapped.exact
    standalone = etree.fromstring(unwrapped.document)
    assert standalone[0].text == "Café 1"
    assert etree.QName(standalone[0]).namespace.endswith("CommonBasicComponents-2")


def test_an_sbd_without_a_business_document_is_refused():
    empty = (
        b'<sh:StandardBusinessDocument xmlns:sh="' + SH.encode() + b'">' + HEADER
    ) + b"</sh:StandardBusinessDocument>"
    with pytest.raises(GiveUp, match="no business document"):
        sbd.unwrap(empty)
