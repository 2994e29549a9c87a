"""Chain cursors: the next block a follower reads, advanced by compare-and-set; their names."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.orm import Session

from bridge.db.models import ChainCursor, utcnow


class CursorName(StrEnum):
    """Every cursor's name, spelled once: the value is the stored `chain_cursors.name`, so a database
    written before keeps its place."""

    #: The listener's: the burns of every vintage token and the watched events, in one pass.
    EVENTS = "vintage-events"


#: The listener's cursor, which the reserves also read (the last block whose burns are applied).
EVENTS_CURSOR = CursorName.EVENTS


def get_or_create(session: Session, name: CursorName, start_block: int) -> ChainCursor:
    cursor = session.get(ChainCursor, name)
    if cursor is None:
        cursor = ChainCursor(name=name, next_block=start_block)
        session.add(cursor)
        session.flush()
    return cursor


def advance(session: Session, name: CursorName, expected: int, new_next_block: int, block_hash: str) -> bool:
    """Moves the cursor from `expected` to `new_next_block` (whose previous block has `block_hash`);
    False if someone else moved it."""
    result = session.execute(
        update(ChainCursor)
        .where(ChainCursor.name == name, ChainCursor.next_block == expected)
        .values(next_block=new_next_block, block_hash=block_hash, updated_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0) == 1)
