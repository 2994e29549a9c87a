"""The overlap check (`bridge.db.locks.find_overlap`, the query every tokenization runs) as the table of
held blocks grows to 10^6 (in 10^4 numbering spaces), on SQLite and PostgreSQL: time per check should
stay flat."""

from __future__ import annotations

import io
import random
import statistics
import time
from datetime import date
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from bridge.db.locks import find_overlap
from bridge.db.models import Base, Operator, Project, Tokenization, Vintage

ISSUANCES = 10_000  # blocks spread over this many issuances
BLOCK = 100  # serials per block
CHECKS = 2_000
COLUMNS = (
    "id",
    "registry",
    "space",
    "issuance",
    "block_start",
    "block_end",
    "serial",
    "state",
    "vintage_pk",
    "tokenization_id",
    "created_at",
)


def _seed(engine: Engine) -> None:
    """A fresh schema with the one project, vintage and tokenization every benchmark block refers to."""
    Base.metadata.drop_all(engine)
    if engine.dialect.name == "postgresql":  # the exclusion constraint on held ranges needs it
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS btree_gist")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Operator(id=1, name="bench"))
        session.add(Project(id=1, registry_id=1, project_id="bench", category=1))
        session.add(
            Vintage(
                id=1,
                project_pk=1,
                vintage_start=date(2020, 1, 1),
                vintage_end=date(2020, 12, 31),
                key="bench",
            )
        )
        session.flush()
        session.add(
            Tokenization(
                id="bench",
                operator_id=1,
                idempotency_key="bench",
                request_hash="bench",
                registry_id=1,
                serial="bench",
                issuance="bench",
                block_start=0,
                block_end=0,
                quantity=1,
                vintage_pk=1,
                beneficiary="0x" + "0" * 40,
                lock_id="bench",
                serial_hash="bench",
            )
        )
        session.commit()


def _rows(first: int, last: int) -> list[tuple[Any, ...]]:
    """Blocks `first`..`last`: block n is in numbering space n % ISSUANCES, serials disjoint within it."""
    return [
        (n, 1, f"ISS-{n % ISSUANCES}", (n // ISSUANCES) * BLOCK, (n // ISSUANCES) * BLOCK + BLOCK - 1)
        for n in range(first, last)
    ]


def _insert(engine: Engine, first: int, last: int) -> None:
    rows = _rows(first, last)
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            buffer = io.StringIO(
                "".join(
                    f"{n}\t{r}\t{i}\t{i}\t{s}\t{e}\tbench\tlocked\t1\tbench\t2026-01-01\n"
                    for n, r, i, s, e in rows
                )
            )
            with raw.cursor() as cursor:
                cursor.copy_from(
                    buffer,
                    "serial_ranges",
                    columns=COLUMNS,
                )
            raw.commit()
        finally:
            raw.close()
        return
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"INSERT INTO serial_ranges ({', '.join(COLUMNS)}) "
            "VALUES (?, ?, ?, ?, ?, ?, 'bench', 'locked', 1, 'bench', '2026-01-01')",
            [(n, r, i, i, s, e) for n, r, i, s, e in rows],
        )


def _time_checks(engine: Engine, held: int, rng: random.Random) -> dict[str, float]:
    per_issuance = max(1, held // ISSUANCES)
    timings = []
    hits = 0
    with Session(engine) as session:
        for _ in range(CHECKS):
            issuance = rng.randrange(min(held, ISSUANCES))
            start = rng.randrange(per_issuance * BLOCK + BLOCK)
            t0 = time.perf_counter()
            found = find_overlap(session, 1, f"ISS-{issuance}", start, start + 9)
            timings.append((time.perf_counter() - t0) * 1000)
            hits += found is not None
    timings.sort()
    return {
        "held_blocks": held,
        "p50_ms": round(statistics.median(timings), 3),
        "p99_ms": round(timings[int(0.99 * (len(timings) - 1))], 3),
        "overlaps_found": hits,
    }


def measure(url: str, sizes: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000)) -> list[dict[str, float]]:
    engine = create_engine(url)
    try:
        _seed(engine)
        rng = random.Random(6)
        results = []
        inserted = 0
        for size in sizes:
            for chunk in range(inserted, size, 100_000):
                _insert(engine, chunk, min(size, chunk + 100_000))
            inserted = size
            with engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
            results.append(_time_checks(engine, size, rng))
            last = results[-1]
            print(
                f"  {engine.dialect.name:<10} {size:>9,} blocks: "
                f"{last['p50_ms']} ms p50, {last['p99_ms']} ms p99"
            )
        return results
    finally:
        engine.dispose()
