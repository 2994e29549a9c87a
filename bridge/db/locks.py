"""SQL for serial ranges and batches: the overlap checks, and moving tonnes between states."""

from __future__ import annotations

import hashlib
from collections.abc import Collection

from sqlalchemy import bindparam, select, text, tuple_
from sqlalchemy.orm import Session

from bridge.db.models import Redemption, ReleasedRange, SerialBatch, SerialRange, Tokenization
from bridge.states import RangeState, RedemptionStatus


def lock_key(session: Session, registry: int, key: str) -> None:
    """Serialises use cases on one key (a batch, a vintage) until the transaction ends.

    PostgreSQL: a transaction-scoped advisory lock keyed by the text, so concurrent requests for
    different keys proceed in parallel. SQLite: every transaction already holds the write lock.
    """
    if not concurrent(session):
        return
    digest = hashlib.sha256(f"{registry}:{key}".encode()).digest()
    session.execute(
        text("SELECT pg_advisory_xact_lock(:key)"), {"key": int.from_bytes(digest[:8], "big", signed=True)}
    )


def concurrent(session: Session) -> bool:
    """Whether other transactions may commit while this one runs: on PostgreSQL; not on SQLite, whose
    transactions take the write lock at BEGIN (`session._serialise_sqlite_writes`)."""
    return session.get_bind().dialect.name == "postgresql"


def by_idempotency_key(session: Session, operator_id: int, idempotency_key: str) -> Tokenization | None:
    return session.scalars(
        select(Tokenization).where(
            Tokenization.operator_id == operator_id, Tokenization.idempotency_key == idempotency_key
        )
    ).first()


def by_idempotency_keys(session: Session, operator_id: int, keys: Collection[str]) -> list[Tokenization]:
    """The operator's tokenizations under any of these idempotency keys (one query)."""
    if not keys:
        return []
    query = select(Tokenization).where(
        Tokenization.operator_id == operator_id, Tokenization.idempotency_key.in_(list(keys))
    )
    return list(session.scalars(query))


# Prepared once: the overlap check runs for every lock (and every item of a bulk).
_NEAREST_AT_OR_BELOW = (
    select(SerialRange.id, SerialRange.block_end)
    .where(
        SerialRange.registry_id == bindparam("registry"),
        SerialRange.space == bindparam("space"),
        SerialRange.block_start <= bindparam("end"),
    )
    .order_by(SerialRange.block_start.desc())
    .limit(1)
)


def find_overlap(session: Session, registry: int, space: str, start: int, end: int) -> SerialRange | None:
    """The held range of the numbering space that intersects [start, end], if any.

    Held ranges of one space never overlap (the database refuses it), so only the one with the
    greatest start <= `end` can intersect: one descent of the (registry, space, block_start) index,
    whatever the table size. Its row is loaded only if it does intersect. Reads what the session has
    flushed (on the connection, without the ORM: this runs for every lock).
    """
    params = {"registry": registry, "space": space, "end": end}
    nearest = session.connection().execute(_NEAREST_AT_OR_BELOW, params).first()
    if nearest is None or nearest.block_end < start:
        return None
    return session.get(SerialRange, nearest.id)


# Released ranges of a space intersecting [start, end] whose transfer the registry has not confirmed:
# until then the units are still in the bridge's registry account, owed to the redeemer. Prepared
# once, like `_NEAREST_AT_OR_BELOW`.
_UNCONFIRMED = (
    select(ReleasedRange)
    .join(Redemption, Redemption.id == ReleasedRange.redemption_pk)
    .where(Redemption.status != RedemptionStatus.RELEASED)
)
_UNRELEASED = _UNCONFIRMED.where(
    ReleasedRange.registry_id == bindparam("registry"),
    ReleasedRange.space == bindparam("space"),
    ReleasedRange.block_start <= bindparam("end"),
    ReleasedRange.block_end >= bindparam("start"),
)
_FIRST_UNRELEASED = _UNRELEASED.order_by(ReleasedRange.block_start).limit(1)
_UNRELEASED_SPANS = _UNRELEASED.with_only_columns(ReleasedRange.block_start, ReleasedRange.block_end)


