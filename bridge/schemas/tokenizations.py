"""Tokenizations and the catalogue: what an operator asks for, and the vintages, projects and locks
it sees."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bridge.schemas.fields import (
    LABEL_NAMES,
    MAX_UNITS,
    NO_NUL,
    Address,
    CategoryField,
    LabelName,
    RegistryField,
)


class ProjectAttributes(BaseModel):
    """What the registry says about the project; the serial gives registry, id, vintage and country."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=300, pattern=NO_NUL)
    project_id: str | None = Field(
        default=None,
        max_length=32,
        pattern=NO_NUL,
        description="Only needed when the serial does not carry it.",
    )
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    methodology: str | None = Field(default=None, max_length=32, pattern=NO_NUL)
    category: CategoryField
    sectoral_scope: int = Field(default=0, ge=0, le=255)
    labels: list[LabelName] = Field(default_factory=list, description=", ".join(LABEL_NAMES))

    @field_validator("labels")
    @classmethod
    def _known_labels(cls, labels: list[str]) -> list[str]:
        unknown = [label for label in labels if label.lower() not in LABEL_NAMES]
        if unknown:
            raise ValueError(f"unknown labels {unknown}; expected some of {sorted(LABEL_NAMES)}")
        return sorted({label.lower() for label in labels})

    def label_bits(self) -> int:
        bits = 0
        for label in self.labels:
            bits |= int(LABEL_NAMES[label])
        return bits


class TokenizationCreate(BaseModel):
    """Lock a block of registry serials and mint its tonnes to `beneficiary`."""

    model_config = ConfigDict(extra="forbid")

    idempotency_key: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    registry: RegistryField
    serial: str = Field(min_length=1, max_length=400, pattern=NO_NUL)
    quantity: int | None = Field(
        default=None, gt=0, le=MAX_UNITS, description="Required for registries whose serials carry no range."
    )
    issued_quantity: int | None = Field(
        default=None,
        gt=0,
        le=MAX_UNITS,
        description=(
            "Registries whose serials carry no unit numbers (J-Credit, CCER, FFCER, CARB, Isometric): the "
            "units the registry issued under the id. Required on the first lock of an id; the bridge "
            "numbers them 1..issued_quantity and never holds more."
        ),
    )
    beneficiary: Address
    project: ProjectAttributes
    vintage_start: date | None = Field(default=None, description="When the serial has no dates.")
    vintage_end: date | None = None


class VintagePublic(BaseModel):
    id: int
    registry: str
    project_id: str
    project_name: str | None
    vintage_start: date
    vintage_end: date
    key: str
    token_address: str | None
    symbol: str
    category: str
    sectoral_scope: int
    labels: list[str]
    country: str | None
    methodology: str | None


class RangePublic(BaseModel):
    serial: str
    block_start: int
    block_end: int
    quantity: int


class SerialIdentity(BaseModel):
    """What `serial_hash` commits to: keccak256(abi.encode(uint8 registry_id, string space,
    (uint256, uint256)[] ranges)), the units' identity whatever the serial's spelling."""

    registry_id: int
    space: str
    ranges: list[tuple[int, int]]


class TokenizationCancel(BaseModel):
    """Cancel a tokenization whose mint is not signed yet; its serials are freed."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500, pattern=NO_NUL, description="For the audit log.")


TokenizationStatus = Literal["awaiting_approval", "pending", "minted", "failed", "cancelled"]

_TOKENIZATION_STATUS = (
    "`awaiting_approval`: above its key's approval limit, serials held, no mint queued until another key "
    "approves; `pending`: mint queued or sent; `minted`; `failed`: the mint cannot happen, serials freed; "
    "`cancelled` by the operator, serials freed."
)


class TokenizationPublic(BaseModel):
    id: str
    idempotency_key: str
    status: TokenizationStatus = Field(description=_TOKENIZATION_STATUS)
    failure_reason: str | None
    waiting_reason: str | None = Field(
        description="Why its queued mint is held back (factory or vintage paused, say); null when it is not."
    )
    api_key_prefix: str | None = Field(
        description="The key that asked for it (null before keys were recorded)."
    )
    approved_by_key_prefix: str | None = Field(description="The key that approved it, above the limit.")
    approved_at: datetime | None
    registry: str
    serial: str
    quantity: int
    beneficiary: str
    vintage: VintagePublic
    lock_id: str
    serial_hash: str
    serial_identity: SerialIdentity | None
    tx_hash: str | None
    block_number: int | None
    created_at: datetime


class ConflictingLock(BaseModel):
    tokenization_id: str
    serial: str
    block_start: int
    block_end: int
    state: str
    redemption_id: int | None = None


class ProjectPublic(BaseModel):
    id: int
    registry: str
    project_id: str
    name: str | None
    country: str | None
    methodology: str | None
    category: str
    sectoral_scope: int
    labels: list[str]
    vintages: int


class LockPublic(BaseModel):
    tokenization_id: str
    registry: str
    space: str
    serial: str
    block_start: int
    block_end: int
    quantity: int
    state: str
    vintage_id: int
