"""Tokenization: lock a serial block off-chain and queue the mint of exactly its tonnes.

The key's limits apply: a request over its daily quota is refused (`quotas`), and one above its
approval limit holds its serials but queues no mint until another key approves it (`approvals`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bridge.catalog import Registry
from bridge.db import audit, outbox
from bridge.db.models import NO_OVERLAP, ApiKey, OutboxItem, SerialRange, Tokenization, Vintage
from bridge.db.pagination import Window, paginate
from bridge.schemas import TokenizationCreate
from bridge.services.errors import Conflict, Forbidden, NotFound
from bridge.services.lock_scope import LockRows, LockScope
from bridge.services.quotas import check_quota
from bridge.services.serial_claims import claim, lock_batch
from bridge.services.serial_claims import serial_hash as claimed_hash
from bridge.services.tokenization_request import parse, project_id_of, vintage_period, whole_tonnes
from bridge.services.vintages import ensure_vintage
from bridge.states import RangeState, TokenizationStatus
from bridge.units import to_hex

logger = logging.getLogger(__name__)


# PostgreSQL may end a transaction that lost a lock race (deadlock, serialization failure), and the
# database refuses a range that a concurrent transaction locked first in its numbering space
# (exclusion violation; SQLite's trigger names the constraint). The use case is safe to run again from
# the start, since nothing of it was committed: the second run sees the winner and answers 409.
RETRYABLE_PG_CODES = {"40P01", "40001", "23P01"}


def retryable(err: DBAPIError) -> bool:
    """Whether a use case that failed with `err` may run again from the start (see above)."""
    return getattr(err.orig, "pgcode", None) in RETRYABLE_PG_CODES or NO_OVERLAP in str(err.orig)


def lost_lock_race(err: DBAPIError) -> bool:
    """A deadlock or serialization failure: PostgreSQL ended the whole transaction's claim, so only a
    run of it from the start can succeed (an overlap refused by the constraint is not one of these)."""
    return getattr(err.orig, "pgcode", None) in {"40P01", "40001"}


def tokenize(session: Session, key: ApiKey, request: TokenizationCreate) -> tuple[Tokenization, bool]:
    """Records the lock and the mint intent in one transaction; returns (tokenization, created).

    The same idempotency key with the same request returns the first result and mints nothing more;
    with a different request it is refused.
    """
    for attempt in range(3):
        try:
            return _tokenize(session, key, request)
        except (OperationalError, IntegrityError) as err:
            session.rollback()
            if not retryable(err) or attempt == 2:
                raise
            logger.warning("tokenize: transaction lost a race (%s); retrying", err.orig)
    raise AssertionError("unreachable")


def _tokenize(session: Session, key: ApiKey, request: TokenizationCreate) -> tuple[Tokenization, bool]:
    tokenization, created = lock_in(LockScope(session), key, request)
    if created:
        session.commit()
    return tokenization, created


def lock_in(scope: LockScope, key: ApiKey, request: TokenizationCreate) -> tuple[Tokenization, bool]:
    """What `tokenize` does, without the commit: the caller commits (one request, or a bulk's chunk of
    items under a SAVEPOINT each, whose `ChunkScope` writes them when the chunk ends). Raises a
    BridgeError naming the field, changing nothing it keeps."""
    session = scope.session
    request_hash = _request_hash(request)
    existing = scope.replay_of(key.operator_id, request.idempotency_key)
    if existing is not None:
        return _replayed(existing, request_hash), False

    if int(request.registry) not in key.registry_ids:
        raise Forbidden(
            f"operator {key.operator.name} may not bridge {request.registry.name.lower()} credits",
            field="registry",
        )
    block = parse(request)
    tonnes = whole_tonnes(block)
    project_id = project_id_of(block, request)
    start, end = vintage_period(block, request)

    lock_batch(session, block)
    # The lock above serialises requests on this batch, so a concurrent retry with the same
    # idempotency key is seen here rather than reported as an overlap with itself.
    existing = scope.replay_of(key.operator_id, request.idempotency_key, locked=True)
    if existing is not None:
        return _replayed(existing, request_hash), False
    # After the replay checks: a replay is not counted twice.
    check_quota(session, key, tonnes, unwritten=scope.unwritten_tonnes(key))
    awaiting = key.approval_above_tonnes is not None and tonnes > key.approval_above_tonnes
    described = {"project_id": project_id, "vintage_start": start.isoformat(), "vintage_end": end.isoformat()}
    claimed = claim(scope, block, described=described, issued_quantity=request.issued_quantity)
    pieces = claimed.pieces

    vintage = ensure_vintage(
        session,
        registry=block.registry,
        project_id=project_id,
        attributes=request.project,
        country=block.country or request.project.country,
        start=start,
        end=end,
        create_token=not awaiting,  # a request never approved leaves nothing on-chain
    )
    claimed.record()  # nothing refuses the lock from here on
    tokenization_id = str(uuid.uuid4())
    # Random, not derived from the tokenization's id: a stolen minter key must not be able to guess a
    # pending lock id and spend it first (the factory binds a lock id to the first order that uses it).
    lock_id = to_hex(secrets.token_bytes(32))
    serial_hash = claimed_hash(block, pieces)
    tokenization = Tokenization(
        id=tokenization_id,
        operator_id=key.operator_id,
        api_key=key,
        status=TokenizationStatus.AWAITING_APPROVAL if awaiting else TokenizationStatus.PENDING,
        idempotency_key=request.idempotency_key,
        request_hash=request_hash,
        registry_id=int(block.registry),
        serial=", ".join(piece.serial for piece in pieces),
        issuance=block.issuance,
        block_start=pieces[0].start,
        block_end=pieces[-1].end,
        quantity=tonnes,
        # The object, not only its key: the response reads it after the commit without a query.
        vintage=vintage,
        beneficiary=request.beneficiary,
        lock_id=lock_id,
        serial_hash=serial_hash,
        serial_identity=json.dumps({"space": block.space, "ranges": [[p.start, p.end] for p in pieces]}),
    )
    if claimed.new_batch is not None:
        claimed.new_batch.first_tokenization_id = tokenization_id
    ranges = [
        SerialRange(
            registry_id=int(block.registry),
            space=piece.space,
            issuance=piece.issuance,
            block_start=piece.start,
            block_end=piece.end,
            serial=piece.serial,
            state=RangeState.PENDING,
            vintage_pk=vintage.id,
            tokenization_id=tokenization_id,
        )
        for piece in pieces
    ]
    audit_row = audit.entry(
        actor=key.operator.name,
        action="tokenization.locked",
        entity="tokenization",
        entity_id=tokenization_id,
        serial=tokenization.serial,
        space=block.space,
        tonnes=tonnes,
        beneficiary=request.beneficiary,
        api_key=key.prefix,
        status=tokenization.status,
    )
    mint = None if awaiting else mint_item(tokenization)
    scope.write(LockRows(tokenization, claimed.new_batch, ranges, mint, audit_row))
    return tokenization, True


def queue_mint(session: Session, tokenization: Tokenization) -> None:
    """Queues the mint of exactly the tokenization's tonnes. The caller has queued its vintage's token
    if it has none (`ensure_vintage`, `vintages.ensure_token`)."""
    session.add(mint_item(tokenization))


def mint_item(tokenization: Tokenization) -> OutboxItem:
    """The outbox item that mints exactly the tokenization's tonnes (`queue_mint`)."""
    vintage = tokenization.vintage
    return outbox.new_item(
        "mint",
        {
            "vintage_pk": vintage.id,
            "to": tokenization.beneficiary,
            "tonnes": tokenization.quantity,
            "lock_id": tokenization.lock_id,
            "serial_hash": tokenization.serial_hash,
        },
        tokenization_id=tokenization.id,
        # Until its token exists, a vintage's mints wait for the item that creates it.
        depends_on=vintage.creation_item_pk if vintage.token_address is None else None,
    )


