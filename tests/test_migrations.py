"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from bridge.db.migrate import downgrade, upgrade
from bridge.db.models import Base
from bridge.serials import parse_serial
from bridge.states import OutboxStatus, RangeState, RedemptionStatus, RetirementStatus, TokenizationStatus
from tests.support.postgres import fresh_database


def _assert_schema_matches_models(url: str) -> None:
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
    downgrade(url, "base")
    upgrade(url)


def test_migrations_match_the_models_on_sqlite(tmp_path):
    _assert_schema_matches_models(f"sqlite:///{tmp_path / 'schema.db'}")


def test_migrations_match_the_models_on_postgresql():
    with fresh_database("bridge_schema") as url:
        _assert_schema_matches_models(url)


# -- migration 0003: serial identity ----------------------------------------------------------------

BALE = "19385-941467007-941467431-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1"
# The same units under another batch id and label flag: before 0003 a second, separate lock.
BALE_RESPELLED = "19999-941467400-941467500-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-0"


def _bridge_at_0002(url: str, serials: list[str]) -> None:
    """A database at revision 0002 holding one locked tokenization per serial (as the old bridge wrote)."""
    upgrade(url, "0002")
    engine = create_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO operators (id, name, created_at) VALUES (1, 'desk', :now)"), {"now": now}
        )
        connection.execute(
            text(
                "INSERT INTO projects (id, registry, project_id, category, sectoral_scope, labels, "
                "created_at) VALUES (1, 1, '1340', 1, 14, 4, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO vintages (id, project_pk, vintage_start, vintage_end, key, accrued_retired_wei, "
                "created_at) VALUES (1, 1, '2020-01-01', '2020-12-31', '0xkey', '0', :now)"
            ),
            {"now": now},
        )
        for i, serial in enumerate(serials):
            block = parse_serial(serial)
            row = {
                "id": f"tok-{i}",
                "key": f"k{i}",
                "serial": serial,
                "issuance": block.issuance,
                "start": block.start,
                "end": block.end,
                "quantity": block.quantity,
                "now": now,
            }
            connection.execute(
                text(
                    "INSERT INTO tokenizations (id, operator_id, idempotency_key, request_hash, registry, "
                    "serial, issuance, block_start, block_end, quantity, vintage_pk, beneficiary, status, "
                    "lock_id, serial_hash, created_at, updated_at) VALUES (:id, 1, :key, 'h', 1, :serial, "
                    ":issuance, :start, :end, :quantity, 1, '0x00', 'minted', :key, '0x', :now, :now)"
                ),
                row,
            )
            connection.execute(
                text(
                    "INSERT INTO serial_ranges (registry, issuance, block_start, block_end, serial, state, "
                    "vintage_pk, tokenization_id, created_at) VALUES (1, :issuance, :start, :end, :serial, "
                    "'locked', 1, :id, :now)"
                ),
                row,
            )
    engine.dispose()


def _cli(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    binary = str(Path(sys.executable).with_name("carbon-bridge"))
    env = {**os.environ, "BRIDGE_DATABASE_URL": url}
    return subprocess.run([binary, *args], env=env, capture_output=True, text=True, timeout=60)


def test_the_upgrade_computes_every_existing_locks_numbering_space_and_batch(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _bridge_at_0002(url, [BALE])
    engine = create_engine(url)
    with engine.begin() as connection:  # a mint in flight: signed, broadcast, not yet settled
        connection.execute(
            text(
                "INSERT INTO outbox (kind, payload, status, tokenization_id, attempts, created_at, "
                "updated_at) VALUES ('mint', '{}', 'sent', 'tok-0', 1, :now, :now)"
            ),
            {"now": datetime.now(UTC)},
        )
    upgrade(url)
    with engine.connect() as connection:
        # Nobody recorded the head it was signed at, and it may be mined already: only block 0 is safe.
        assert connection.execute(text("SELECT signed_at_block FROM outbox")).scalar_one() == 0
        spaces = connection.execute(text("SELECT space FROM serial_ranges")).scalars().all()
        batches = connection.execute(text("SELECT batch, first_tokenization_id FROM serial_batches")).all()
        labels = connection.execute(text("SELECT labels FROM vintages")).scalar_one()
    engine.dispose()
    assert spaces == [parse_serial(BALE).space]
    assert [tuple(b) for b in batches] == [(parse_serial(BALE).batch, "tok-0")]
    assert labels == 4  # copied from the project: each vintage carries its own from now on


def test_the_upgrade_stops_at_units_locked_twice_and_the_audit_lists_them_changing_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'duplicated.db'}"
    _bridge_at_0002(url, [BALE, BALE_RESPELLED])
    with pytest.raises(RuntimeError, match="audit-duplicates"):
        upgrade(url)

    audit = _cli("audit-duplicates", url=url)
    assert audit.returncode == 1, audit.stderr
    assert "units 941467400-941467431 locked twice" in audit.stdout
    assert "tokenization tok-0" in audit.stdout and "tokenization tok-1" in audit.stdout
    assert "1 duplicate pairs" in audit.stdout
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0002"
        assert connection.execute(text("SELECT count(*) FROM serial_ranges")).scalar_one() == 2
    engine.dispose()


def _assert_the_database_refuses_overlapping_ranges_of_a_space(url: str) -> None:
    _bridge_at_0002(url, [BALE])
    upgrade(url)
    engine = create_engine(url)
    space = parse_serial(BALE).space
    insert = text(
        "INSERT INTO serial_ranges (registry, space, issuance, block_start, block_end, serial, state, "
        "vintage_pk, tokenization_id, created_at) VALUES (1, :space, 'another spelling', :start, :end, "
        "'s', 'pending', 1, 'tok-0', :now)"
    )
    now = datetime.now(UTC)
    for start, end in [(941467431, 941467431), (941467000, 941467007), (1, 2_000_000_000)]:
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert, {"space": space, "start": start, "end": end, "now": now})
    with engine.begin() as connection:  # next to it, or in another space: other units
        connection.execute(insert, {"space": space, "start": 941467432, "end": 941467500, "now": now})
        connection.execute(insert, {"space": "other", "start": 941467007, "end": 941467431, "now": now})
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text("UPDATE serial_ranges SET block_start = 941467431 WHERE block_start = 941467432")
        )
    engine.dispose()


def test_sqlite_refuses_overlapping_ranges_of_one_numbering_space(tmp_path):
    _assert_the_database_refuses_overlapping_ranges_of_a_space(f"sqlite:///{tmp_path / 'ranges.db'}")


def test_postgresql_refuses_overlapping_ranges_of_one_numbering_space():
    with fresh_database("bridge_ranges") as url:
        _assert_the_database_refuses_overlapping_ranges_of_a_space(url)


# -- migration 0005: explicit states ----------------------------------------------------------------

#: Every state column, its enum, and a row of it that `_states_at_0004` writes.
STATE_COLUMNS = {
    ("outbox", "status"): OutboxStatus,
    ("tokenizations", "status"): TokenizationStatus,
    ("serial_ranges", "state"): RangeState,
    ("retirements", "status"): RetirementStatus,
    ("redemptions", "status"): RedemptionStatus,
}


def _states_at_0004(url: str, *, tokenization_status: str = "minted") -> None:
    """A database at 0004 with one row of every table that has a state (as the bridge wrote them)."""
    _bridge_at_0002(url, [BALE])
    upgrade(url, "0004")
    engine = create_engine(url)
    now = datetime.now(UTC)
    burn = "'0xtx', 0, 10, '0xblock', 1, '0xholder'"
    with engine.begin() as connection:
        connection.execute(text("UPDATE tokenizations SET status = :status"), {"status": tokenization_status})
        connection.execute(
            text(
                "INSERT INTO outbox (kind, payload, status, tokenization_id, attempts, created_at, "
                "updated_at) VALUES ('mint', '{}', 'final', 'tok-0', 1, :now, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO retirements (chain_key, tx_hash, log_index, block_number, block_hash, "
                "vintage_pk, holder, beneficiary, beneficiary_name, reason, reason_text, amount_wei, "
                f"tonnes_retired, certificate_id, status, created_at) VALUES ('0xtx:0', {burn}, '0xb', "
                "'B', 0, '', '0', 0, 1, 'pending_registry', :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO redemptions (chain_key, tx_hash, log_index, block_number, block_hash, "
                "vintage_pk, holder, amount_wei, registry_account, status, created_at) VALUES "
                f"('0xtx:1', {burn}, '0', 'account', 'pending_transfer', :now)"
            ),
            {"now": now},
        )
    engine.dispose()


def _set_state(url: str, table: str, column: str, value: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"UPDATE {table} SET {column} = :value"), {"value": value})
    finally:
        engine.dispose()


