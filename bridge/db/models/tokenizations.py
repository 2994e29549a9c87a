"""Tokenizations and the serials they hold: batches seen, held ranges, released ranges."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    column,
    func,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridge.db.models.base import Base, state_check, utcnow
from bridge.states import RangeState, TokenizationStatus

if TYPE_CHECKING:
    from bridge.db.models.catalog import Vintage
    from bridge.db.models.operators import ApiKey


class Tokenization(Base):
    """An operator's request to lock a serial block and mint its tonnes to a wallet."""

    __tablename__ = "tokenizations"
    __table_args__ = (
        UniqueConstraint("operator_id", "idempotency_key"),
        state_check("tokenizations", "status", TokenizationStatus),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    registry_id: Mapped[int] = mapped_column("registry", Integer)
    serial: Mapped[str] = mapped_column(Text)
    issuance: Mapped[str] = mapped_column(Text)
    block_start: Mapped[int] = mapped_column(BigInteger)
    block_end: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(BigInteger)
    vintage_pk: Mapped[int] = mapped_column(ForeignKey("vintages.id"))
    beneficiary: Mapped[str] = mapped_column(String(42))
    # Moved only by `transitions.move_tokenization`.
    status: Mapped[str] = mapped_column(String(24), default=TokenizationStatus.PENDING, index=True)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    # Why its mint is held back (factory or vintage paused, mint limit, new vintage's delay); NULL when not.
    waiting_reason: Mapped[str | None] = mapped_column(Text)
    # The key that asked for it (quotas count per key) and, above its limit, the key that approved it.
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"), index=True)
    approved_by_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lock_id: Mapped[str] = mapped_column(String(66), unique=True)
    serial_hash: Mapped[str] = mapped_column(String(66))
    # The preimage of serial_hash: {"space": ..., "ranges": [[start, end], ...]} (serial_claims.serial_hash).
    # NULL for tokenizations from before migration 0003, whose hash was of the serial's spelling.
    serial_identity: Mapped[str | None] = mapped_column(Text)
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    vintage: Mapped[Vintage] = relationship()
    # Responses name both keys by prefix (two persons: the one that asked and the one that approved).
    api_key: Mapped[ApiKey | None] = relationship(foreign_keys=[api_key_id])
    approved_by_key: Mapped[ApiKey | None] = relationship(foreign_keys=[approved_by_key_id])


class SerialBatch(Base):
    """The first description seen of an issuance batch: later blocks of the batch must agree.

    `issued_quantity` is the quantity the registry issued under an id, for registries whose serials
    carry no unit numbers: the bridge numbers those units 1..issued_quantity itself.
    """

    __tablename__ = "serial_batches"
    __table_args__ = (UniqueConstraint("registry", "batch"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    registry_id: Mapped[int] = mapped_column("registry", Integer)
    batch: Mapped[str] = mapped_column(Text)
    attributes: Mapped[str] = mapped_column(Text)  # JSON object, canonical field -> value
    issued_quantity: Mapped[int | None] = mapped_column(BigInteger)
    first_tokenization_id: Mapped[str] = mapped_column(ForeignKey("tokenizations.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # Not read: it tells the unit of work to insert the tokenization first, in the same flush.
    first_tokenization: Mapped[Tokenization] = relationship()


#: Held ranges of one numbering space never share a unit. PostgreSQL enforces it with this
#: exclusion constraint (btree_gist); SQLite with the triggers of migration 0003.
NO_OVERLAP = "ex_serial_ranges_no_overlap"


class SerialRange(Base):
    """A block of serials the bridge holds: `pending` (mint not confirmed), `locked` or `retired`.

    `space` is the block's numbering space (`SerialBlock.space`): what the registry guarantees
    unique, whatever the serial's spelling; `issuance` and `serial` keep the registry's spelling.
    Blocks of one (registry, space) never overlap, which the database enforces (`NO_OVERLAP`);
    released blocks move to `released_ranges`. That invariant also makes the overlap check one
    index lookup (see `locks.find_overlap`).
    """

    __tablename__ = "serial_ranges"
    __table_args__ = (
        Index("ix_serial_ranges_space_start", "registry", "space", "block_start"),
        Index("ix_serial_ranges_vintage_state", "vintage_pk", "state", "id"),
        ExcludeConstraint(
            ("registry", "="),
            ("space", "="),
            (func.int8range(column("block_start"), column("block_end"), "[]"), "&&"),
            name=NO_OVERLAP,
            using="gist",
        ).ddl_if(dialect="postgresql"),
        state_check("serial_ranges", "state", RangeState),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    registry_id: Mapped[int] = mapped_column("registry", Integer)
    space: Mapped[str] = mapped_column(Text)
    issuance: Mapped[str] = mapped_column(Text)
    block_start: Mapped[int] = mapped_column(BigInteger)
    block_end: Mapped[int] = mapped_column(BigInteger)
    serial: Mapped[str] = mapped_column(Text)
    # Moved only by `transitions.move_range`.
    state: Mapped[str] = mapped_column(String(16))
    vintage_pk: Mapped[int] = mapped_column(ForeignKey("vintages.id"))
    tokenization_id: Mapped[str] = mapped_column(ForeignKey("tokenizations.id"))
    retirement_pk: Mapped[int | None] = mapped_column(ForeignKey("retirements.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # As `SerialBatch.first_tokenization`: the tokenization goes first in the flush that writes both.
    tokenization: Mapped[Tokenization] = relationship()

    @property
    def quantity(self) -> int:
        return self.block_end - self.block_start + 1


class ReleasedRange(Base):
    """Serials given back to a registry account by a redemption; they may be bridged again."""

    __tablename__ = "released_ranges"
    __table_args__ = (Index("ix_released_ranges_space_start", "registry", "space", "block_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    registry_id: Mapped[int] = mapped_column("registry", Integer)
    space: Mapped[str] = mapped_column(Text)
    issuance: Mapped[str] = mapped_column(Text)
    block_start: Mapped[int] = mapped_column(BigInteger)
    block_end: Mapped[int] = mapped_column(BigInteger)
    serial: Mapped[str] = mapped_column(Text)
    vintage_pk: Mapped[int] = mapped_column(ForeignKey("vintages.id"))
    tokenization_id: Mapped[str] = mapped_column(ForeignKey("tokenizations.id"))
    redemption_pk: Mapped[int] = mapped_column(ForeignKey("redemptions.id"), index=True)
    released_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def quantity(self) -> int:
        return self.block_end - self.block_start + 1
