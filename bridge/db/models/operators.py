"""Who may bridge: registry operators and their API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridge.db.models.base import Base, utcnow


class Operator(Base):
    """A registry operator allowed to bridge credits of some registries."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    keys: Mapped[list[ApiKey]] = relationship(back_populates="operator")


class ApiKey(Base):
    """An operator's API key: only its SHA-256 is stored; `prefix` finds it without a scan."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    registries: Mapped[str] = mapped_column(String(200))  # comma-separated registry ids
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Limits on what one key can do (NULL: none): a stolen key is worth at most this much.
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    daily_quota_tonnes: Mapped[int | None] = mapped_column(BigInteger)
    # A request above this many tonnes waits in `awaiting_approval` for a key with the approve scope.
    approval_above_tonnes: Mapped[int | None] = mapped_column(BigInteger)
    scopes: Mapped[str] = mapped_column(String(100), default="tokenize", server_default="tokenize")

    operator: Mapped[Operator] = relationship(back_populates="keys")

    @property
    def scope_set(self) -> set[str]:
        return {s for s in self.scopes.split(",") if s}

    @property
    def registry_ids(self) -> set[int]:
        return {int(r) for r in self.registries.split(",") if r}
