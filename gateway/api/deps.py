"""Dependencies of the API routes: the database session, the caller, and role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlmodel import Session

from gateway.auth import Principal, authenticate
from gateway.pipeline import Pipeline


def get_session(request: Request) -> Iterator[Session]:
    """A session on the app's engine, closed after the request."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_pipeline(request: Request) -> Pipeline:
    """The app's submission pipeline."""
    pipeline: Pipeline = request.app.state.pipeline
    return pipeline


PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]


def get_principal(request: Request, session: SessionDep) -> Principal:
    """The caller, from ``Authorization: Bearer <key>``; 401 otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            401,
            "missing API key: send Authorization: Bearer <key>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = authenticate(session, token.strip())
    session.rollback()  # end the read; the endpoint opens its own transaction if it writes
    if principal is None:
        raise HTTPException(
            401, "unknown, revoked or expired API key", headers={"WWW-Authenticate": "Bearer"}
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def RequireRole(*roles: str) -> Callable[[Principal], Principal]:  # noqa: N802 - reads as a type in signatures
    """A dependency that lets through callers holding any of ``roles`` (403 otherwise)."""

    def check(principal: CurrentPrincipal) -> Principal:
        if not principal.roles & set(roles):
            raise HTTPException(403, f"this needs one of the roles: {', '.join(roles)}")
        return principal

    return check


ErpPrincipal = Annotated[Principal, Depends(RequireRole("erp"))]
ReaderPrincipal = Annotated[
    Principal, Depends(RequireRole("erp", "compliance", "auditor", "admin"))
]
AdminPrincipal = Annotated[Principal, Depends(RequireRole("admin"))]
