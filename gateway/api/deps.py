"""Dependencies of the API routes: the database session, the caller, and role checks."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session

from gateway.audit import audit_event
from gateway.auth import KeyCache, Principal, authenticate
from gateway.db import writer
from gateway.pipeline import Pipeline


def get_session(request: Request) -> Iterator[Session]:
    """A session on the app's engine, closed after the request."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_writer_session(request: Request) -> Iterator[Session]:
    """A session for requests that write.

    On SQLite its transactions take the write lock at BEGIN (IMMEDIATE), so a
    read-then-write never fails on a lock upgrade while another writer (the
    delivery worker, a submission) commits.
    """
    with Session(writer(request.app.state.engine), expire_on_commit=False) as session:
        yield session


WriterSessionDep = Annotated[Session, Depends(get_writer_session)]


async def get_pipeline(request: Request) -> Pipeline:
    """The app's submission pipeline."""
    pipeline: Pipeline = request.app.state.pipeline
    return pipeline


PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]


# Declares the Bearer scheme in OpenAPI (the Authorize button of /docs); the checks
# and their messages stay ours, so auto_error is off.
bearer = HTTPBearer(
    scheme_name="ApiKey",
    bearerFormat="egw_...",
    description="An API key of the gateway: Authorization: Bearer egw_...",
    auto_error=False,
)


def _read_principal(engine: Engine, token: str) -> Principal | None:
    with Session(engine) as session:
        return authenticate(session, token)


def key_cache(request: Request) -> KeyCache:
    """The app's cache of recently authenticated keys (revoking a key must :meth:`~KeyCache.forget` it)."""
    cache: KeyCache = request.app.state.key_cache
    return cache


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller, from ``Authorization: Bearer <key>``; 401 otherwise.

    Async, and without a database read for a key seen in the last ``KeyCache.ttl``
    seconds: a request costs no thread-pool hop for authentication. A key that is
    not cached is read in the thread pool (the database driver blocks).
    """
    token = credentials.credentials.strip() if credentials else ""
    if not token:
        raise HTTPException(
            401,
            "missing API key: send Authorization: Bearer <key>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    cache = key_cache(request)
    principal = cache.get(token)
    if principal is None:
        started = cache.start_read()
        principal = await run_in_threadpool(_read_principal, request.app.state.engine, token)
        if principal is not None:
            cache.put(token, principal, started=started)
    if principal is None:
        raise HTTPException(
            401, "unknown, revoked or expired API key", headers={"WWW-Authenticate": "Bearer"}
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def RequireRole(*roles: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:  # noqa: N802 - reads as a type in signatures
    """A dependency that lets through callers holding any of ``roles`` (403 otherwise)."""

    async def check(principal: CurrentPrincipal) -> Principal:  # pure: no thread-pool hop
        if not principal.roles & set(roles):
            raise HTTPException(403, f"this needs one of the roles: {', '.join(roles)}")
        return principal

    return check


ErpPrincipal = Annotated[Principal, Depends(RequireRole("erp"))]
# Reads by these roles are audit events (a tax auditor's access must be provable).
AUDITED_READERS = frozenset({"auditor", "compliance"})


async def get_reader(
    request: Request,
    principal: Annotated[Principal, Depends(RequireRole("erp", "compliance", "auditor", "admin"))],
) -> Principal:
    """A caller allowed to read; an auditor's or compliance officer's read is recorded first.

    Async: only a read that must be audited takes a thread-pool hop (for its write).
    """
    if principal.roles & AUDITED_READERS:
        route = request.scope.get("route")
        operation = getattr(route, "operation_id", None) or "unknown"
        # Query parameter names only: their values can be names or identifiers.
        names = sorted(set(request.query_params.keys()))
        detail = f"operation {operation}" + (f"; query: {', '.join(names)}" if names else "")
        await run_in_threadpool(
            _record_read, request.app.state.engine, principal, request.url.path, detail
        )
    return principal


def _record_read(engine: Engine, principal: Principal, target: str, detail: str) -> None:
    with Session(writer(engine)) as session, session.begin():
        session.add(
            audit_event(
                tenant_id=principal.tenant_id,
                api_key_id=principal.key_id,
                action="read",
                target=target,
                detail=detail,
            )
        )


ReaderPrincipal = Annotated[Principal, Depends(get_reader)]
AdminPrincipal = Annotated[Principal, Depends(RequireRole("admin"))]
PlatformPrincipal = Annotated[Principal, Depends(RequireRole("platform"))]