def _assert_the_database_allows_only_each_machines_states(url: str) -> None:
    _states_at_0004(url)
    upgrade(url)
    for (table, column), states in STATE_COLUMNS.items():
        for state in states:  # every state of the machine is accepted...
            _set_state(url, table, column, state)
        with pytest.raises(IntegrityError, match=f"ck_{table}_{column}"):  # ...and nothing else
            _set_state(url, table, column, "settled")
    downgrade(url, "0004")
    for table, column in STATE_COLUMNS:
        _set_state(url, table, column, "settled")  # 0004 had no constraint
    _set_state(url, "tokenizations", "status", "minted")
    _set_state(url, "serial_ranges", "state", "locked")
    engine = create_engine(url)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        # Rebuilding the table on SQLite and back left the overlap constraint (0003's triggers) in place.
        connection.execute(
            text(
                "INSERT INTO serial_ranges (registry, space, issuance, block_start, block_end, serial, "
                "state, vintage_pk, tokenization_id, created_at) VALUES (1, :space, 'i', 941467010, "
                "941467020, 's', 'pending', 1, 'tok-0', :now)"
            ),
            {"space": parse_serial(BALE).space, "now": datetime.now(UTC)},
        )
    engine.dispose()


def test_sqlite_allows_each_state_column_only_its_machines_states_and_the_downgrade_lifts_it(tmp_path):
    _assert_the_database_allows_only_each_machines_states(f"sqlite:///{tmp_path / 'states.db'}")


def test_postgresql_allows_each_state_column_only_its_machines_states_and_the_downgrade_lifts_it():
    with fresh_database("bridge_states") as url:
        _assert_the_database_allows_only_each_machines_states(url)


def test_the_upgrade_stops_at_a_state_no_machine_knows_changing_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'unknown-state.db'}"
    _states_at_0004(url, tokenization_status="settled")
    with pytest.raises(RuntimeError, match=r"tokenizations\.status .*1 with 'settled'"):
        upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0004"
        schema = connection.execute(text("SELECT group_concat(sql) FROM sqlite_master")).scalar_one()
    engine.dispose()
    assert not [name for table, column in STATE_COLUMNS if (name := f"ck_{table}_{column}") in schema]


# -- migration 0006: signed bytes once per transaction ----------------------------------------------


def _assert_signed_bytes_move_to_one_row_per_transaction_and_back(url: str) -> None:
    """A batch of two items signed twice (a replacement) at 0005: four copies of each signing's bytes."""
    _states_at_0004(url)
    upgrade(url, "0005")
    engine = create_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        item = connection.execute(text("SELECT id FROM outbox")).scalar_one()
        connection.execute(
            text(
                "INSERT INTO outbox (kind, payload, status, attempts, nonce, tx_hash, raw_tx, created_at, "
                "updated_at) VALUES ('mint', '{}', 'sent', 2, 7, '0xb', '0xbb', :now, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text("UPDATE outbox SET status = 'sent', nonce = 7, tx_hash = '0xb', raw_tx = '0xbb'")
        )
        for item_id in connection.execute(text("SELECT id FROM outbox")).scalars().all():
            for tx_hash in ("0xa", "0xb"):
                connection.execute(
                    text(
                        "INSERT INTO sent_transactions (item_id, nonce, tx_hash, raw_tx, signed_at) "
                        "VALUES (:item, 7, :hash, :raw, :now)"
                    ),
                    {"item": item_id, "hash": tx_hash, "raw": tx_hash + tx_hash[-1], "now": now},
                )
    upgrade(url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT tx_hash, raw_tx FROM raw_transactions ORDER BY 1")).all()
    assert [tuple(row) for row in stored] == [("0xa", "0xaa"), ("0xb", "0xbb")]
    downgrade(url, "0005")
    with engine.connect() as connection:
        back = connection.execute(
            text("SELECT raw_tx FROM sent_transactions WHERE item_id = :i"), {"i": item}
        )
        assert sorted(back.scalars()) == ["0xaa", "0xbb"]
        assert set(connection.execute(text("SELECT raw_tx FROM outbox")).scalars()) == {"0xbb"}
    engine.dispose()


def test_sqlite_keeps_each_transactions_signed_bytes_once(tmp_path):
    _assert_signed_bytes_move_to_one_row_per_transaction_and_back(f"sqlite:///{tmp_path / 'raw.db'}")


def test_postgresql_keeps_each_transactions_signed_bytes_once():
    with fresh_database("bridge_raw") as url:
        _assert_signed_bytes_move_to_one_row_per_transaction_and_back(url)
