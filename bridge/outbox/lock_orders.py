"""A mint whose lock was consumed already: by the bridge's own order (settled as minted, with its
`Tokenized` log), or by another (a stolen minter key: quarantined, an alert, and the sender halts).
The chain side (`order_hash`, `find_tokenized`) is `bridge.chain.orders`."""

from __future__ import annotations

import logging
from typing import Literal

from sqlalchemy.orm import Session

from bridge.chain.orders import find_tokenized, order_hash
from bridge.db import outbox
from bridge.db.models import OutboxItem
from bridge.outbox.handlers import Context
from bridge.services import alerts, settlement
from bridge.states import OutboxStatus
from bridge.units import to_hex

logger = logging.getLogger(__name__)

#: What a reverted mint's lock says: never consumed, consumed by this very order (settled as minted),
#: or by another order (quarantined).
LockState = Literal["free", "minted", "quarantined"]


def settle_consumed_lock(
    ctx: Context, session: Session, item: OutboxItem, order: tuple[str, str, int, bytes, bytes], reason: str
) -> LockState:
    """Settles a reverted mint whose lock was consumed already (the caller commits).

    By the bridge's own order (a retry after a crash, or another sender first): minted, recorded with
    its `Tokenized` log. By another order under the same lock: a stolen minter key; the item is
    quarantined with its serials held and an alert raised, and the caller halts.
    """
    chain = ctx.chain
    lock_id = bytes(order[3])
    found = bytes(chain.factory.functions.lockOrder(lock_id).call())
    if found == bytes(32):
        return "free"
    expected = order_hash(*order)
    if found != expected:
        _quarantine(session, item, found, expected, ctx.sender)
        return "quarantined"
    log = find_tokenized(chain, lock_id, since=int(chain.deployment["block"]), block_batch=ctx.block_batch)
    if log is None:
        # A node behind the one that answered lockOrder: without the mint's block, burns and
        # reserves could never count these tonnes, so settle later rather than without it.
        raise TimeoutError(f"lock 0x{lock_id.hex()} minted, but its Tokenized log is not visible yet")
    assert item.tokenization_id is not None
    settlement.record_minted(
        session, [(item.tokenization_id, to_hex(log["transactionHash"]), int(log["blockNumber"]))]
    )
    outbox.mark(item, OutboxStatus.FINAL, last_error=f"lock had minted before ({reason})")
    return "minted"


def _quarantine(session: Session, item: OutboxItem, found: bytes, expected: bytes, sender: str) -> None:
    lock_id = outbox.payload_of(item)["lock_id"]
    message = (
        f"lock {lock_id} of tokenization {item.tokenization_id} was consumed by another order "
        f"(order hash 0x{found.hex()}, the bridge's is 0x{expected.hex()}): mint item {item.id} is "
        f"quarantined with its serials locked, and sender {sender} has halted"
    )
    logger.critical("sender %s: %s", sender, message)
    alerts.raise_alert(
        session,
        key=f"lock_order_mismatch:{lock_id}",
        kind="lock_order_mismatch",
        message=message,
        lock_id=lock_id,
        tokenization_id=item.tokenization_id,
        item_id=item.id,
        order_hash=f"0x{found.hex()}",
        expected_order_hash=f"0x{expected.hex()}",
        seen_by=f"sender {sender}",
    )
    settlement.quarantine(session, item, "lock consumed by another order")
