from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from bridge.api import presenters
from bridge.api.deps import ApiKeyDep, PagingDep, SessionDep
from bridge.schemas import (
    NO_NUL,
    Address,
    Page,
    RegistryField,
    TokenizationCreate,
    TokenizationPublic,
    error_responses,
)
from bridge.services import tokenizations

router = APIRouter(prefix="/tokenizations", tags=["tokenizations"])

ERRORS = error_responses(
    {
        400: "Body is not JSON",
        401: "Missing or bad API key",
        403: "Registry not allowed",
        409: "Overlaps a held block, or idempotency key reused",
        422: "Invalid input, naming the field",
    }
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenizationPublic,
    responses={200: {"model": TokenizationPublic, "description": "Idempotency key replayed"}, **ERRORS},
)
def create_tokenization(
    body: TokenizationCreate, session: SessionDep, key: ApiKeyDep, response: Response
) -> TokenizationPublic:
    """Lock a serial block and queue the mint of its tonnes (200 when the idempotency key replays)."""
    tokenization, created = tokenizations.tokenize(session, key, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return presenters.tokenization(tokenization)


@router.get(
    "/{tokenization_id}",
    response_model=TokenizationPublic,
    responses=error_responses({404: "No such tokenization"}),
)
def read_tokenization(
    tokenization_id: Annotated[str, Path(pattern=NO_NUL)], session: SessionDep
) -> TokenizationPublic:
    """A tokenization with its status (`pending`, `minted`, `failed`), transaction and block."""
    return presenters.tokenization(tokenizations.get(session, tokenization_id))


@router.get("", response_model=Page[TokenizationPublic])
def list_tokenizations(
    session: SessionDep,
    paging: PagingDep,
    status_: Annotated[str | None, Query(alias="status", pattern="^(pending|minted|failed)$")] = None,
    registry: RegistryField | None = None,
    beneficiary: Address | None = None,
) -> Page[TokenizationPublic]:
    """Tokenizations, oldest first."""
    rows, total = tokenizations.list_tokenizations(
        session,
        status=status_,
        registry=registry,
        beneficiary=beneficiary,
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page(
        items=[presenters.tokenization(t) for t in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )
