"""What each kind of outbox item is: how its call is built, what its receipt settles, what a revert
means. One handler per kind (its own module), found by kind in `bridge.outbox.registry`.

A handler never signs or broadcasts (`bridge.outbox.signing`, `bridge.outbox.broadcast`) and never
commits: the sender commits what a handler settles together with the receipt that caused it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

from hexbytes import HexBytes
from sqlalchemy.orm import Session
from web3.contract.contract import ContractFunction
from web3.types import TxParams, TxReceipt

from bridge.chain.contracts import Chain
from bridge.db import outbox
from bridge.db.models import OutboxItem
from bridge.states import OutboxStatus
from bridge.units import to_hex

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Call:
    """A contract call as the chain takes it: its target and calldata, encoded once (estimate, sign
    and re-check all use these bytes; web3's encoder takes 0.4 s for a batch of 100 mints)."""

    to: str
    data: bytes

    @classmethod
    def of(cls, function: ContractFunction) -> Call:
        return cls(str(function.address), bytes(HexBytes(function._encode_transaction_data())))

    def params(self, sender: str) -> TxParams:
        return {"from": sender, "to": self.to, "data": HexBytes(self.data)}


@dataclass
class Context:
    """What a handler may use: the chain, the sender it works for, and how that sender reads logs."""

    chain: Chain
    sender: str
    block_batch: int = 500
    #: Set by a handler that finds what must stop every sending (a lock consumed by another order).
    halted: str | None = None

    @property
    def address(self) -> str:
        assert self.chain.account is not None, "the sender needs a signing account"
        return str(self.chain.account.address)


class Handler:
    """One kind of chain write. Subclasses set `kind` and build the call; the defaults fail a revert."""

    kind: ClassVar[str]
    #: Whether the factory's pauses and limits hold it back (then a revert waits rather than fails).
    holdable: ClassVar[bool] = False
    #: Whether its transaction changes a supply or the factory's catalogue (`outbox.floor`).
    changes_supply: ClassVar[bool] = False

    def call(self, ctx: Context, session: Session, item: OutboxItem) -> Call | None:
        """The contract call the item makes; None when it was settled instead (the caller commits)."""
        raise NotImplementedError

    def hold_subject(self, session: Session, item: OutboxItem) -> str | None:
        """What a hold message names (a mint's vintage symbol); None: the contract's own words."""
        return None

    def mined(self, ctx: Context, session: Session, items: list[OutboxItem], receipt: TxReceipt) -> None:
        """The items one successful transaction carries (several for a batch mint) are mined."""
        block, block_hash = int(receipt["blockNumber"]), to_hex(receipt["blockHash"])
        for item in items:
            outbox.mark(item, OutboxStatus.MINED, block_number=block, block_hash=block_hash)

    def reverted(self, ctx: Context, session: Session, item: OutboxItem, reason: str) -> None:
        """A write that cannot or did not succeed: done already (settled, say so), or failed for good."""
        self.fail(item, reason)

    def fail(self, item: OutboxItem, reason: str) -> None:
        outbox.mark(item, OutboxStatus.FAILED, last_error=reason)
        logger.error("outbox: item %s (%s) failed: %s", item.id, item.kind, reason)

    def done_already(self, item: OutboxItem, what: str, reason: str) -> None:
        outbox.mark(item, OutboxStatus.FINAL, last_error=f"{what} ({reason})")
