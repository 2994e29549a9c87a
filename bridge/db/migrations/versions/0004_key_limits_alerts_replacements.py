"""Key limits and approvals, alerts, held mints, and every signed transaction of an outbox item

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 13:00:00.000000

Adds no constraint to `serial_ranges`, so migration 0003's SQLite triggers stay in place (a batch
alter of that table would rebuild it without them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("daily_quota_tonnes", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("approval_above_tonnes", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("scopes", sa.String(length=100), nullable=False, server_default="tokenize")
        )

    with op.batch_alter_table("tokenizations", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(length=16), type_=sa.String(length=24))
        batch_op.add_column(sa.Column("waiting_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("api_key_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("approved_by_key_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key("fk_tokenizations_api_key", "api_keys", ["api_key_id"], ["id"])
        batch_op.create_foreign_key(
            "fk_tokenizations_approved_by", "api_keys", ["approved_by_key_id"], ["id"]
        )
        batch_op.create_index("ix_tokenizations_api_key_id", ["api_key_id"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "sent_transactions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("raw_tx", sa.Text(), nullable=False),
        sa.Column("max_fee_per_gas", sa.String(length=80), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["outbox.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sent_transactions_item", "sent_transactions", ["item_id", "id"], unique=False)
    op.create_index("ix_sent_transactions_tx_hash", "sent_transactions", ["tx_hash"], unique=False)
    # Items signed before this migration: their one transaction, so replacements find it.
    op.execute(
        "INSERT INTO sent_transactions (item_id, nonce, tx_hash, raw_tx, signed_at) "
        "SELECT id, nonce, tx_hash, raw_tx, updated_at FROM outbox "
        "WHERE tx_hash IS NOT NULL AND raw_tx IS NOT NULL AND nonce IS NOT NULL"
    )

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column("pause_tx_hash", sa.String(length=66), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.Column("acknowledgement", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_alerts_kind", "alerts", ["kind"], unique=False)
    op.create_index("ix_alerts_created_at", "alerts", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_alerts_created_at", table_name="alerts")
    op.drop_index("ix_alerts_kind", table_name="alerts")
    op.drop_table("alerts")
    op.drop_index("ix_sent_transactions_tx_hash", table_name="sent_transactions")
    op.drop_index("ix_sent_transactions_item", table_name="sent_transactions")
    op.drop_table("sent_transactions")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("not_before")
    with op.batch_alter_table("tokenizations", schema=None) as batch_op:
        batch_op.drop_index("ix_tokenizations_api_key_id")
        batch_op.drop_constraint("fk_tokenizations_approved_by", type_="foreignkey")
        batch_op.drop_constraint("fk_tokenizations_api_key", type_="foreignkey")
        batch_op.drop_column("approved_at")
        batch_op.drop_column("approved_by_key_id")
        batch_op.drop_column("api_key_id")
        batch_op.drop_column("waiting_reason")
        batch_op.alter_column("status", existing_type=sa.String(length=24), type_=sa.String(length=16))
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("scopes")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("daily_quota_tonnes")
        batch_op.drop_column("approval_above_tonnes")
