"""`mint`: the factory mints a locked serial block's tonnes against its lock id, alone or batched.

A batch is the ready first-attempt mints behind one item, up to `mint_batch`, in one `mintBatch`
transaction: every member stores the same nonce, hash and bytes, and one receipt settles them all
with one query for their tokenizations and one for their ranges. A mint that came back from a
reverted batch goes alone, so one bad order cannot hold the others back twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from eth_abi.abi import encode
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from sqlalchemy import select
from sqlalchemy.orm import Session
from web3.types import TxReceipt

from bridge.db import outbox
from bridge.db.models import OutboxItem, Vintage
from bridge.outbox import lock_orders
from bridge.outbox.handlers import Call, Context, Handler
from bridge.services import settlement
from bridge.services.vintages import symbol
from bridge.states import OutboxStatus
from bridge.units import TONNE

logger = logging.getLogger(__name__)

#: The factory's `MintOrder`: (vintage, to, amount, lockId, serialHash).
Order = tuple[str, str, int, HexBytes, HexBytes]
NO_TOKEN = "the vintage token could not be created"
#: `mint(address,address,uint256,bytes32,bytes32)` and `mintBatch(MintOrder[])`, encoded with eth_abi.
ORDER_FIELDS = ("address", "address", "uint256", "bytes32", "bytes32")
BATCH_FIELDS = f"({','.join(ORDER_FIELDS)})[]"
MINT_SELECTOR = keccak(text=f"mint({','.join(ORDER_FIELDS)})")[:4]
BATCH_SELECTOR = keccak(text=f"mintBatch({BATCH_FIELDS})")[:4]


def orders(session: Session, items: Sequence[OutboxItem]) -> dict[int, Order | None]:
    """Each mint item's order, its vintages read in one query; None while a vintage has no token."""
    payloads = {item.id: outbox.payload_of(item) for item in items}
    wanted = {payload["vintage_pk"] for payload in payloads.values()}
    query = select(Vintage.id, Vintage.token_address).where(Vintage.id.in_(wanted))
    tokens = {row.id: row.token_address for row in session.execute(query)}
    found: dict[int, Order | None] = {}
    for item_id, payload in payloads.items():
        token = tokens.get(payload["vintage_pk"])
        found[item_id] = (
            None
            if token is None
            else (
                token,
                payload["to"],
                payload["tonnes"] * TONNE,
                HexBytes(payload["lock_id"]),
                HexBytes(payload["serial_hash"]),
            )
        )
    return found


class Mint(Handler):
    kind = "mint"
    holdable = True
    changes_supply = True

    def call(self, ctx: Context, session: Session, item: OutboxItem) -> Call | None:
        order = orders(session, [item])[item.id]
        if order is None:
            settlement.fail_mint(session, item, NO_TOKEN)
            return None
        return Call(ctx.chain.factory.address, MINT_SELECTOR + encode(list(ORDER_FIELDS), list(order)))

    def batch_call(
        self, ctx: Context, session: Session, group: list[OutboxItem]
    ) -> tuple[list[OutboxItem], Call]:
        """The members whose vintage has a token (the first has one), in one `mintBatch` call; the
        others are released: the single path settles them."""
        found = orders(session, group)
        members = []
        for member in group:
            if found[member.id] is None:
                outbox.release(member)
            else:
                members.append(member)
        batch = [found[m.id] for m in members]
        return members, Call(ctx.chain.factory.address, BATCH_SELECTOR + encode([BATCH_FIELDS], [batch]))

    def hold_subject(self, session: Session, item: OutboxItem) -> str | None:
        return symbol(session.get_one(Vintage, outbox.payload_of(item)["vintage_pk"]))

    def mined(self, ctx: Context, session: Session, items: list[OutboxItem], receipt: TxReceipt) -> None:
        block = int(receipt["blockNumber"])
        tx_hash = receipt["transactionHash"]
        settlement.record_minted(
            session, [(item.tokenization_id, tx_hash, block) for item in items if item.tokenization_id]
        )
        super().mined(ctx, session, items, receipt)

    def reverted(self, ctx: Context, session: Session, item: OutboxItem, reason: str) -> None:
        """Minted already by this very order (settled), by another (quarantined), or failed: the
        serials are freed."""
        if not self._consumed(ctx, session, item, reason):
            settlement.fail_mint(session, item, reason)

    def batch_reverted(self, ctx: Context, session: Session, item: OutboxItem) -> None:
        """A batch reverted on-chain (another sender minted one of its locks first, say): what did
        mint is recorded, the rest is queued again to go alone."""
        if self._consumed(ctx, session, item, "batch reverted"):
            return
        outbox.mark(item, OutboxStatus.QUEUED, nonce=None, tx_hash=None, last_error="batch reverted")

    def _consumed(self, ctx: Context, session: Session, item: OutboxItem, reason: str) -> bool:
        """Whether the mint's lock was consumed already; another order's consuming it halts the sender."""
        order = orders(session, [item])[item.id]
        if order is None:
            return False
        state = lock_orders.settle_consumed_lock(ctx, session, item, order, reason)
        if state == "quarantined":
            ctx.halted = f"the lock of mint item {item.id} was consumed by another order (see the alerts)"
        return state != "free"
