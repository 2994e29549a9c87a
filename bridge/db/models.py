"""Tables of the bridge. Amounts of tokens (18 decimals) are exact integers stored as text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    column,
    func,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class WeiAmount(TypeDecorator[int]):
    """A non-negative integer of any size (token units), stored as decimal text on every database."""

    impl = String(80)
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Any) -> str | None:
        return None if value is None else str(int(value))

    def process_result_value(self, value: str | None, dialect: Any) -> int | None:
        return None if value is None else int(value)


class Base(DeclarativeBase):
    pass


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


class Tokenization(Base):
    """An operator's request to lock a serial block and mint its tonnes to a wallet."""

    __tablename__ = "tokenizations"
    __table_args__ = (UniqueConstraint("operator_id", "idempotency_key"),)

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
    status: Mapped[str] = mapped_column(String(24), default="pending", index=True)
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
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    registry_id: Mapped[int] = mapped_column("registry", Integer)
    space: Mapped[str] = mapped_column(Text)
    issuance: Mapped[str] = mapped_column(Text)
    block_start: Mapped[int] = mapped_column(BigInteger)
    block_end: Mapped[int] = mapped_column(BigInteger)
    serial: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    vintage_pk: Mapped[int] = mapped_column(ForeignKey("vintages.id"))
    tokenization_id: Mapped[str] = mapped_column(ForeignKey("tokenizations.id"))
    retirement_pk: Mapped[int | None] = mapped_column(ForeignKey("retirements.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

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


class Retirement(Base):
    """An on-chain retirement (`Retired` event), applied once by its chain key."""

    __tablename__ = "retirements"

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
    status: Mapped[str] = mapped_column(String(24), default="pending_registry", index=True)
    registry_reference: Mapped[str | None] = mapped_column(Text)
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    vintage: Mapped[Vintage] = relationship()
    ranges: Mapped[list[SerialRange]] = relationship(order_by="SerialRange.block_start")


class Redemption(Base):
    """An on-chain redemption request (`RedemptionRequested`), applied once by its chain key."""

    __tablename__ = "redemptions"

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
    status: Mapped[str] = mapped_column(String(24), default="pending_transfer", index=True)
    registry_reference: Mapped[str | None] = mapped_column(Text)
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    vintage: Mapped[Vintage] = relationship()
    ranges: Mapped[list[ReleasedRange]] = relationship(order_by="ReleasedRange.block_start")


class OutboxItem(Base):
    """A chain write the bridge owes: written with the change that needs it, sent by a sender.

    `queued` -> `sent` (nonce, hash and signed bytes stored before the first broadcast) -> `mined`
    (receipt seen, effects applied) -> `final` (`confirmations` deep, block hash checked); or
    `failed`. A `sent` item is re-broadcast with the same bytes until it is mined, and a `mined` one
    whose block was reorganised away is re-broadcast until it is mined again. A sender works on an
    item only while it holds its lease, so several senders can share the queue.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)  # JSON
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    tokenization_id: Mapped[str | None] = mapped_column(ForeignKey("tokenizations.id"))
    depends_on: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", name="fk_outbox_depends_on"))
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    nonce: Mapped[int | None] = mapped_column(BigInteger)
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    raw_tx: Mapped[str | None] = mapped_column(Text)
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


class SentTransaction(Base):
    """Every signed transaction of an outbox item: a replacement (same nonce, higher fee) adds a row,
    so whichever of them is mined settles the item."""

    __tablename__ = "sent_transactions"
    __table_args__ = (Index("ix_sent_transactions_item", "item_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"))
    nonce: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(String(66), index=True)
    raw_tx: Mapped[str] = mapped_column(Text)
    max_fee_per_gas: Mapped[int | None] = mapped_column(WeiAmount)
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Alert(Base):
    """Something on-chain that no bridge record explains (or a broken invariant): stored once per
    `key`, logged CRITICAL, and `GET /health` is degraded until an operator acknowledges it."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # idempotent: one alert per cause
    kind: Mapped[str] = mapped_column(String(48), index=True)
    message: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    # The guardian's pause transaction, when the bridge paused minting because of this alert.
    pause_tx_hash: Mapped[str | None] = mapped_column(String(66))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    acknowledgement: Mapped[str | None] = mapped_column(Text)


class SignerNonce(Base):
    """The next nonce of each signing account, advanced in the transaction that stores a signed tx."""

    __tablename__ = "signer_nonces"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    next_nonce: Mapped[int] = mapped_column(BigInteger)


class ChainCursor(Base):
    """The next block a follower will read; advanced by compare-and-set."""

    __tablename__ = "chain_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_block: Mapped[int] = mapped_column(BigInteger)
    # Hash of block next_block - 1 when it was read: a different hash later means a reorg deeper
    # than the confirmation depth, which the listener refuses to paper over.
    block_hash: Mapped[str | None] = mapped_column(String(66))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(Base):
    """Append-only record of every state change: who, what, when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(80))
    detail: Mapped[str] = mapped_column(Text, default="{}")
