"""The catalogue: projects and their vintages (one token each)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridge.db.models.base import Base, WeiAmount, utcnow


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("registry", "project_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registry_id: Mapped[int] = mapped_column("registry", Integer)
    project_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(2))
    methodology: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[int] = mapped_column(Integer)
    sectoral_scope: Mapped[int] = mapped_column(Integer, default=0)
    # The labels of the project's first vintage; each vintage carries its own (see Vintage.labels).
    labels: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    vintages: Mapped[list[Vintage]] = relationship(back_populates="project")


class Vintage(Base):
    """One project vintage and its token. `accrued_retired_wei` holds retired fractions of a tonne."""

    __tablename__ = "vintages"
    __table_args__ = (UniqueConstraint("project_pk", "vintage_start", "vintage_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_pk: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    vintage_start: Mapped[date] = mapped_column(Date)
    vintage_end: Mapped[date] = mapped_column(Date)
    key: Mapped[str] = mapped_column(String(66), unique=True)
    # Registries attach labels (CORSIA eligibility by phase, ICVCM CCP) per batch or vintage, so
    # vintages of one project may differ; the token's labels are immutable clone arguments.
    labels: Mapped[int] = mapped_column(Integer, default=0)
    token_address: Mapped[str | None] = mapped_column(String(42), unique=True)
    # The outbox item that creates the token: mints of this vintage wait for it.
    creation_item_pk: Mapped[int | None] = mapped_column(Integer)
    accrued_retired_wei: Mapped[int] = mapped_column(WeiAmount, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    project: Mapped[Project] = relationship(back_populates="vintages")
