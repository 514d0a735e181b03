"""Renders console pages: one Jinja2 environment (console and invoice templates), safe headers."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

# Pages hold personal data and live on the gateway's own origin only.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make browsers send Origin: null
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


@cache
def environment() -> Environment:
    """Console templates first, then the readable invoice's."""
    return Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("gateway.console", "templates"),
                PackageLoader("gateway.show", "templates"),
            ]
        ),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


def page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    response: Response | None = None,
    status_code: int = 200,
) -> Response:
    """A rendered page; ``response`` keeps cookies already set on it."""
    html = environment().get_template(template).render(request=request, **context)
    out = response or HTMLResponse("")
    out.body = out.render(html)
    out.headers["content-length"] = str(len(out.body))
    out.status_code = status_code
    out.headers.update(SECURITY_HEADERS)
    return out