def get(session: Session, tokenization_id: str, *, operator_id: int) -> Tokenization:
    """One of the operator's tokenizations; another operator's is not found (404), like a missing one."""
    tokenization = session.get(Tokenization, tokenization_id)
    if tokenization is None or tokenization.operator_id != operator_id:
        raise NotFound(f"no tokenization {tokenization_id}", field="tokenization_id")
    return tokenization


def list_tokenizations(
    session: Session,
    *,
    operator_id: int,
    status: str | None,
    registry: Registry | None,
    beneficiary: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Tokenization], int]:
    query = select(Tokenization).where(Tokenization.operator_id == operator_id)
    if status is not None:
        query = query.where(Tokenization.status == status)
    if registry is not None:
        query = query.where(Tokenization.registry_id == int(registry))
    if beneficiary is not None:
        query = query.where(Tokenization.beneficiary == beneficiary)
    return paginate(session, query, Window(limit, offset), Tokenization.created_at, Tokenization.id)


def list_locks(
    session: Session,
    *,
    operator_id: int,
    registry: Registry | None,
    state: str | None,
    vintage_id: int | None,
    limit: int,
    offset: int,
) -> tuple[list[SerialRange], int]:
    query = (
        select(SerialRange)
        .join(Tokenization, Tokenization.id == SerialRange.tokenization_id)
        .where(Tokenization.operator_id == operator_id)
    )
    if registry is not None:
        query = query.where(SerialRange.registry_id == int(registry))
    if state is not None:
        query = query.where(SerialRange.state == state)
    if vintage_id is not None:
        query = query.where(SerialRange.vintage_pk == vintage_id)
    return paginate(session, query, Window(limit, offset), SerialRange.id)


def vintage_of(session: Session, tokenization: Tokenization) -> Vintage:
    return tokenization.vintage


def _request_hash(request: TokenizationCreate) -> str:
    # Fields added later are left out while unset, so a request retried across an upgrade that
    # added them still replays.
    exclude = {"idempotency_key"} | ({"issued_quantity"} if request.issued_quantity is None else set())
    return hashlib.sha256(request.model_dump_json(exclude=exclude).encode()).hexdigest()


def _replayed(existing: Tokenization, request_hash: str) -> Tokenization:
    if existing.request_hash != request_hash:
        raise Conflict(
            "idempotency_key was already used for a different request",
            field="idempotency_key",
            tokenization_id=existing.id,
        )
    return existing
