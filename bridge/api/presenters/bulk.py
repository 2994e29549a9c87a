"""The answer to a bulk tokenization: one result per item, as the single request would have had."""

from __future__ import annotations

from bridge.api.presenters.records import tokenization
from bridge.schemas import ErrorDetail
from bridge.schemas.bulk import BulkItemPublic, BulkOutcome, TokenizationBulkPublic
from bridge.services.bulk import ItemResult


def bulk_result(results: list[ItemResult]) -> TokenizationBulkPublic:
    items = [_item(result) for result in results]
    return TokenizationBulkPublic(
        items=items,
        created=sum(item.outcome == "created" for item in items),
        replayed=sum(item.outcome == "replayed" for item in items),
        refused=sum(item.outcome == "refused" for item in items),
    )


def _item(result: ItemResult) -> BulkItemPublic:
    outcome: BulkOutcome = {201: "created", 200: "replayed"}.get(result.status, "refused")  # type: ignore[assignment]
    return BulkItemPublic(
        index=result.index,
        idempotency_key=result.idempotency_key,
        status=result.status,
        outcome=outcome,
        tokenization=tokenization(result.tokenization) if result.tokenization is not None else None,
        error=ErrorDetail.model_validate(result.error) if result.error is not None else None,
    )
