"""Factur-X / ZUGFeRD / XRechnung-in-PDF: the e-invoice XML a PDF/A-3 carries as an attachment.

The attachment is read with ``pypdf`` (the PDF library ``factur-x`` uses) and
returned as bytes, so that it goes through the gateway's hardened XML input like
any other document (``factur-x``'s own extractor parses it with a default lxml
parser, which this module avoids).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from schemas.errors import XmlInputError

#: Attachment names the Factur-X 1.0, ZUGFeRD 1/2 and XRechnung-in-PDF conventions use.
KNOWN_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "zugferd_invoice.xml", "xrechnung.xml")


@dataclass(frozen=True)
class EmbeddedInvoice:
    """The e-invoice attachment of a PDF: its file name and its bytes, as attached."""

    filename: str
    xml: bytes


def is_pdf(data: bytes) -> bool:
    """Whether the bytes are a PDF (by its header, which may follow up to 1 KiB of junk)."""
    return b"%PDF-" in data[:1024]


def embedded_invoice(pdf: bytes) -> EmbeddedInvoice | None:
    """Returns the e-invoice XML attached to a PDF, or None when it carries none.

    A known Factur-X/ZUGFeRD name wins; otherwise the first ``.xml`` attachment.

    Raises:
        XmlInputError: The bytes are not a readable PDF.
    """
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        attachments = PdfReader(io.BytesIO(pdf)).attachments
        found = {name: contents for name, contents in attachments.items() if contents}
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise XmlInputError("not-a-pdf", f"the PDF cannot be read: {exc}") from exc
    xml_names = [name for name in found if name.lower().endswith(".xml")]
    if not xml_names:
        return None
    chosen = next((n for n in xml_names if n.lower() in KNOWN_NAMES), xml_names[0])
    return EmbeddedInvoice(filename=chosen, xml=found[chosen][0])
