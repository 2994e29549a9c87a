"""`POST /tokenizations/bulk`: many blocks in one request, a result per item (`services.bulk`)."""

from __future__ import annotations

from fastapi import APIRouter, status

from bridge.api.deps import SessionDep, TokenizeKeyDep
from bridge.api.presenters.bulk import bulk_result
from bridge.schemas import error_responses
from bridge.schemas.bulk import TokenizationBulkCreate, TokenizationBulkPublic
from bridge.services import bulk

router = APIRouter(prefix="/tokenizations", tags=["tokenizations"])


@router.post(
    "/bulk",
    status_code=status.HTTP_207_MULTI_STATUS,
    response_model=TokenizationBulkPublic,
    responses=error_responses(
        {
            400: "Body is not JSON",
            401: "Missing, bad, revoked or expired API key",
            403: "The key lacks the tokenize scope",
            422: "Not a list of 1 to 1,000 objects under `items` (names the field)",
        }
    ),
)
def create_tokenizations(
    body: TokenizationBulkCreate, session: SessionDep, key: TokenizeKeyDep
) -> TokenizationBulkPublic:
    """Lock up to 1,000 serial blocks and queue their mints; per item, not all-or-nothing.

    Each item is a `POST /tokenizations` body with its own idempotency key, and gets the result that
    request would have had alone: `status` 201 (created), 200 (idempotency key replayed), or 403, 409,
    422, 429 with the error naming the field. An item the bridge refuses changes nothing and never
    blocks another; items run in order, so two items of one request meet as two requests sent one
    after the other. The key's registries, daily quota and approval limit apply per item.

    The answer is always 207 Multi-Status once the request itself is read: the items carry the
    outcome. Items are committed in chunks of 100, so a request cut short keeps the chunks done;
    sending it again replays them (200) and goes on with the rest. The mints queue like single ones,
    and the sender batches them (`BRIDGE_MINT_BATCH`)."""
    return bulk_result(bulk.tokenize_many(session, key, body.items))
