"""The signed bytes of a transaction stored once, not once per item and signing

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10 09:00:00.000000

Until now every item a transaction carried kept its signed bytes twice (`outbox.raw_tx`, and
`sent_transactions.raw_tx` per signing): a batch of 100 mints, some 33 kB of hex, was written 200
times, about 6.6 MB a batch. `raw_transactions` keeps them once, by hash. The bytes already stored
move there (one copy per hash), then the two columns go. The downgrade puts them back.

Neither rebuilt table is `serial_ranges`, so migration 0003's SQLite triggers stay in place.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "raw_transactions",
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("raw_tx", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tx_hash"),
    )
    op.execute(
        "INSERT INTO raw_transactions (tx_hash, raw_tx, signed_at) "
        "SELECT tx_hash, MIN(raw_tx), MIN(signed_at) FROM sent_transactions GROUP BY tx_hash"
    )
    # Migration 0004 copied every signed item into sent_transactions; any other is kept too.
    op.execute(
        "INSERT INTO raw_transactions (tx_hash, raw_tx, signed_at) "
        "SELECT tx_hash, MIN(raw_tx), MIN(updated_at) FROM outbox "
        "WHERE tx_hash IS NOT NULL AND raw_tx IS NOT NULL "
        "AND tx_hash NOT IN (SELECT tx_hash FROM raw_transactions) GROUP BY tx_hash"
    )
    with op.batch_alter_table("sent_transactions", schema=None) as batch_op:
        batch_op.drop_column("raw_tx")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("raw_tx")


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw_tx", sa.Text(), nullable=True))
    with op.batch_alter_table("sent_transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw_tx", sa.Text(), nullable=True))
    for table in ("outbox", "sent_transactions"):
        op.execute(
            f"UPDATE {table} SET raw_tx = (SELECT raw_tx FROM raw_transactions "
            f"WHERE raw_transactions.tx_hash = {table}.tx_hash)"
        )
    with op.batch_alter_table("sent_transactions", schema=None) as batch_op:
        batch_op.alter_column("raw_tx", existing_type=sa.Text(), nullable=False)
    op.drop_table("raw_transactions")
