"""UBL 2.1 ApplicationResponse: the document shape both Peppol responses share (MLR, Invoice Response).

Each response module writes its own body; this one writes the header they have
in common (customization, profile, id, issue date and time) and offers the one
element writer both use, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from lxml import etree

NS = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

Add = Callable[..., etree._Element]


def add(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    """Appends ``cac:Name`` or ``cbc:Name`` (with text and attributes) to ``parent``."""
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{CAC if prefix == 'cac' else CBC}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def start(
    *, customization: str, profile: str, document_id: str, moment: datetime
) -> etree._Element:
    """A new ApplicationResponse root with its header elements, in UBL 2.1 schema order."""
    root = etree.Element(
        f"{{{NS}}}ApplicationResponse",
        nsmap={None: NS, "cac": CAC, "cbc": CBC},  # type: ignore[dict-item]
    )
    add(root, "cbc:CustomizationID", customization)
    add(root, "cbc:ProfileID", profile)
    add(root, "cbc:ID", document_id)
    add(root, "cbc:IssueDate", moment.date().isoformat())
    add(root, "cbc:IssueTime", moment.time().replace(microsecond=0).isoformat())
    return root


def scheme_value(participant: str) -> tuple[str, str]:
    """A Peppol participant id ``scheme:value`` split in two."""
    scheme, _, value = participant.partition(":")
    return scheme, value
