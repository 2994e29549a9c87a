"""A lock bound to its order: the factory records, under each lock id it mints against, the hash of the
order that consumed it (`lockOrder`), so the bridge can tell its own mint from another order that used
the same lock (a stolen minter key minting to itself).

What a consumed lock means for a mint item is settled in `bridge.outbox.lock_orders`.
"""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode
from eth_utils.crypto import keccak

from bridge.chain.contracts import Chain

ORDER_TYPES = ["bytes32", "address", "address", "uint256", "bytes32"]


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
