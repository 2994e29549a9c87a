"""Bulk tokenization: up to 1,000 `TokenizationCreate` items in one request, a result per item."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from bridge.schemas import ErrorDetail, TokenizationPublic

#: The most items one request may carry (`services.bulk.MAX_ITEMS`, spelled here for the schema).
MAX_BULK_ITEMS = 1000

# Each item is read on its own, so an item that does not fit `TokenizationCreate` is answered 422
# in its result rather than refusing the request: the schema says so (any object is accepted).
_ITEM_SCHEMA = {
    "anyOf": [
        {"$ref": "#/components/schemas/TokenizationCreate"},
        {
            "type": "object",
            "description": "Any other object is answered on its own with 422 naming the field.",
        },
    ],
    "description": "A `TokenizationCreate`, as `POST /tokenizations` takes it.",
}
BulkItem = Annotated[dict[str, Any], WithJsonSchema(_ITEM_SCHEMA)]


class TokenizationBulkCreate(BaseModel):
    """Up to 1,000 blocks to lock and mint, each with its own idempotency key."""

    model_config = ConfigDict(extra="forbid")

    items: list[BulkItem] = Field(min_length=1, max_length=MAX_BULK_ITEMS)


BulkOutcome = Literal["created", "replayed", "refused"]


class BulkItemPublic(BaseModel):
    """What one item came to, as `POST /tokenizations` would have answered it alone."""

    index: int = Field(description="The item's position in the request, from 0.")
    idempotency_key: str | None = Field(
        description="The item's key; null when the item did not fit the schema."
    )
    status: int = Field(
        description="The single request's status: 201 created, 200 replayed, 403, 409, 422 or 429 refused."
    )
    outcome: BulkOutcome
    tokenization: TokenizationPublic | None = Field(description="The tokenization, created or replayed.")
    error: ErrorDetail | None = Field(description="Why it was refused, naming the field; null otherwise.")


class TokenizationBulkPublic(BaseModel):
    """One result per item, in the request's order, and how many came to each outcome."""

    items: list[BulkItemPublic]
    created: int
    replayed: int
    refused: int
