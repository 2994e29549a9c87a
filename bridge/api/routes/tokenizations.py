from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from bridge.api import presenters
from bridge.api.deps import ApiKeyDep, ApproveKeyDep, PagingDep, SessionDep, TokenizeKeyDep
from bridge.schemas import (
    NO_NUL,
    Address,
    Page,
    RegistryField,
    TokenizationCancel,
    TokenizationCreate,
    TokenizationPublic,
    TokenizationStatus,
    error_responses,
)
from bridge.services import approvals, tokenizations

router = APIRouter(prefix="/tokenizations", tags=["tokenizations"])

# Tokenizations are private: only the operator's keys see them (another operator's answer 404).
BAD_KEY = "Missing, bad, revoked or expired API key"
ERRORS = error_responses(
    {
        400: "Body is not JSON",
        401: BAD_KEY,
        403: "Registry not allowed, or the key lacks the tokenize scope",
        409: "Overlaps a held block, or idempotency key reused",
        422: "Invalid input, naming the field",
        429: "Over the key's daily quota (tonnes over the last 24 hours): names `quantity` and what remains",
    }
)
TokenizationId = Annotated[str, Path(pattern=NO_NUL)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenizationPublic,
    responses={200: {"model": TokenizationPublic, "description": "Idempotency key replayed"}, **ERRORS},
)
def create_tokenization(
    body: TokenizationCreate, session: SessionDep, key: TokenizeKeyDep, response: Response
) -> TokenizationPublic:
    """Lock a serial block and queue the mint of its tonnes (200 when the idempotency key replays).

    Above the key's approval limit the serials are held but the mint waits (`awaiting_approval`) until
    another key of the operator approves it."""
    tokenization, created = tokenizations.tokenize(session, key, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return presenters.tokenization(tokenization)


@router.post(
    "/{tokenization_id}/approve",
    response_model=TokenizationPublic,
    responses=error_responses(
        {
            401: BAD_KEY,
            403: "The key lacks the approve scope or the registry, or it asked for this tokenization",
            404: "No such tokenization of this operator",
            409: "Not awaiting approval (already approved, say), naming its status",
            422: "Invalid input, naming the field",
        }
    ),
)
def approve_tokenization(
    tokenization_id: TokenizationId, session: SessionDep, key: ApproveKeyDep
) -> TokenizationPublic:
    """Approve another key's tokenization awaiting approval: it becomes `pending` and its mint is queued."""
    return presenters.tokenization(approvals.approve(session, key, tokenization_id))


@router.post(
    "/{tokenization_id}/cancel",
    response_model=TokenizationPublic,
    responses=error_responses(
        {
            400: "Body is not JSON",
            401: BAD_KEY,
            404: "No such tokenization of this operator",
            409: "Too late to cancel (mint signed, or minted, failed, cancelled), naming its status",
            422: "Invalid input, naming the field",
        }
    ),
)
def cancel_tokenization(
    tokenization_id: TokenizationId,
    session: SessionDep,
    key: ApiKeyDep,
    body: TokenizationCancel | None = None,
) -> TokenizationPublic:
    """Cancel a tokenization awaiting approval, or pending with its mint not yet signed: its serials are
    freed (the same serials can be tokenized again)."""
    reason = body.reason if body is not None else None
    return presenters.tokenization(approvals.cancel(session, key, tokenization_id, reason))


@router.get(
    "/{tokenization_id}",
    response_model=TokenizationPublic,
    responses=error_responses({401: BAD_KEY, 404: "No such tokenization of this operator"}),
)
def read_tokenization(
    tokenization_id: TokenizationId, session: SessionDep, key: ApiKeyDep
) -> TokenizationPublic:
    """One of the operator's tokenizations with its status, transaction and block."""
    return presenters.tokenization(tokenizations.get(session, tokenization_id, operator_id=key.operator_id))


@router.get("", response_model=Page[TokenizationPublic], responses=error_responses({401: BAD_KEY}))
def list_tokenizations(
    session: SessionDep,
    key: ApiKeyDep,
    paging: PagingDep,
    status_: Annotated[TokenizationStatus | None, Query(alias="status")] = None,
    registry: RegistryField | None = None,
    beneficiary: Address | None = None,
) -> Page[TokenizationPublic]:
    """The operator's tokenizations, oldest first."""
    rows, total = tokenizations.list_tokenizations(
        session,
        operator_id=key.operator_id,
        status=status_,
        registry=registry,
        beneficiary=beneficiary,
        limit=paging.limit,
        offset=paging.offset,
    )
    return presenters.page([presenters.tokenization(t) for t in rows], total, paging)