def find_unreleased_overlap(
    session: Session, registry: int, space: str, start: int, end: int
) -> ReleasedRange | None:
    """An unconfirmed release (see `_UNRELEASED`) intersecting [start, end], if any.

    Released ranges may overlap each other (units released, bridged again, released again), so this
    is a range scan of the space; it runs only for a block no held range conflicts with.
    """
    params = {"registry": registry, "space": space, "start": start, "end": end}
    return session.scalars(_FIRST_UNRELEASED, params).first()


def unreleased_in(session: Session, spaces: Collection[tuple[int, str]]) -> list[ReleasedRange]:
    """Every unconfirmed release (see `_UNRELEASED`) of these (registry, space) pairs."""
    if not spaces:
        return []
    pairs = tuple_(ReleasedRange.registry_id, ReleasedRange.space).in_(list(spaces))
    return list(session.scalars(_UNCONFIRMED.where(pairs)))


def held_spans(session: Session, registry: int, space: str, start: int, end: int) -> list[tuple[int, int]]:
    """The (start, end) of every held range of the space intersecting [start, end], in unit order,
    with the unconfirmed releases: the units a new lock may not take."""
    held = select(SerialRange.block_start, SerialRange.block_end).where(
        SerialRange.registry_id == registry,
        SerialRange.space == space,
        SerialRange.block_start <= end,
        SerialRange.block_end >= start,
    )
    params = {"registry": registry, "space": space, "start": start, "end": end}
    owed = session.execute(_UNRELEASED_SPANS, params)
    return sorted({(a, b) for a, b in session.execute(held)} | {(a, b) for a, b in owed})


def batches_of(session: Session, batches: Collection[tuple[int, str]]) -> list[SerialBatch]:
    """The recorded batches among these (registry, batch) pairs (one query)."""
    if not batches:
        return []
    pairs = tuple_(SerialBatch.registry_id, SerialBatch.batch).in_(list(batches))
    return list(session.scalars(select(SerialBatch).where(pairs)))


def batch_of(session: Session, registry: int, batch: str) -> SerialBatch | None:
    return session.scalars(
        select(SerialBatch).where(SerialBatch.registry_id == registry, SerialBatch.batch == batch)
    ).first()


def ranges_of_tokenization(session: Session, tokenization_id: str) -> list[SerialRange]:
    return list(
        session.scalars(
            select(SerialRange)
            .where(SerialRange.tokenization_id == tokenization_id)
            .order_by(SerialRange.block_start)
        )
    )


def locked_ranges_fifo(session: Session, vintage_pk: int, minted_by: int) -> list[SerialRange]:
    """Locked ranges of a vintage whose mint was mined at or before block `minted_by`, oldest lock
    first: a burn in that block can only have burned tokens those mints created."""
    return list(
        session.scalars(
            select(SerialRange)
            .join(Tokenization, Tokenization.id == SerialRange.tokenization_id)
            .where(
                SerialRange.vintage_pk == vintage_pk,
                SerialRange.state == RangeState.LOCKED,
                Tokenization.block_number <= minted_by,
            )
            .order_by(SerialRange.id)
            .with_for_update(of=SerialRange)
        )
    )


def released_from(session: Session, held: SerialRange, redemption_pk: int) -> ReleasedRange:
    """Moves a held range to the released table (it no longer blocks new locks)."""
    released = ReleasedRange(
        registry_id=held.registry_id,
        space=held.space,
        issuance=held.issuance,
        block_start=held.block_start,
        block_end=held.block_end,
        serial=held.serial,
        vintage_pk=held.vintage_pk,
        tokenization_id=held.tokenization_id,
        redemption_pk=redemption_pk,
    )
    session.add(released)
    session.delete(held)
    return released
