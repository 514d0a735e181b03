"""The compliance console at ``/console``: server-rendered pages over the gateway's own data."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from gateway.archive import jobs
from gateway.console.errors import ConsoleError, SignInRequired
from gateway.console.exports import router as exports_router
from gateway.console.holds import router as holds_router
from gateway.console.integrity import router as integrity_router
from gateway.console.pages import router
from gateway.console.privacy import router as privacy_router
from gateway.console.render import page
from gateway.console.session import Sessions, load_secret
from gateway.console.verification import VerificationJobs

__all__ = ["install"]


def install(app: FastAPI) -> None:
    """Adds the console's pages, static files and error pages to ``app``."""
    app.state.console_sessions = Sessions(load_secret(app.state.settings.data_dir))
    app.state.console_verifications = VerificationJobs()
    # Jobs left "running" by a stopped process (their lease ran out) are failed now.
    jobs.sweep(app.state.engine)
    app.include_router(router)
    for extra in (holds_router, exports_router, integrity_router, privacy_router):
        app.include_router(extra)
    static = Path(__file__).parent / "static"
    app.mount("/console/static", StaticFiles(directory=static), name="console-static")

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        if request.method != "GET":
            # A form post without a session (expired, or cross-site: no SameSite=Strict cookie).
            message = "no console session: cross-site or expired form posts are refused"
            return page(request, "error.html", {"status": 403, "message": message}, status_code=403)
        return RedirectResponse("/console/login", status_code=303)

    @app.exception_handler(ConsoleError)
    async def _error(request: Request, exc: ConsoleError) -> Response:
        return page(
            request,
            "error.html",
            {"status": exc.status_code, "message": exc.message},
            status_code=exc.status_code,
        )
