"""Tokenization: lock a serial block off-chain and queue the mint of exactly its tonnes."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import date

from eth_utils import keccak
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bridge.catalog import Registry
from bridge.db import audit, outbox
from bridge.db.models import NO_OVERLAP, ApiKey, SerialRange, Tokenization, Vintage
from bridge.schemas import TokenizationCreate
from bridge.serials import SerialBlock, SerialError, parse_serial, units_per_tonne
from bridge.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from bridge.services.serial_claims import claim, lock_batch
from bridge.services.serial_claims import serial_hash as claimed_hash
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
    request_hash = hashlib.sha256(request.model_dump_json(exclude={"idempotency_key"}).encode()).hexdigest()
    existing = _by_idempotency_key(session, key.operator_id, request.idempotency_key)
    if existing is not None:
        return _replayed(existing, request_hash), False

    if int(request.registry) not in key.registry_ids:
        raise Forbidden(
            f"operator {key.operator.name} may not bridge {request.registry.name.lower()} credits",
            field="registry",
        )
    block = _parse(request)
    tonnes = _whole_tonnes(block)
    project_id = _project_id(block, request)
    start, end = _vintage_period(block, request)

    lock_batch(session, block)
    # The lock above serialises requests on this batch, so a concurrent retry with the same
    # idempotency key is seen here rather than reported as an overlap with itself.
    existing = _by_idempotency_key(session, key.operator_id, request.idempotency_key)
    if existing is not None:
        return _replayed(existing, request_hash), False
    claimed = claim(session, block, issued_quantity=request.issued_quantity)
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


def _replayed(existing: Tokenization, request_hash: str) -> Tokenization:
    if existing.request_hash != request_hash:
        raise Conflict(
            "idempotency_key was already used for a different request",
            field="idempotency_key",
            tokenization_id=existing.id,
        )
    return existing


def _parse(request: TokenizationCreate) -> SerialBlock:
    try:
        block = parse_serial(request.serial, registry=request.registry, quantity=request.quantity)
    except SerialError as err:
        field = "quantity" if err.field == "quantity" else "serial"
        raise InvalidInput(f"serial: {err}", field=field, serial_field=err.field) from err
    if block.opaque and "#" in request.serial:
        # Their units are numbered by the bridge (see serial_claims): only its own splits carry ranges.
        raise InvalidInput(
            "serial: this registry's serials carry no unit numbers: give the id and the quantity, "
            "not a range",
            field="serial",
            serial_field="range",
        )
    return block


# Serial unit numbers are stored as BIGINT.
MAX_UNIT_NUMBER = 2**63 - 1


def _whole_tonnes(block: SerialBlock) -> int:
    """Tonnes in the block: most registries number tonnes, Isometric numbers kilograms."""
    if block.end > MAX_UNIT_NUMBER:
        raise InvalidInput(f"serial: unit numbers above {MAX_UNIT_NUMBER} are not supported", field="serial")
    per_tonne = units_per_tonne(block.registry)
    if block.quantity % per_tonne:
        raise InvalidInput(
            f"quantity: {block.quantity} units is not a whole number of tonnes ({per_tonne} units per tonne)",
            field="quantity",
        )
    return block.quantity // per_tonne


def _project_id(block: SerialBlock, request: TokenizationCreate) -> str:
    given = request.project.project_id
    if block.project_id and given and given != block.project_id:
        raise InvalidInput(
            f"project.project_id {given!r} differs from the serial's {block.project_id!r}",
            field="project.project_id",
        )
    project_id = block.project_id or given
    if not project_id:
        raise InvalidInput(
            "this serial carries no project id: give project.project_id", field="project.project_id"
        )
    return project_id


def _vintage_period(block: SerialBlock, request: TokenizationCreate) -> tuple[date, date]:
    start = block.vintage_start or request.vintage_start
    end = block.vintage_end or request.vintage_end
    if block.vintage_start and request.vintage_start and request.vintage_start != block.vintage_start:
        raise InvalidInput("vintage_start differs from the serial's", field="vintage_start")
    if block.vintage_end and request.vintage_end and request.vintage_end != block.vintage_end:
        raise InvalidInput("vintage_end differs from the serial's", field="vintage_end")
    if (start is None or end is None) and block.vintage_year is not None:
        start = start or date(block.vintage_year, 1, 1)
        end = end or date(block.vintage_year, 12, 31)
    if start is None or end is None:
        raise InvalidInput(
            "this serial carries no vintage: give vintage_start and vintage_end", field="vintage_start"
        )
    if end < start:
        raise InvalidInput("vintage_end is before vintage_start", field="vintage_end")
    year = block.vintage_year
    if year is not None and start.year != year and end.year != year:
        raise InvalidInput(
            f"vintage period {start}..{end} does not include the serial's year {year}", field="vintage_start"
        )
    return start, end
