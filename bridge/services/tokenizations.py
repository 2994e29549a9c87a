"""Tokenization: lock a serial block off-chain and queue the mint of exactly its tonnes."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid

from eth_utils import keccak
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bridge.catalog import Registry
from bridge.db import audit, outbox
from bridge.db.models import NO_OVERLAP, ApiKey, SerialRange, Tokenization, Vintage
from bridge.schemas import TokenizationCreate
from bridge.services.errors import Conflict, Forbidden, NotFound
from bridge.services.serial_claims import claim, lock_batch
from bridge.services.serial_claims import serial_hash as claimed_hash
from bridge.services.tokenization_request import parse, project_id_of, vintage_period, whole_tonnes
from bridge.services.vintages import ensure_vintage

logger = logging.getLogger(__name__)


# PostgreSQL may end a transaction that lost a lock race (deadlock, serialization failure), and the
# database refuses a range that a concurrent transaction locked first in its numbering space
# (exclusion violation; SQLite's trigger names the constraint). The use case is safe to run again from
# the start, since nothing of it was committed: the second run sees the winner and answers 409.
RETRYABLE_PG_CODES = {"40P01", "40001", "23P01"}


def _retryable(err: DBAPIError) -> bool:
    return getattr(err.orig, "pgcode", None) in RETRYABLE_PG_CODES or NO_OVERLAP in str(err.orig)


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
            if not _retryable(err) or attempt == 2:
                raise
            logger.warning("tokenize: transaction lost a race (%s); retrying", err.orig)
    raise AssertionError("unreachable")


def _tokenize(session: Session, key: ApiKey, request: TokenizationCreate) -> tuple[Tokenization, bool]:
    request_hash = _request_hash(request)
    existing = _by_idempotency_key(session, key.operator_id, request.idempotency_key)
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
    existing = _by_idempotency_key(session, key.operator_id, request.idempotency_key)
    if existing is not None:
        return _replayed(existing, request_hash), False
    described = {"project_id": project_id, "vintage_start": start.isoformat(), "vintage_end": end.isoformat()}
    claimed = claim(session, block, described=described, issued_quantity=request.issued_quantity)
    pieces = claimed.pieces

    vintage = ensure_vintage(
        session,
        registry=block.registry,
        project_id=project_id,
        attributes=request.project,
        country=block.country or request.project.country,
        start=start,
        end=end,
    )
    tokenization_id = str(uuid.uuid4())
    lock_id = "0x" + keccak(text=f"carbon-bridge:lock:{tokenization_id}").hex()
    serial_hash = claimed_hash(block, pieces)
    tokenization = Tokenization(
        id=tokenization_id,
        operator_id=key.operator_id,
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
    session.add(tokenization)
    session.flush()  # the range and batch rows refer to it, and the ORM has no relationship to order them by
    if claimed.new_batch is not None:
        claimed.new_batch.first_tokenization_id = tokenization_id
        session.add(claimed.new_batch)
    session.add_all(
        SerialRange(
            registry_id=int(block.registry),
            space=piece.space,
            issuance=piece.issuance,
            block_start=piece.start,
            block_end=piece.end,
            serial=piece.serial,
            state="pending",
            vintage_pk=vintage.id,
            tokenization_id=tokenization_id,
        )
        for piece in pieces
    )
    session.flush()
    outbox.enqueue(
        session,
        "mint",
        {
            "vintage_pk": vintage.id,
            "to": request.beneficiary,
            "tonnes": tonnes,
            "lock_id": lock_id,
            "serial_hash": serial_hash,
        },
        tokenization_id=tokenization_id,
        # Until its token exists, a vintage's mints wait for the item that creates it.
        depends_on=vintage.creation_item_pk if vintage.token_address is None else None,
    )
    audit.record(
        session,
        actor=key.operator.name,
        action="tokenization.locked",
        entity="tokenization",
        entity_id=tokenization_id,
        serial=tokenization.serial,
        space=block.space,
        tonnes=tonnes,
        beneficiary=request.beneficiary,
    )
    session.commit()
    return tokenization, True


def get(session: Session, tokenization_id: str) -> Tokenization:
    tokenization = session.get(Tokenization, tokenization_id)
    if tokenization is None:
        raise NotFound(f"no tokenization {tokenization_id}", field="tokenization_id")
    return tokenization


def list_tokenizations(
    session: Session,
    *,
    status: str | None,
    registry: Registry | None,
    beneficiary: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Tokenization], int]:
    query = select(Tokenization)
    if status is not None:
        query = query.where(Tokenization.status == status)
    if registry is not None:
        query = query.where(Tokenization.registry_id == int(registry))
    if beneficiary is not None:
        query = query.where(Tokenization.beneficiary == beneficiary)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Tokenization.created_at, Tokenization.id).offset(offset).limit(limit)
    )
    return list(rows), total


def list_locks(
    session: Session,
    *,
    registry: Registry | None,
    state: str | None,
    vintage_id: int | None,
    limit: int,
    offset: int,
) -> tuple[list[SerialRange], int]:
    query = select(SerialRange)
    if registry is not None:
        query = query.where(SerialRange.registry_id == int(registry))
    if state is not None:
        query = query.where(SerialRange.state == state)
    if vintage_id is not None:
        query = query.where(SerialRange.vintage_pk == vintage_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(SerialRange.id).offset(offset).limit(limit))
    return list(rows), total


def vintage_of(session: Session, tokenization: Tokenization) -> Vintage:
    return tokenization.vintage


def _by_idempotency_key(session: Session, operator_id: int, idempotency_key: str) -> Tokenization | None:
    return session.scalars(
        select(Tokenization).where(
            Tokenization.operator_id == operator_id, Tokenization.idempotency_key == idempotency_key
        )
    ).first()


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
