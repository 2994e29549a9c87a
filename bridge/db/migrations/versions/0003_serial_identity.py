"""Serial identity: numbering spaces on range rows, enforced by the database; batches; vintage labels

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 06:00:00.000000

Computes the numbering space (`SerialBlock.space`) of every existing range from its serial, and
records the first block seen of each batch. Held ranges that share units under the new keys would
break the constraint this adds, so the upgrade stops, naming them; `carbon-bridge audit-duplicates`
lists them with both tokenizations and changes nothing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bridge.db.identity import (
    SQLITE_NO_OVERLAP_BODY,
    SQLITE_NO_OVERLAP_TRIGGERS,
    backfill_identity,
    duplicate_pairs,
)

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite has no exclusion constraints: triggers refuse the same rows (see `bridge.db.identity`).
_SQLITE_TRIGGERS = SQLITE_NO_OVERLAP_TRIGGERS
_SQLITE_TRIGGER_BODY = SQLITE_NO_OVERLAP_BODY


def upgrade() -> None:
    bind = op.get_bind()
    # Before any change: SQLite's DDL is not transactional, and a half-done upgrade could not rerun.
    too_high = bind.execute(
        sa.text("SELECT id FROM serial_ranges WHERE block_end > :top"), {"top": 2**63 - 2}
    )
    if ids := [row.id for row in too_high]:
        raise RuntimeError(f"ranges {ids} end at unit 2^63-1, which the overlap constraint cannot hold")
    duplicates = duplicate_pairs(bind)
    if duplicates:
        first = duplicates[0]
        raise RuntimeError(
            f"{len(duplicates)} pairs of held ranges share units under the serial identity keys (e.g. "
            f"ranges {first.first.range_id} and {first.second.range_id}); `carbon-bridge audit-duplicates` "
            "lists them all. Resolve them, then migrate again."
        )
    with op.batch_alter_table("serial_ranges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("space", sa.Text(), nullable=True))
    with op.batch_alter_table("released_ranges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("space", sa.Text(), nullable=True))
    with op.batch_alter_table("vintages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("labels", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signed_at_block", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("tokenizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("serial_identity", sa.Text(), nullable=True))
    op.create_table(
        "serial_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("registry", sa.Integer(), nullable=False),
        sa.Column("batch", sa.Text(), nullable=False),
        sa.Column("attributes", sa.Text(), nullable=False),
        sa.Column("issued_quantity", sa.BigInteger(), nullable=True),
        sa.Column("first_tokenization_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["first_tokenization_id"], ["tokenizations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("registry", "batch"),
    )

    bind.execute(
        sa.text("UPDATE vintages SET labels = (SELECT labels FROM projects WHERE projects.id = project_pk)")
    )
    # A transaction in flight now was signed at a head nobody recorded, and may even be mined and
    # passed by the listener already: only block 0 is safe. Reserves read there (and the listener
    # waits) just until those transactions settle.
    bind.execute(
        sa.text(
            "UPDATE outbox SET signed_at_block = 0 WHERE kind IN ('mint', 'create_vintage') AND "
            "(status = 'sent' OR (status = 'mined' AND block_number IS NULL))"
        )
    )
    backfill_identity(bind)

    with op.batch_alter_table("vintages", schema=None) as batch_op:
        batch_op.alter_column("labels", server_default=None)
    with op.batch_alter_table("serial_ranges", schema=None) as batch_op:
        batch_op.alter_column("space", nullable=False)
        batch_op.drop_index("ix_serial_ranges_issuance_start")
        batch_op.create_index(
            "ix_serial_ranges_space_start", ["registry", "space", "block_start"], unique=False
        )
    with op.batch_alter_table("released_ranges", schema=None) as batch_op:
        batch_op.alter_column("space", nullable=False)
        batch_op.create_index(
            "ix_released_ranges_space_start", ["registry", "space", "block_start"], unique=False
        )

    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE serial_ranges ADD CONSTRAINT ex_serial_ranges_no_overlap EXCLUDE USING gist "
            "(registry WITH =, space WITH =, int8range(block_start, block_end, '[]') WITH &&)"
        )
    elif bind.dialect.name == "sqlite":
        for name, when in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} {_SQLITE_TRIGGER_BODY}")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE serial_ranges DROP CONSTRAINT ex_serial_ranges_no_overlap")
    elif bind.dialect.name == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table("released_ranges", schema=None) as batch_op:
        batch_op.drop_index("ix_released_ranges_space_start")
        batch_op.drop_column("space")
    with op.batch_alter_table("serial_ranges", schema=None) as batch_op:
        batch_op.drop_index("ix_serial_ranges_space_start")
        batch_op.create_index(
            "ix_serial_ranges_issuance_start", ["registry", "issuance", "block_start"], unique=False
        )
        batch_op.drop_column("space")
    op.drop_table("serial_batches")
    with op.batch_alter_table("tokenizations", schema=None) as batch_op:
        batch_op.drop_column("serial_identity")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("signed_at_block")
    with op.batch_alter_table("vintages", schema=None) as batch_op:
        batch_op.drop_column("labels")
