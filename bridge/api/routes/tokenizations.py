from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from bridge.api import presenters
from bridge.api.deps import ApiKeyDep, PagingDep, SessionDep
from bridge.schemas import Address, Page, RegistryField, TokenizationCreate, TokenizationPublic
from bridge.services import tokenizations

router = APIRouter(prefix="/tokenizations", tags=["tokenizations"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or bad API key"},
    403: {"description": "Registry not allowed"},
    409: {"description": "Overlaps a held block, or idempotency key reused"},
}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TokenizationPublic, responses=ERRORS)
def create_tokenization(
    body: TokenizationCreate, session: SessionDep, key: ApiKeyDep, response: Response
) -> TokenizationPublic:
    """Lock a serial block and queue the mint of its tonnes (200 when the idempotency key replays)."""
    tokenization, created = tokenizations.tokenize(session, key, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return presenters.tokenization(tokenization)


@router.get("/{tokenization_id}", response_model=TokenizationPublic)
def read_tokenization(tokenization_id: str, session: SessionDep) -> TokenizationPublic:
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
