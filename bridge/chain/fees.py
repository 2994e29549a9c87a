"""The sender's fee policy: what a new transaction bids, and what replaces one stuck behind a fee spike.

A new transaction bids twice the latest base fee plus the node's suggested tip (EIP-1559), so it stays
mineable while the base fee doubles (six full blocks in a row). One that is not mined in time, or whose
maxFeePerGas the base fee has overtaken, is replaced: the same nonce and call re-signed with both fees
at least 12.5% higher (what nodes ask of a replacement: geth 10%, others 12.5%) and enough for twice the
current base fee. Nothing bids above the cap (`max_fee_per_gas_gwei`): at the cap a transaction waits
for the spike to pass.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import rlp
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from hexbytes import HexBytes
from web3 import Web3

logger = logging.getLogger(__name__)

GWEI = 10**9


def bumped(value: int) -> int:
    """`value` raised by 12.5%, rounded up (and by at least one wei)."""
    return value + max((value + 7) // 8, 1)


@dataclass(frozen=True)
class Fees:
    """EIP-1559 fees, or a legacy transaction's gas price (`tip` None, `max_fee` the gas price)."""

    max_fee: int
    tip: int | None

    def fields(self) -> dict[str, int]:
        if self.tip is None:
            return {"gasPrice": self.max_fee}
        return {"maxFeePerGas": self.max_fee, "maxPriorityFeePerGas": self.tip}

    @classmethod
    def of(cls, tx: Mapping[str, Any]) -> Fees:
        if "maxFeePerGas" in tx:
            return cls(int(tx["maxFeePerGas"]), int(tx["maxPriorityFeePerGas"]))
        return cls(int(tx["gasPrice"]), None)

    def mineable(self, base_fee: int | None) -> bool:
        """Whether a block with that base fee can include the transaction."""
        return base_fee is None or self.max_fee >= base_fee


class FeePolicy:
    def __init__(self, w3: Web3, *, cap_wei: int) -> None:
        self.w3 = w3
        self.cap = cap_wei

    def base_fee(self) -> int | None:
        """The latest block's base fee; None on a chain without EIP-1559."""
        base = self.w3.eth.get_block("latest").get("baseFeePerGas")
        return None if base is None else int(base)

    def for_new(self) -> Fees:
        """Fees for the transactions signed now (one lookup for all of them)."""
        base = self.base_fee()
        if base is None:
            return Fees(self._capped(int(self.w3.eth.gas_price)), None)
        tip = int(self.w3.eth.max_priority_fee)
        max_fee = self._capped(2 * base + tip)
        return Fees(max_fee, min(tip, max_fee))

    def replacement(self, old: Fees, base_fee: int | None) -> Fees | None:
        """Fees that replace a transaction signed with `old`; None when even the least replacement
        a node accepts would bid above the cap."""
        if old.tip is None:
            price = max(bumped(old.max_fee), int(self.w3.eth.gas_price))
            return Fees(min(price, self.cap), None) if bumped(old.max_fee) <= self.cap else None
        tip = max(bumped(old.tip), int(self.w3.eth.max_priority_fee))
        max_fee = max(bumped(old.max_fee), 2 * (base_fee or 0) + tip)
        if bumped(old.max_fee) > self.cap:
            return None
        if max_fee > self.cap:
            logger.warning(
                "fees: replacement capped at %s gwei (wanted %s gwei)", self.cap / GWEI, max_fee / GWEI
            )
            max_fee = self.cap
        tip = min(tip, max_fee)
        if tip < bumped(old.tip):
            return None
        return Fees(max_fee, tip)

    def _capped(self, wanted: int) -> int:
        if wanted > self.cap:
            logger.warning("fees: bidding the cap, %s gwei (wanted %s gwei)", self.cap / GWEI, wanted / GWEI)
            return self.cap
        return wanted


def unsigned(raw_tx: str) -> dict[str, Any]:
    """The fields of a signed transaction, without its signature: what re-signing it needs."""
    raw = HexBytes(raw_tx)
    if raw[0] >= 0xC0:  # a legacy transaction: rlp([nonce, gasPrice, gas, to, value, data, v, r, s])
        nonce, price, gas, to, value, data, v, _, _ = rlp.decode(bytes(raw))
        fields: dict[str, Any] = {
            "nonce": _int(nonce),
            "gasPrice": _int(price),
            "gas": _int(gas),
            "to": Web3.to_checksum_address(to),
            "value": _int(value),
            "data": HexBytes(data),
        }
        if _int(v) >= 35:  # EIP-155: v = 2 * chainId + 35 or 36
            fields["chainId"] = (_int(v) - 35) // 2
        return fields
    typed = TypedTransaction.from_bytes(raw).as_dict()
    return {k: v for k, v in typed.items() if k not in ("v", "r", "s")}


def with_fees(tx: dict[str, Any], fees: Fees) -> dict[str, Any]:
    """`tx` bidding `fees` instead of its own."""
    kept = {k: v for k, v in tx.items() if k not in ("gasPrice", "maxFeePerGas", "maxPriorityFeePerGas")}
    if fees.tip is None:
        kept.pop("type", None)
    return {**kept, **fees.fields()}


def _int(value: bytes) -> int:
    return int.from_bytes(value, "big")
