"""Where `tokenizations.lock_in` reads what is already held and writes what it locks.

A single request reads the database and writes with its commit (`LockScope`). A bulk chunk
(`ChunkScope`) keeps what its items lock in memory and writes it all when the chunk ends, in one
flush instead of three per item (the models' relationships make the unit of work insert each
tokenization before the rows that refer to it). Its items still meet
each other as requests sent one after the other: each reads the database *and* the items before it,
so an overlap with an earlier item of the chunk is refused naming that item's lock. The database's
constraints check every row again when the chunk flushes.

Where the chunk's transaction is serial (SQLite, whose transactions hold the write lock from BEGIN)
nothing it read can change until it commits, so it reads its items' idempotency keys, batches and
unconfirmed releases with one query each at the start. On PostgreSQL other transactions commit
meanwhile: the chunk reads those per item, under the item's batch lock, as a single request does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bridge.db import locks
from bridge.db.models import (
    ApiKey,
    AuditEvent,
    OutboxItem,
    ReleasedRange,
    SerialBatch,
    SerialRange,
    Tokenization,
)
from bridge.serials import SerialBlock


@dataclass(frozen=True)
class LockRows:
    """What one lock writes: its tokenization, then the rows that refer to it."""

    tokenization: Tokenization
    new_batch: SerialBatch | None
    ranges: list[SerialRange]
    mint: OutboxItem | None
    audit_row: AuditEvent

    def dependents(self) -> list[SerialBatch | SerialRange | OutboxItem | AuditEvent]:
        batch = [self.new_batch] if self.new_batch is not None else []
        mint = [self.mint] if self.mint is not None else []
        return [*batch, *self.ranges, *mint, self.audit_row]


class LockScope:
    """One request: reads the database; its lock is written with the request's commit."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def replay_of(
        self, operator_id: int, idempotency_key: str, *, locked: bool = False
    ) -> Tokenization | None:
        """The operator's tokenization under this idempotency key; `locked` once its batch is locked,
        when a concurrent request with the same key has committed or is waiting behind this one. A
        serial transaction (SQLite) saw all there is to see when it first looked."""
        if locked and not locks.concurrent(self.session):
            return None
        return locks.by_idempotency_key(self.session, operator_id, idempotency_key)

    def held(self, registry: int, space: str, start: int, end: int) -> SerialRange | None:
        return locks.find_overlap(self.session, registry, space, start, end)

    def owed(self, registry: int, space: str, start: int, end: int) -> ReleasedRange | None:
        return locks.find_unreleased_overlap(self.session, registry, space, start, end)

    def held_spans(self, registry: int, space: str, start: int, end: int) -> list[tuple[int, int]]:
        return locks.held_spans(self.session, registry, space, start, end)

    def batch(self, registry: int, batch: str) -> SerialBatch | None:
        return locks.batch_of(self.session, registry, batch)

    def unwritten_tonnes(self, key: ApiKey) -> int:
        """Tonnes the key has locked in this scope that the database does not count yet (quotas)."""
        return 0

    def write(self, rows: LockRows) -> None:
        # One flush, at the commit: the models' relationships put the tokenization first.
        self.session.add_all([rows.tokenization, *rows.dependents()])


class ChunkScope(LockScope):
    """A bulk chunk: what its items lock stays in memory until `flush`, then goes in one."""

    def __init__(
        self, session: Session, operator_id: int, keys: list[str], blocks: Iterable[SerialBlock]
    ) -> None:
        super().__init__(session)
        self.serial = not locks.concurrent(session)
        self.created: dict[str, Tokenization] = {}
        self.ranges: dict[tuple[int, str], list[SerialRange]] = defaultdict(list)
        self.new_batches: dict[tuple[int, str], SerialBatch] = {}
        self.tonnes: dict[int, int] = defaultdict(int)
        self.rows: list[Tokenization | SerialBatch | SerialRange | OutboxItem | AuditEvent] = []
        self.known_keys: dict[str, Tokenization] = {}
        self.known_batches: dict[tuple[int, str], SerialBatch] = {}
        self.owed_ranges: dict[tuple[int, str], list[ReleasedRange]] = defaultdict(list)
        if self.serial:
            self._read_ahead(operator_id, keys, list(blocks))

    def _read_ahead(self, operator_id: int, keys: list[str], blocks: list[SerialBlock]) -> None:
        known = locks.by_idempotency_keys(self.session, operator_id, keys)
        self.known_keys = {t.idempotency_key: t for t in known}
        batches = locks.batches_of(self.session, {(int(b.registry), b.batch) for b in blocks})
        self.known_batches = {(b.registry_id, b.batch): b for b in batches}
        for owed in locks.unreleased_in(self.session, {(int(b.registry), b.space) for b in blocks}):
            self.owed_ranges[owed.registry_id, owed.space].append(owed)

    def replay_of(
        self, operator_id: int, idempotency_key: str, *, locked: bool = False
    ) -> Tokenization | None:
        if idempotency_key in self.created:
            return self.created[idempotency_key]
        if self.serial:
            return self.known_keys.get(idempotency_key)
        return super().replay_of(operator_id, idempotency_key, locked=locked)

    def held(self, registry: int, space: str, start: int, end: int) -> SerialRange | None:
        # Held ranges never share a unit, so in each set the intersecting range that starts last is
        # the one the index lookup finds; of the stored one and the chunk's, the later is the answer.
        with self.session.no_autoflush:
            stored = super().held(registry, space, start, end)
        found = [r for r in self.ranges[registry, space] if r.block_start <= end and r.block_end >= start]
        return max([*found, *([stored] if stored else [])], key=lambda r: r.block_start, default=None)

    def owed(self, registry: int, space: str, start: int, end: int) -> ReleasedRange | None:
        if not self.serial:
            return super().owed(registry, space, start, end)
        found = [
            r for r in self.owed_ranges[registry, space] if r.block_start <= end and r.block_end >= start
        ]
        return min(found, key=lambda r: r.block_start, default=None)

    def held_spans(self, registry: int, space: str, start: int, end: int) -> list[tuple[int, int]]:
        pending = {
            (r.block_start, r.block_end)
            for r in self.ranges[registry, space]
            if r.block_start <= end and r.block_end >= start
        }
        return sorted(pending | set(super().held_spans(registry, space, start, end)))

    def batch(self, registry: int, batch: str) -> SerialBatch | None:
        if (registry, batch) in self.new_batches:
            return self.new_batches[registry, batch]
        if self.serial:
            return self.known_batches.get((registry, batch))
        return super().batch(registry, batch)

    def unwritten_tonnes(self, key: ApiKey) -> int:
        return self.tonnes[key.id]

    def write(self, rows: LockRows) -> None:
        tokenization = rows.tokenization
        self.created[tokenization.idempotency_key] = tokenization
        if tokenization.api_key is not None:
            self.tonnes[tokenization.api_key.id] += tokenization.quantity
        for held in rows.ranges:
            self.ranges[held.registry_id, held.space].append(held)
        if rows.new_batch is not None:
            self.new_batches[rows.new_batch.registry_id, rows.new_batch.batch] = rows.new_batch
        self.rows += [tokenization, *rows.dependents()]

    def flush(self) -> None:
        """Writes every lock of the chunk: the caller commits, or rolls back on a constraint."""
        self.session.add_all(self.rows)
        self.session.flush()
