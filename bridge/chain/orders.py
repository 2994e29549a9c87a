"""A lock bound to its order: the factory records, under each lock id it mints against, the hash of the
order that consumed it (`lockOrder`), so the bridge can tell its own mint from another order that used
the same lock (a stolen minter key minting to itself).
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from eth_abi import encode
from eth_utils import keccak
from sqlalchemy.orm import Session

from bridge.chain import effects
from bridge.chain.contracts import Chain
from bridge.db import outbox
from bridge.db.models import OutboxItem
from bridge.services import alerts

logger = logging.getLogger(__name__)

ORDER_TYPES = ["bytes32", "address", "address", "uint256", "bytes32"]
#: What a reverted mint's lock says: never consumed, consumed by this very order (settled as minted),
#: or by another order (quarantined).
LockState = Literal["free", "minted", "quarantined"]


def order_hash(vintage: str, to: str, amount: int, lock_id: bytes, serial_hash: bytes) -> bytes:
    """The factory's `orderHash`: keccak256(abi.encode(lockId, vintage, to, amount, serialHash))."""
    return keccak(encode(ORDER_TYPES, [bytes(lock_id), vintage, to, amount, bytes(serial_hash)]))


def find_tokenized(chain: Chain, lock_id: bytes, *, since: int, block_batch: int) -> Any | None:
    """The `Tokenized` log of `lock_id` from block `since` to the head; None when the node has none.

    Newest blocks first (the bridge's own mint is recent), never more than `block_batch` blocks per
    `eth_getLogs`: nodes refuse, or time out on, unbounded ranges.
    """
    event = chain.factory.events.Tokenized()
    to_block = int(chain.w3.eth.block_number)
    while to_block >= since:
        from_block = max(since, to_block - block_batch + 1)
        logs = event.get_logs(
            from_block=from_block, to_block=to_block, argument_filters={"lockId": bytes(lock_id)}
        )
        if logs:
            return logs[-1]
        to_block = from_block - 1
    return None


def settle_consumed_lock(
    session: Session,
    chain: Chain,
    item: OutboxItem,
    order: tuple[Any, ...],
    reason: str,
    *,
    block_batch: int,
    sender: str,
) -> LockState:
    """Settles a reverted mint whose lock was consumed already (the caller commits).

    By the bridge's own order (a retry after a crash, or another sender first): minted, recorded with
    its `Tokenized` log. By another order under the same lock: a stolen minter key; the item is
    quarantined with its serials held and an alert raised, and the caller halts.
    """
    lock_id = bytes(order[3])
    found = bytes(chain.factory.functions.lockOrder(lock_id).call())
    if found == bytes(32):
        return "free"
    expected = order_hash(*order)
    if found != expected:
        _quarantine(session, item, found, expected, sender)
        return "quarantined"
    log = find_tokenized(chain, lock_id, since=int(chain.deployment["block"]), block_batch=block_batch)
    if log is None:
        # A node behind the one that answered lockOrder: without the mint's block, burns and
        # reserves could never count these tonnes, so settle later rather than without it.
        raise TimeoutError(f"lock 0x{lock_id.hex()} minted, but its Tokenized log is not visible yet")
    effects.record_minted(session, item, log["transactionHash"], int(log["blockNumber"]))
    outbox.mark(item, "final", last_error=f"lock had minted before ({reason})")
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
    effects.quarantine(session, item, "lock consumed by another order")
