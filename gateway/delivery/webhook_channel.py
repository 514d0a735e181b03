"""The webhook channel: POSTs one signed event to one endpoint; 5xx and timeouts are retried."""

from __future__ import annotations

import json
from typing import Any

import httpx2
from sqlmodel import Session

from gateway.delivery.errors import Cancelled, GiveUp, RetryLater
from gateway.delivery.queue import Result
from gateway.delivery.service import Delivery
from gateway.delivery.tables import DeliveryJob, WebhookEndpoint
from gateway.delivery.webhook import EVENT_ID_HEADER, SIGNATURE_HEADER, check_url, signature_header

# Answers worth another attempt: server errors, timeouts, rate limits.
RETRIED_CODES = frozenset({408, 425, 429})


def event_body(event: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed for an event (stable across attempts)."""
    return json.dumps(event, sort_keys=True, separators=(",", ":")).encode()


def make_handler(delivery: Delivery) -> Any:
    """The ``webhook`` task's handler for this app."""

    def send(job: DeliveryJob, payload: dict[str, Any]) -> Result:
        with Session(delivery.engine) as session:
            endpoint = session.get(WebhookEndpoint, job.subject_id)
            if endpoint is None or endpoint.revoked_at is not None:
                raise Cancelled("the endpoint was revoked; nothing sent")
            secret = delivery.open_secret(session, endpoint)
            url = endpoint.url
        try:
            check_url(url, allow_private=delivery.settings.webhook_allow_private, resolve=True)
        except ValueError as exc:
            raise GiveUp(f"endpoint URL refused: {exc}") from None
        event = payload["event"]
        body = event_body(event)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "einvoice-gateway-webhooks/1",
            SIGNATURE_HEADER: signature_header(secret, body),
            EVENT_ID_HEADER: event["id"],
        }
        try:
            response = httpx2.post(
                url,
                content=body,
                headers=headers,
                timeout=delivery.settings.delivery_timeout_seconds,
                follow_redirects=False,
            )
        except httpx2.TimeoutException:
            raise RetryLater("the endpoint did not answer in time") from None
        except httpx2.TransportError as exc:
            raise RetryLater(f"the endpoint could not be reached ({type(exc).__name__})") from None
        code = response.status_code
        if 200 <= code < 300:
            return Result(code=code)
        if code >= 500 or code in RETRIED_CODES:
            raise RetryLater(f"the endpoint answered {code}", code=code)
        raise GiveUp(f"the endpoint answered {code}; not retried", code=code)

    return send
