"""Outbox leases (several senders), finality tracking, and the listener cursor's block hash

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 21:08:23.854258
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chain_cursors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("block_hash", sa.String(length=66), nullable=True))

    with op.batch_alter_table("vintages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("creation_item_pk", sa.Integer(), nullable=True))

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("depends_on", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("block_hash", sa.String(length=66), nullable=True))
        batch_op.create_foreign_key("fk_outbox_depends_on", "outbox", ["depends_on"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint("fk_outbox_depends_on", type_="foreignkey")
        batch_op.drop_column("block_hash")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("depends_on")

    with op.batch_alter_table("vintages", schema=None) as batch_op:
        batch_op.drop_column("creation_item_pk")

    with op.batch_alter_table("chain_cursors", schema=None) as batch_op:
        batch_op.drop_column("block_hash")
