"""What burns on-chain leave in the database: retirements and redemptions, applied once each."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridge.db.models.base import Base, WeiAmount, state_check, utcnow
from bridge.states import RedemptionStatus, RetirementStatus

if TYPE_CHECKING:
    from bridge.db.models.catalog import Vintage
    from bridge.db.models.tokenizations import ReleasedRange, SerialRange


class Retirement(Base):
    """An on-chain retirement (`Retired` event), applied once by its chain key."""

    __tablename__ = "retirements"
    __table_args__ = (state_check("retirements", "status", RetirementStatus),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_key: Mapped[str] = mapped_column(String(80), unique=True)
    tx_hash: Mapped[str] = mapped_column(String(66))
    log_index: Mapped[int] = mapped_column(Integer)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    block_hash: Mapped[str] = mapped_column(String(66))
    vintage_pk: Mapped[int] = mapped_column(ForeignKey("vintages.id"), index=True)
    holder: Mapped[str] = mapped_column(String(42))
    beneficiary: Mapped[str] = mapped_column(String(42))
    beneficiary_name: Mapped[str] = mapped_column(Text)
    reason: Mapped[int] = mapped_column(Integer)
    reason_text: Mapped[str] = mapped_column(Text)
    amount_wei: Mapped[int] = mapped_column(WeiAmount)
    tonnes_retired: Mapped[int] = mapped_column(BigInteger, default=0)
    certificate_id: Mapped[int] = mapped_column(BigInteger)
    # Moved only by `transitions.move_retirement`.
    status: Mapped[str] = mapped_column(String(24), default=RetirementStatus.PENDING_REGISTRY, index=True)
    registry_reference: Mapped[str | None] = mapped_column(Text)
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    vintage: Mapped[Vintage] = relationship()
    ranges: Mapped[list[SerialRange]] = relationship(order_by="SerialRange.block_start")


class Redemption(Base):
    """An on-chain redemption request (`RedemptionRequested`), applied once by its chain key."""

    __tablename__ = "redemptions"
    __table_args__ = (state_check("redemptions", "status", RedemptionStatus),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_key: Mapped[str] = mapped_column(String(80), unique=True)
    tx_hash: Mapped[str] = mapped_column(String(66))
    log_index: Mapped[int] = mapped_column(Integer)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    block_hash: Mapped[str] = mapped_column(String(66))
    vintage_pk: Mapped[int] = mapped_column(ForeignKey("vintages.id"), index=True)
    holder: Mapped[str] = mapped_column(String(42))
    amount_wei: Mapped[int] = mapped_column(WeiAmount)
    registry_account: Mapped[str] = mapped_column(Text)
    # Moved only by `transitions.move_redemption`.
    status: Mapped[str] = mapped_column(String(24), default=RedemptionStatus.PENDING_TRANSFER, index=True)
    registry_reference: Mapped[str | None] = mapped_column(Text)
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    vintage: Mapped[Vintage] = relationship()
    ranges: Mapped[list[ReleasedRange]] = relationship(order_by="ReleasedRange.block_start")
