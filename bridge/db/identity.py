"""Serial identity over stored rows: backfill numbering spaces, and find ranges that share units.

Both read the serial text, not the `space` column, so they also work on a database from before
migration 0003 (which calls them), where locks were told apart by spelling.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection, text

from bridge.catalog import Registry
from bridge.serials import SerialBlock, SerialError, parse_serial

logger = logging.getLogger(__name__)

#: The space of a stored serial this version no longer reads: it conflicts only with itself.
UNREADABLE = "unreadable:"

#: SQLite has no exclusion constraints: these triggers refuse what PostgreSQL's `NO_OVERLAP` does.
#: Held ranges of one space never overlap, so only the one with the greatest start <= the new end
#: can intersect the new range. Migration 0003 creates them; a migration that rebuilds
#: `serial_ranges` in SQLite's batch mode drops them with the old table and creates them again.
SQLITE_NO_OVERLAP_TRIGGERS = {
    "serial_ranges_no_overlap_insert": "BEFORE INSERT ON serial_ranges",
    "serial_ranges_no_overlap_update": (
        "BEFORE UPDATE OF registry, space, block_start, block_end ON serial_ranges"
    ),
}
SQLITE_NO_OVERLAP_BODY = """
WHEN (
    SELECT other.block_end FROM serial_ranges AS other
    WHERE other.registry = NEW.registry AND other.space = NEW.space
      AND other.block_start <= NEW.block_end AND other.id IS NOT NEW.id
    ORDER BY other.block_start DESC LIMIT 1
) >= NEW.block_start
BEGIN
    SELECT RAISE(ABORT, 'ex_serial_ranges_no_overlap: the range overlaps a held range of its space');
END
"""


@dataclass(frozen=True)
class StoredRange:
    range_id: int
    tokenization_id: str
    registry: Registry
    serial: str
    state: str
    space: str
    start: int
    end: int


@dataclass(frozen=True)
class DuplicatePair:
    """Two held ranges that share units in one numbering space: one physical unit locked twice."""

    first: StoredRange
    second: StoredRange

    @property
    def shared(self) -> tuple[int, int]:
        return max(self.first.start, self.second.start), min(self.first.end, self.second.end)


def block_of(registry: int, serial: str) -> SerialBlock | None:
    """The block a stored serial describes, or None if this version refuses its text."""
    try:
        return parse_serial(serial, registry=Registry(registry))
    except SerialError as err:
        logger.warning("stored serial %r no longer parses (%s)", serial, err)
        return None


def space_of(registry: int, serial: str, issuance: str) -> str:
    block = block_of(registry, serial)
    return block.space if block is not None else UNREADABLE + issuance


def held_ranges(connection: Connection) -> list[StoredRange]:
    rows = connection.execute(
        text(
            "SELECT id, tokenization_id, registry, serial, issuance, state, block_start, block_end "
            "FROM serial_ranges ORDER BY id"
        )
    )
    return [
        StoredRange(
            range_id=row.id,
            tokenization_id=row.tokenization_id,
            registry=Registry(row.registry),
            serial=row.serial,
            state=row.state,
            space=space_of(row.registry, row.serial, row.issuance),
            start=row.block_start,
            end=row.block_end,
        )
        for row in rows
    ]


def duplicate_pairs(connection: Connection) -> list[DuplicatePair]:
    """Every pair of held ranges that share a unit under the identity keys, in range-id order."""
    by_space: dict[tuple[Registry, str], list[StoredRange]] = defaultdict(list)
    for stored in held_ranges(connection):
        by_space[stored.registry, stored.space].append(stored)
    pairs = []
    for ranges in by_space.values():
        ranges.sort(key=lambda r: (r.start, r.end))
        # Sweep: each range against the earlier-starting ones that still reach it.
        open_ranges: list[StoredRange] = []
        for current in ranges:
            open_ranges = [r for r in open_ranges if r.end >= current.start]
            pairs += [DuplicatePair(*sorted((r, current), key=lambda s: s.range_id)) for r in open_ranges]
            open_ranges.append(current)
    return sorted(pairs, key=lambda p: (p.first.range_id, p.second.range_id))


def backfill_identity(connection: Connection) -> None:
    """Writes the space of every range row, and the first block seen of every batch."""
    for table in ("serial_ranges", "released_ranges"):
        rows = list(connection.execute(text(f"SELECT id, registry, serial, issuance FROM {table}")))
        for row in rows:
            connection.execute(
                text(f"UPDATE {table} SET space = :space WHERE id = :id"),
                {"space": space_of(row.registry, row.serial, row.issuance), "id": row.id},
            )
    seen: set[tuple[int, str]] = set()
    tokenizations = connection.execute(
        text("SELECT id, registry, serial, created_at FROM tokenizations ORDER BY created_at, id")
    )
    for row in list(tokenizations):
        block = block_of(row.registry, row.serial)
        if block is None or (row.registry, block.batch) in seen:
            continue
        seen.add((row.registry, block.batch))
        connection.execute(
            text(
                "INSERT INTO serial_batches (registry, batch, attributes, issued_quantity, "
                "first_tokenization_id, created_at) VALUES (:registry, :batch, :attributes, NULL, :id, :at)"
            ),
            {
                "registry": row.registry,
                "batch": block.batch,
                "attributes": json.dumps(dict(block.batch_attributes), sort_keys=True),
                "id": row.id,
                "at": row.created_at,
            },
        )
