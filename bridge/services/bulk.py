"""Bulk tokenization: many blocks in one request, each answered as `POST /tokenizations` would have
answered it alone (201 created, 200 replayed, 403, 409, 422 or 429 naming the field).

Per item, not all-or-nothing: an item the bridge refuses changes nothing and blocks no other.
Items run in request order, so two items of one request meet as two requests sent one after the
other would (the second of two items with one idempotency key replays or is refused; the second of
two overlapping blocks is refused naming the first).

Items are locked in chunks of `CHUNK`, one transaction per chunk with a SAVEPOINT per item: a
refused item rolls back to its savepoint alone, and the chunk commits once. Each item takes the
single path's locks (`tokenizations.lock_in`: the batch lock, the key's quota row), and the locks are
held until its chunk commits, so two bulks claiming the same serials serialise on them exactly as
single requests do: one locks, the other is answered 409. What the items lock is written when the
chunk ends (`lock_scope.ChunkScope`), where the database's constraints check every row.
Two bulks taking batches in opposite orders may deadlock, or a concurrent lock the checks could not
see may meet a constraint when the chunk is written; the chunk is rolled back whole (nothing of it
was committed) and run again; after `TRIES` such losses its items run one by one as single
requests. A chunk is committed before the next starts: a crash mid-request keeps the chunks done,
and a retry of the request replays them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bridge.db.models import ApiKey, Tokenization
from bridge.schemas import TokenizationCreate
from bridge.serials import SerialBlock
from bridge.services import tokenizations
from bridge.services.errors import BridgeError
from bridge.services.lock_scope import ChunkScope
from bridge.services.tokenization_request import parse
from bridge.services.vintages import forget_vintages, remember_vintages

logger = logging.getLogger(__name__)

#: The most items one request may carry.
MAX_ITEMS = 1000
#: Items per transaction: large enough that a commit is rare, small enough that the locks a chunk
#: holds (on SQLite, the database's write lock) are not held for long.
CHUNK = 100
#: Runs of a chunk that lost a lock race before its items run one by one.
TRIES = 3


@dataclass(frozen=True)
class ItemResult:
    """What one item came to: `status` is the HTTP status a single request would have had."""

    index: int
    idempotency_key: str | None
    status: int
    tokenization: Tokenization | None = None
    error: dict[str, Any] | None = None


class _LostRace(Exception):
    """The chunk's transaction lost a lock race and must run again from the start."""


def tokenize_many(session: Session, key: ApiKey, items: list[dict[str, Any]]) -> list[ItemResult]:
    """Locks each item's block and queues its mint, in chunks; one result per item, in order.

    Items are the raw JSON objects: each is read as a `TokenizationCreate` on its own, so one that does
    not fit the schema is answered 422 naming its field instead of refusing the others.
    """
    numbered = list(enumerate(items))
    results: list[ItemResult] = []
    for start in range(0, len(numbered), CHUNK):
        results += _chunk(session, key, numbered[start : start + CHUNK])
    return results


def _chunk(session: Session, key: ApiKey, items: list[tuple[int, dict[str, Any]]]) -> list[ItemResult]:
    requests = [(index, _read(index, item)) for index, item in items]
    valid = [request for _, request in requests if isinstance(request, TokenizationCreate)]
    for attempt in range(TRIES):
        remember_vintages(session)
        try:
            scope = ChunkScope(session, key.operator_id, [r.idempotency_key for r in valid], _blocks(valid))
            results = [
                request if isinstance(request, ItemResult) else _locked(scope, key, index, request)
                for index, request in requests
            ]
            scope.flush()
        except _LostRace as err:
            _lost(session, items[0][0], err, attempt)
            continue
        except (OperationalError, IntegrityError) as err:
            if not tokenizations.retryable(err):
                raise
            _lost(session, items[0][0], err, attempt)
            continue
        forget_vintages(session)
        session.commit()
        return results
    logger.warning("bulk: chunk at item %s runs item by item", items[0][0])
    return [
        request if isinstance(request, ItemResult) else _alone(session, key, index, request)
        for index, request in requests
    ]


def _lost(session: Session, first: int, err: Exception, attempt: int) -> None:
    forget_vintages(session)
    session.rollback()
    logger.warning("bulk: chunk at item %s lost a lock race (%s); try %s", first, err, attempt + 1)


def _blocks(requests: list[TokenizationCreate]) -> list[SerialBlock]:
    """The blocks the items name, where their serials read (the others are refused by `lock_in`)."""
    blocks = []
    for request in requests:
        try:
            blocks.append(parse(request))
        except BridgeError:
            continue
    return blocks


def _read(index: int, item: dict[str, Any]) -> TokenizationCreate | ItemResult:
    """The item as a request, or its 422 as FastAPI would have answered it (`loc` within the item)."""
    try:
        return TokenizationCreate.model_validate(item)
    except ValidationError as err:
        errors = err.errors(include_url=False, include_context=False, include_input=False)
        first = ".".join(str(part) for part in errors[0]["loc"]) if errors else None
        body = {
            "error": "invalid_input",
            "message": f"{first}: {errors[0]['msg']}" if errors else str(err),
            "field": first,
            "errors": [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors],
        }
        return ItemResult(index, None, 422, error=body)


def _locked(scope: ChunkScope, key: ApiKey, index: int, request: TokenizationCreate) -> ItemResult:
    """One item under its own SAVEPOINT, in the chunk's transaction; raises _LostRace."""
    session = scope.session
    for attempt in range(TRIES):
        savepoint = session.begin_nested()
        try:
            tokenization, created = tokenizations.lock_in(scope, key, request)
        except BridgeError as err:
            savepoint.rollback()
            remember_vintages(session)  # the savepoint may have created one: read them again
            return _refused(index, request, err)
        except (OperationalError, IntegrityError) as err:
            savepoint.rollback()
            remember_vintages(session)
            if tokenizations.lost_lock_race(err):
                raise _LostRace(str(err.orig)) from err
            # A range a concurrent transaction committed first: the next run sees it and answers 409.
            if not tokenizations.retryable(err) or attempt == TRIES - 1:
                raise
            continue
        savepoint.commit()
        return ItemResult(index, request.idempotency_key, 201 if created else 200, tokenization)
    raise AssertionError("unreachable")


def _alone(session: Session, key: ApiKey, index: int, request: TokenizationCreate) -> ItemResult:
    """One item as a single request: its own transaction, and the single path's retries."""
    try:
        tokenization, created = tokenizations.tokenize(session, key, request)
    except BridgeError as err:
        session.rollback()
        return _refused(index, request, err)
    return ItemResult(index, request.idempotency_key, 201 if created else 200, tokenization)


def _refused(index: int, request: TokenizationCreate, err: BridgeError) -> ItemResult:
    return ItemResult(index, request.idempotency_key, err.status_code, error=err.body())
