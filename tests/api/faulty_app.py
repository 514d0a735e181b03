"""A gateway app with one route that always fails, for the live keep-alive test (uvicorn --factory)."""

from __future__ import annotations

from fastapi import FastAPI

from gateway.app import create_app


def create_faulty_app() -> FastAPI:
    app = create_app()

    @app.get("/test-only/fail")
    def fail() -> None:
        raise RuntimeError("deliberate failure with a secret value " + "4111" * 4)

    @app.post("/test-only/fail")
    def fail_post() -> None:
        raise RuntimeError("deliberate failure with a secret value " + "4111" * 4)

    return app
