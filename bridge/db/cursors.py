"""Chain cursors: the next block a follower reads, advanced by compare-and-set."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from bridge.db.models import ChainCursor, utcnow


def get_or_create(session: Session, name: str, start_block: int) -> ChainCursor:
    cursor = session.get(ChainCursor, name)
    if cursor is None:
        cursor = ChainCursor(name=name, next_block=start_block)
        session.add(cursor)
        session.flush()
    return cursor


def advance(session: Session, name: str, expected: int, new_next_block: int, block_hash: str) -> bool:
    """Moves the cursor from `expected` to `new_next_block` (whose previous block has `block_hash`);
    False if someone else moved it."""
    result = session.execute(
        update(ChainCursor)
        .where(ChainCursor.name == name, ChainCursor.next_block == expected)
        .values(next_block=new_next_block, block_hash=block_hash, updated_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0) == 1)
