"""Request and response models of the API (pydantic), shared by routes and services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator
from web3 import Web3

from bridge.catalog import REGISTRY_CODES, Category, Label, Registry


def parse_registry(value: Any) -> Registry:
    """A registry by name (`verra`, `gold_standard`), code (`VCS`, `GS`) or id."""
    if isinstance(value, Registry):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return Registry(value)
        except ValueError:
            pass
    if isinstance(value, str):
        text = value.strip().upper().replace("-", "_").replace(" ", "_")
        if text.isascii() and text.isdigit():  # an id, as a query string carries it
            return parse_registry(int(text))
        if text in Registry.__members__:
            return Registry[text]
        for registry, code in REGISTRY_CODES.items():
            if code == text:
                return registry
    names = ", ".join(r.name.lower() for r in Registry)
    raise ValueError(f"unknown registry {value!r}; expected one of {names}")


def parse_category(value: Any) -> Category:
    if isinstance(value, Category):
        return value
    if isinstance(value, str) and value.strip().upper() in Category.__members__:
        return Category[value.strip().upper()]
    names = ", ".join(c.name.lower() for c in Category)
    raise ValueError(f"unknown category {value!r}; expected one of {names}")


def parse_address(value: Any) -> str:
    """A 20-byte address; mixed case must carry a valid EIP-55 checksum."""
    if not isinstance(value, str) or not Web3.is_address(value):
        raise ValueError(f"{value!r} is not an address (0x followed by 40 hex digits)")
    body = value[2:]
    if body != body.lower() and body != body.upper() and not Web3.is_checksum_address(value):
        raise ValueError(f"{value} has a bad EIP-55 checksum")
    return Web3.to_checksum_address(value)


T = TypeVar("T")

LABEL_NAMES = {label.name.lower(): label for label in Label if label.name and label != Label.NONE}

# What the validators above accept, as the OpenAPI schema states it (their input is not the enum's).
REGISTRY_SCHEMA = {
    "anyOf": [
        {
            "type": "string",
            "enum": [r.name.lower() for r in Registry]
            + [REGISTRY_CODES[r] for r in Registry]
            + [str(int(r)) for r in Registry],
        },
        {"type": "integer", "enum": [int(r) for r in Registry]},
    ],
    "description": "A registry by name (`verra`), code (`VCS`) or id (`1`).",
}
CATEGORY_SCHEMA = {"type": "string", "enum": [c.name.lower() for c in Category]}
ADDRESS_SCHEMA = {
    "type": "string",
    "pattern": "^0x[0-9a-fA-F]{40}$",
    "description": "An address; mixed case must carry a valid EIP-55 checksum.",
}

RegistryField = Annotated[Registry, BeforeValidator(parse_registry), WithJsonSchema(REGISTRY_SCHEMA)]
CategoryField = Annotated[Category, BeforeValidator(parse_category), WithJsonSchema(CATEGORY_SCHEMA)]
Address = Annotated[str, BeforeValidator(parse_address), WithJsonSchema(ADDRESS_SCHEMA)]
LabelName = Annotated[str, WithJsonSchema({"type": "string", "enum": list(LABEL_NAMES)})]

#: Text the database can hold: PostgreSQL refuses NUL characters in text.
NO_NUL = r"^[^\x00]*$"
#: The most units a request may state: exact as a JSON number everywhere (2**53 - 1), far within BIGINT.
MAX_UNITS = 2**53 - 1


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


class RetirementPublic(BaseModel):
    id: int
    vintage_id: int
    token_address: str | None
    holder: str
    beneficiary: str
    beneficiary_name: str
    reason: str
    reason_text: str
    amount_wei: str
    tonnes_retired: int
    certificate_id: int
    status: str
    registry_reference: str | None
    tx_hash: str
    block_number: int
    serials: list[RangePublic]


class RedemptionPublic(BaseModel):
    id: int
    vintage_id: int
    token_address: str | None
    holder: str
    amount_wei: str
    tonnes: int
    registry_account: str
    status: str
    registry_reference: str | None
    tx_hash: str
    block_number: int
    serials: list[RangePublic]


class RegistryConfirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    registry_reference: str = Field(min_length=1, max_length=200, pattern=NO_NUL)


ReserveStatus = Literal["balanced", "unbalanced", "unknown"]

_STATUS = (
    "`balanced`: the on-chain supply and the serial ledger both equal the expected supply; `unbalanced`: "
    "they do not; `unknown`: the chain could not be read (and the database alone shows nothing wrong)."
)


class ReservePublic(BaseModel):
    """One vintage at block `at_block`: tonnes by state, and supply expected against on-chain."""

    vintage_id: int
    symbol: str
    token_address: str | None
    locked_tonnes: int = Field(
        description="Serials whose mint was mined at or before `at_block`, not retired or released by then."
    )
    pending_tonnes: int = Field(
        description="Serials whose mint is not mined yet, was mined after `at_block`, or was reorganised out."
    )
    retired_tonnes: int = Field(description="Retired by retirements at or before `at_block`.")
    released_tonnes: int = Field(description="Released by redemptions at or before `at_block`.")
    accrued_retired_wei: str = Field(description="Retired at or before `at_block` but not yet a whole tonne.")
    expected_supply_wei: str = Field(
        description="Tonnes minted by tokenizations mined at or before `at_block`, less the burns by then."
    )
    ledger_supply_wei: str = Field(description="`locked_tonnes` x 10^18 less `accrued_retired_wei`.")
    onchain_supply_wei: str | None = Field(
        description="`totalSupply()` at `at_block` (0 for a token created after it); null when unread."
    )
    pool_holdings_wei: dict[str, str] = Field(description="What each pool holds of it at `at_block`.")
    at_block: int | None
    status: ReserveStatus = Field(description=_STATUS)
    balanced: bool | None = Field(description="`status` as true, false, or null when unknown.")


class UnknownVintagePublic(BaseModel):
    """A token the factory lists at `at_block` for which the bridge has no vintage."""

    token_address: str
    onchain_supply_wei: str
    pool_holdings_wei: dict[str, str]
    balanced: bool = Field(description="False when it has a supply: tokens no locked tonne backs.")


class ReservesPublic(BaseModel):
    """Reserves at one block, `at_block` = min(`listener_block`, `floor_block`)."""

    at_block: int | None = Field(
        description="The block both sides are read at; null before the service knows its chain."
    )
    listener_block: int | None = Field(description="The last block whose burns the listener has applied.")
    floor_block: int | None = Field(
        description=(
            "The chain head when the oldest unsettled transaction was signed (it is mined after that "
            "block, and may be on-chain before the database counts it); null when none is unsettled."
        )
    )
    status: ReserveStatus = Field(description=_STATUS)
    balanced: bool | None = Field(description="`status` as true, false, or null when unknown.")
    vintages: list[ReservePublic]
    unknown_vintages: list[UnknownVintagePublic] = Field(
        description=(
            "Factory vintages at `at_block` the database does not know; any with a supply makes the "
            "reserves unbalanced."
        )
    )
    reasons: list[str] = Field(
        description="What makes the reserves unbalanced, one line per vintage, naming it; empty otherwise."
    )


_ALERT_KINDS = (
    "`unexplained_mint`: a `Tokenized` no tokenization explains (unknown lock id, or one the bridge was not "
    "minting); `lock_order_mismatch`: a known lock id minted with another order; `unexplained_vintage`: a "
    "vintage token the bridge did not create; `role_change`: a role granted or revoked (or an admin transfer "
    "scheduled) after the deployment; `implementation_changed`: the factory clones another implementation; "
    "`foreign_nonce`: a transaction from the bridge's account that the bridge did not sign."
)


class AlertPublic(BaseModel):
    """An on-chain fact no bridge record explains: open until an operator acknowledges it."""

    id: int
    kind: str = Field(description=_ALERT_KINDS)
    key: str = Field(description="What the alert is about, once: e.g. `tokenized:<tx hash>:<log index>`.")
    message: str
    detail: dict[str, Any]
    block_number: int | None
    tx_hash: str | None = Field(description="The transaction that raised it, when one did.")
    pause_tx_hash: str | None = Field(description="The guardian's `pause()` answering it, if it paused.")
    created_at: datetime
    open: bool = Field(description="Not acknowledged yet: `GET /health` is degraded while any alert is open.")
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    acknowledgement: str | None = Field(description="The operator's note on the investigation.")


HealthStatus = Literal["ok", "degraded"]


class HealthPublic(BaseModel):
    """The service answers; `degraded` names what needs an operator."""

    status: HealthStatus
    reasons: list[str] = Field(
        description="One line per open alert, then whether minting is paused or the chain unreadable."
    )
    open_alerts: int
    minting_paused: bool | None = Field(description="The factory's `paused()`; null when not read.")


class PoolCriteriaPublic(BaseModel):
    """What a pool accepts; an empty list accepts any."""

    registries: list[str]
    categories: list[str]
    sectoral_scopes: list[int]
    min_vintage_year: int
    required_labels: list[str]


class PoolHoldingPublic(BaseModel):
    token_address: str
    vintage_id: int | None
    symbol: str
    amount_wei: str


class PoolPublic(BaseModel):
    symbol: str
    name: str
    address: str
    total_supply_wei: str
    fee_bps: int
    criteria: PoolCriteriaPublic
    holdings: list[PoolHoldingPublic] = Field(description="Oldest vintage first, the order redemptions take.")


class CertificatePublic(BaseModel):
    """A retirement certificate as the chain records it, with the bridge's registry status."""

    id: int
    owner: str
    vintage: str
    vintage_id: int | None
    symbol: str | None
    retired_at: datetime
    reason: str
    reason_text: str | None = Field(
        description="From the Retired event; null until one matching `details_hash` is found."
    )
    beneficiary: str
    beneficiary_name: str | None = Field(
        description="From the Retired event; null until one matching `details_hash` is found."
    )
    details_hash: str = Field(description="keccak256(abi.encode(beneficiaryName, reasonText)), on-chain.")
    amount_wei: str
    registry_reference: str | None
    retirement_id: int | None
    status: str = Field(description="pending_registry, confirming, confirmed, or awaiting_listener.")
    tx_hash: str | None
    metadata: dict[str, Any] = Field(description="The certificate's tokenURI JSON.")


class NetworkPublic(BaseModel):
    """What a wallet and the web page need to talk to the chain the bridge runs on."""

    chain_id: int
    chain_name: str
    rpc_url: str
    confirmations: int
    contracts: dict[str, str]
    pools: dict[str, str]
    retirement_reasons: list[str]


class ErrorDetail(BaseModel):
    """A refused request: what went wrong, and the field at fault."""

    model_config = ConfigDict(extra="allow")  # e.g. `conflicting_lock` on an overlap

    error: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    detail: ErrorDetail


class FieldError(BaseModel):
    """A request that does not fit the schema, as FastAPI reports it: `loc` names the field."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int]
    msg: str
    type: str


class InvalidInputResponse(BaseModel):
    detail: ErrorDetail | list[FieldError]


def error_responses(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the ways a route refuses a request, by status code."""
    return {
        status: {"model": InvalidInputResponse if status == 422 else ErrorResponse, "description": text}
        for status, text in descriptions.items()
    }


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
