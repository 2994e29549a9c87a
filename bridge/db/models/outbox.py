"""The outbox: chain writes the bridge owes, every signing of them, and the signers' nonces."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridge.db.models.base import Base, WeiAmount, state_check, utcnow
from bridge.states import OutboxStatus

if TYPE_CHECKING:
    from bridge.db.models.tokenizations import Tokenization


class OutboxItem(Base):
    """A chain write the bridge owes: written with the change that needs it, sent by a sender.

    `queued` -> `sent` (nonce, hash and signed bytes stored before the first broadcast) -> `mined`
    (receipt seen, effects applied) -> `final` (`confirmations` deep, block hash checked); or
    `failed`, or `quarantined`. A `sent` item is re-broadcast with the same bytes until it is mined,
    and a `mined` one whose block was reorganised away is re-broadcast until it is mined again. A
    sender works on an item only while it holds its lease, so several senders can share the queue.
    """

    __tablename__ = "outbox"
    __table_args__ = (state_check("outbox", "status", OutboxStatus),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)  # JSON
    # Moved only by `transitions.move_outbox`.
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.QUEUED, index=True)
    tokenization_id: Mapped[str | None] = mapped_column(ForeignKey("tokenizations.id"))
    depends_on: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", name="fk_outbox_depends_on"))
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    nonce: Mapped[int | None] = mapped_column(BigInteger)
    # The latest signing; its bytes are in `raw_transactions`, once however many items it carries.
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    # The chain head when the transaction was signed: it can only be mined in a later block, so
    # reserves and the listener never look past this block while the item is unsettled.
    signed_at_block: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    block_hash: Mapped[str | None] = mapped_column(String(66))
    # A held item (factory paused, mint limit reached) is not claimed again before this time.
    not_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # Not read: it tells the unit of work to insert a mint's tokenization first, in the same flush.
    tokenization: Mapped[Tokenization | None] = relationship()


class SentTransaction(Base):
    """Every signed transaction of an outbox item: a replacement (same nonce, higher fee) adds a row,
    so whichever of them is mined settles the item."""

    __tablename__ = "sent_transactions"
    __table_args__ = (Index("ix_sent_transactions_item", "item_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"))
    nonce: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(String(66), index=True)
    max_fee_per_gas: Mapped[int | None] = mapped_column(WeiAmount)
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RawTransaction(Base):
    """The signed bytes of one transaction, stored before its first broadcast: re-broadcast after a
    crash or a reorg, and re-signed with higher fees. Once per transaction, not per item: a batch of
    100 mints is one transaction of some 16 kB of calldata."""

    __tablename__ = "raw_transactions"

    tx_hash: Mapped[str] = mapped_column(String(66), primary_key=True)
    raw_tx: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SignerNonce(Base):
    """The next nonce of each signing account, advanced in the transaction that stores a signed tx."""

    __tablename__ = "signer_nonces"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    next_nonce: Mapped[int] = mapped_column(BigInteger)
