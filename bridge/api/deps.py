"""Dependencies: a database session per request, the authenticated operator and its scopes, the chain."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from bridge.chain.contracts import Chain
from bridge.db.models import ApiKey
from bridge.db.pagination import DEFAULT_LIMIT, MAX_LIMIT, Window
from bridge.services import operators
from bridge.services.errors import ChainUnavailable


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


# The OpenAPI security scheme of the routes that take it; `authenticate` answers 401 without it.
API_KEY = APIKeyHeader(name="X-API-Key", description="Operator API key", auto_error=False)


def get_api_key(session: SessionDep, x_api_key: Annotated[str | None, Security(API_KEY)]) -> ApiKey:
    return operators.authenticate(session, x_api_key)


ApiKeyDep = Annotated[ApiKey, Depends(get_api_key)]


def get_tokenize_key(key: ApiKeyDep) -> ApiKey:
    """A key that may ask for tokenizations; 403 naming the scope otherwise."""
    operators.require_scope(key, "tokenize")
    return key


def get_approve_key(key: ApiKeyDep) -> ApiKey:
    """A key that may approve another key's tokenizations; 403 naming the scope otherwise."""
    operators.require_scope(key, "approve")
    return key


TokenizeKeyDep = Annotated[ApiKey, Depends(get_tokenize_key)]
ApproveKeyDep = Annotated[ApiKey, Depends(get_approve_key)]


def get_chain(request: Request) -> Chain | None:
    chain: Chain | None = request.app.state.chain
    return chain


ChainDep = Annotated[Chain | None, Depends(get_chain)]


def require_chain(request: Request) -> Chain:
    """The chain, for routes that only read it: 503 when the service runs without one."""
    chain = get_chain(request)
    if chain is None:
        raise ChainUnavailable("the service runs without a chain connection")
    return chain


LiveChainDep = Annotated[Chain, Depends(require_chain)]


# Row ids are 32-bit integers in the database: a larger one is refused as input, not sent to it.
MAX_ID = 2**31 - 1
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def get_paging(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> Window:
    """The window of a list endpoint: the same `limit` and `offset`, defaults and bounds, on all of them."""
    return Window(limit, offset)


PagingDep = Annotated[Window, Depends(get_paging)]
