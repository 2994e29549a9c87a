"""SQL for serial ranges: the overlap check, and moving tonnes between states."""

from __future__ import annotations

import hashlib

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bridge.db.models import ReleasedRange, SerialRange


def lock_issuance(session: Session, registry: int, issuance: str) -> None:
    """Serialises lock requests on one issuance until the transaction ends.

    PostgreSQL: a transaction-scoped advisory lock keyed by the issuance, so concurrent requests for
    different issuances proceed in parallel. SQLite: every transaction already holds the write lock.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"{registry}:{issuance}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def find_overlap(session: Session, registry: int, issuance: str, start: int, end: int) -> SerialRange | None:
    """The held range that intersects [start, end], if any.

    Held ranges of one issuance never overlap, so only the one with the greatest start <= `end` can
    intersect: one descent of the (registry, issuance, block_start) index, whatever the table size.
    """
    candidate = session.scalars(
        select(SerialRange)
        .where(
            SerialRange.registry_id == registry,
            SerialRange.issuance == issuance,
            SerialRange.block_start <= end,
        )
        .order_by(SerialRange.block_start.desc())
        .limit(1)
    ).first()
    if candidate is not None and candidate.block_end >= start:
        return candidate
    return None


def ranges_of_tokenization(session: Session, tokenization_id: str) -> list[SerialRange]:
    return list(
        session.scalars(
            select(SerialRange)
            .where(SerialRange.tokenization_id == tokenization_id)
            .order_by(SerialRange.block_start)
        )
    )


def locked_ranges_fifo(session: Session, vintage_pk: int) -> list[SerialRange]:
    """Locked (minted) ranges of a vintage, oldest lock first: retirements and releases take these."""
    return list(
        session.scalars(
            select(SerialRange)
            .where(SerialRange.vintage_pk == vintage_pk, SerialRange.state == "locked")
            .order_by(SerialRange.id)
            .with_for_update()
        )
    )


def released_from(session: Session, held: SerialRange, redemption_pk: int) -> ReleasedRange:
    """Moves a held range to the released table (it no longer blocks new locks)."""
    released = ReleasedRange(
        registry_id=held.registry_id,
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
