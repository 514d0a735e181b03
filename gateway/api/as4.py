"""The Peppol AS4 receiving endpoint (``POST /as4``): authenticated by the message signature, not an API key."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

router = APIRouter(tags=["as4"])


@router.post(
    "/as4",
    operation_id="as4-receive",
    responses={200: {"content": {"application/soap+xml": {}}}, 404: {}, 503: {}},
)
async def receive_as4(request: Request) -> Response:
    """Receives one AS4 user message: answers with a signed receipt or an ebMS error signal.

    The sender's signature is checked against the trusted access-point CAs, the
    payload decrypted, the invoice validated and archived as inbound; an MLR goes
    back to the sender asynchronously.
    """
    delivery = request.app.state.delivery
    if delivery.peppol is None:
        raise HTTPException(404, "this gateway is not a Peppol access point (EGW_PEPPOL_KEY unset)")
    from gateway.delivery.peppol_channel import receive

    body = await request.body()
    # Only the MIME headers: the multipart body is parsed as a MIME message.
    headers = {
        name: value
        for name, value in request.headers.items()
        if name.lower() in ("content-type", "mime-version")
    }
    answer = await run_in_threadpool(receive, delivery, request.app, headers, body)
    return Response(answer.body, status_code=answer.status, headers=answer.headers)
