"""Delivery and reception: the durable job queue, webhooks, e-mail and Peppol AS4 (issue 15)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from gateway.delivery.service import Delivery

__all__ = ["Delivery", "install"]


def install(app: FastAPI) -> Delivery:
    """Builds the app's delivery, hooks it into the pipeline, and runs its worker with the app."""
    from gateway.delivery import email_channel, received, webhook_channel

    delivery = Delivery(
        settings=app.state.settings, engine=app.state.engine, archive=app.state.archive
    )
    delivery.handlers["webhook"] = webhook_channel.make_handler(delivery)
    delivery.handlers["email"] = email_channel.make_handler(delivery)
    settings = app.state.settings
    if settings.peppol_key is not None and settings.peppol_cert is not None:
        from gateway.delivery import peppol_channel

        peppol_channel.install(delivery)
    app.state.delivery = delivery
    # Signals kept in clear before they were sealed (revision 0012): sealed now, once.
    received.seal_legacy(app.state.engine, app.state.archive)
    app.state.pipeline.on_stored = delivery.on_stored

    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        delivery.start()
        try:
            async with previous(application) as state:
                yield state
        finally:
            delivery.stop()

    app.router.lifespan_context = lifespan
    return delivery
