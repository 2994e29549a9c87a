"""Reserves, alerts and health: what anyone may read of the bridge's own state."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

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
