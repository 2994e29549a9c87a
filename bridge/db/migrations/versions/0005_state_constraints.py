"""Explicit states: every status / state column allows only its machine's values

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-09 09:00:00.000000

Adds one named CHECK constraint per state column (`ck_<table>_<column>`), as the models declare them
with `bridge.states.check`. The values are written out here, not read from `bridge.states`: this
revision means these values forever, and a state added later comes with its own migration.

A row holding any other value would make the constraint fail halfway (SQLite's DDL is not
transactional), so the upgrade looks first and stops, naming the rows, before changing anything.
On SQLite a CHECK constraint means rebuilding the table (batch mode); rebuilding `serial_ranges`
drops migration 0003's no-overlap triggers with the old table, so they are created again after it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bridge.db.identity import SQLITE_NO_OVERLAP_BODY, SQLITE_NO_OVERLAP_TRIGGERS

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (table, column) -> the values the column may hold from this revision on.
STATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("outbox", "status"): ("queued", "sent", "mined", "final", "failed", "quarantined"),
    ("tokenizations", "status"): ("awaiting_approval", "pending", "minted", "failed", "cancelled"),
    ("serial_ranges", "state"): ("pending", "locked", "retired"),
    ("retirements", "status"): ("pending_registry", "confirming", "confirmed"),
    ("redemptions", "status"): ("pending_transfer", "released"),
}


def _condition(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


def upgrade() -> None:
    bind = op.get_bind()
    for (table, column), values in STATES.items():
        bad = bind.execute(
            sa.text(
                f"SELECT {column}, count(*) AS n FROM {table} WHERE NOT ({_condition(column, values)}) "
                f"GROUP BY {column}"
            )
        ).all()
        if bad:
            found = ", ".join(f"{row.n} with {row[0]!r}" for row in bad)
            raise RuntimeError(
                f"{table}.{column} holds values no state machine knows ({found}); nothing was changed. "
                "Correct those rows, then migrate again."
            )
    for (table, column), values in STATES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(f"ck_{table}_{column}", _condition(column, values))
    _restore_sqlite_triggers()


def downgrade() -> None:
    for table, column in reversed(STATES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"ck_{table}_{column}", type_="check")
    _restore_sqlite_triggers()


def _restore_sqlite_triggers() -> None:
    """Creates migration 0003's triggers again if rebuilding `serial_ranges` dropped them."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    present = set(bind.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
    for name, when in SQLITE_NO_OVERLAP_TRIGGERS.items():
        if name not in present:
            op.execute(f"CREATE TRIGGER {name} {when} {SQLITE_NO_OVERLAP_BODY}")
