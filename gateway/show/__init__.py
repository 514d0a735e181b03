"""Human-readable e-invoices: any parsed EN 16931 invoice as HTML (Jinja2) and PDF (WeasyPrint).

Pure functions of the parsed model; nothing here reads the database or the
network. ``render_html(invoice, lang="de")`` gives a stand-alone page (styles and
attachments inside), ``render_pdf`` prints that page to PDF.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from gateway.show.terms import LANGUAGES, message, messages
from gateway.show.view import AttachmentHref, InvoiceView, build
from schemas.model import Invoice

__all__ = [
    "LANGUAGES",
    "InvoiceView",
    "body_context",
    "build",
    "negotiate_language",
    "parse_document",
    "render_html",
    "render_pdf",
    "stylesheet",
]


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("gateway.show", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=False,
        lstrip_blocks=False,
    )


@cache
def stylesheet() -> str:
    """The invoice stylesheet (also linked by the console)."""
    return resources.files("gateway.show").joinpath("templates/invoice.css").read_text("utf-8")


class _Ids:
    """Unique element ids for section headings (``aria-labelledby``) within one page."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return self.current

    @property
    def current(self) -> str:
        return f"{self.prefix}{self.count}"


def body_context(view: InvoiceView, *, top: int = 1, pdf: bool = False) -> dict[str, Any]:
    """What ``_invoice_body.html`` needs; ``top`` is the heading level of the title."""
    words = {key: message(key, view.lang) for key in messages()}
    return {"view": view, "words": words, "top": top, "pdf": pdf, "ids": _Ids("bg-")}


def render_html(
    invoice: Invoice,
    *,
    lang: str = "en",
    attachment_href: AttachmentHref | None = None,
    pdf: bool = False,
) -> str:
    """The invoice as a stand-alone HTML page in ``lang`` (``en`` or ``de``)."""
    view = build(invoice, lang=lang, attachment_href=attachment_href)
    template = _environment().get_template("invoice.html")
    return template.render(css=stylesheet(), **body_context(view, pdf=pdf))


def render_pdf(invoice: Invoice, *, lang: str = "en") -> bytes:
    """The invoice as PDF, printed from the same HTML; attachments are embedded as PDF attachments."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_html(invoice, lang=lang, pdf=True)
    # The invoice is untrusted input: WeasyPrint may read the data: URLs we wrote, never fetch.
    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf()
    return pdf


def negotiate_language(accept_language: str | None, default: str = "en") -> str:
    """The best supported language for an ``Accept-Language`` header.

    >>> negotiate_language("de-DE,de;q=0.9,en;q=0.8")
    'de'
    >>> negotiate_language("fr-FR, en;q=0.5")
    'en'
    """
    from babel import negotiate_locale

    if not accept_language:
        return default
    preferred = []
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            preferred.append((quality, tag.strip().split("-")[0].lower()))
    ordered = [tag for _, tag in sorted(preferred, key=lambda p: -p[0])]
    return negotiate_locale(ordered, list(LANGUAGES)) or default


def parse_document(xml: bytes) -> Invoice:
    """A UBL or CII document parsed into the model (the syntax is detected from the root).

    Raises:
        schemas.errors.GatewayError: The document cannot be read or mapped.
    """
    from schemas import cii, ubl
    from schemas.xml_input import parse_xml
    from validators import detect_syntax

    module: Any = cii if detect_syntax(parse_xml(xml)) == "cii" else ubl
    invoice: Invoice = module.parse(xml)
    return invoice
