"""The lenses: many reads of the chain in one `eth_call` each, with nothing deployed.

- `read_vintages` (`contracts/lens/ReservesLens.sol`): every factory vintage's supply and pool holdings
  at one block, for the reserves.
- `read_balances` (`contracts/lens/BalancesLens.sol`): one wallet's balance of many tokens, for
  `GET /balances`.

A lens is never deployed: its creation code and constructor arguments go as the data of an `eth_call`
with no `to`, and the constructor returns the ABI-encoded result instead of runtime code (a deployless
multicall). We prefer that to Multicall3: it needs no contract at a known address, so it works on any
chain (a fresh Anvil, a testnet, a chain Multicall3 was never deployed on), and it reads any block, even
one before the factory existed (no vintages then). What a creation may return is capped like runtime
code, so a long list is read in pages: `page_size` vintages, `BALANCES_PER_CALL` balances per call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cache

from eth_abi.abi import decode, encode
from hexbytes import HexBytes
from web3 import Web3

from bridge.chain.contracts import ABI_DIR, Chain

#: What a creation may return: the constructor's output counts as runtime code, which EIP-170 caps.
MAX_OUTPUT = 24_576
#: The page's head (outer offset, block number, count, array offset and length), and per vintage its
#: offset, address, supply, balances offset and length (then one word per pool), in 32-byte words.
_HEAD_WORDS, _VINTAGE_WORDS = 5, 5


#: How often a call answered for another block is asked again before the chain counts as unreadable.
ATTEMPTS = 4


def page_size(pools: int) -> int:
    """The most vintages one call can return with `pools` pools: 76 with five. Gas is no limit at
    that size (about 25,000 a vintage, against the 30M+ a node allows an `eth_call`)."""
    return (MAX_OUTPUT - 32 * _HEAD_WORDS) // (32 * (_VINTAGE_WORDS + pools))


_ARGUMENTS = ["address", "address[]", "uint256", "uint256"]
_RESULT = ["(uint256,uint256,(address,uint256,uint256[])[])"]
_BALANCES_ARGUMENTS = ["address", "address[]"]
_BALANCES_RESULT = ["(uint256,uint256[])"]
#: The balances' head (outer offset, block number, array offset and length) in 32-byte words, then one
#: word per token: 764 tokens per call.
_BALANCES_HEAD_WORDS = 4
BALANCES_PER_CALL = (MAX_OUTPUT - 32 * _BALANCES_HEAD_WORDS) // 32


@cache
def creation_code(name: str = "ReservesLens") -> bytes:
    """A lens's creation code, as `make compile` exported it."""
    return bytes.fromhex((ABI_DIR / f"{name}.bin").read_text().strip().removeprefix("0x"))


def read_balances(chain: Chain, holder: str, tokens: list[str], block: int | None = None) -> list[int]:
    """`holder`'s balance of each of `tokens` (0 for an address with no code), in their order, all at
    one block: `block`, else the latest. One `eth_call` per `BALANCES_PER_CALL` tokens (the pages after
    the first ask for the block the first ran at). Raises what web3 raises when the chain cannot be read."""
    at: int | None = block
    found: list[int] = []
    for start in range(0, len(tokens), BALANCES_PER_CALL):
        data = creation_code("BalancesLens") + encode(
            _BALANCES_ARGUMENTS, [holder, tokens[start : start + BALANCES_PER_CALL]]
        )
        for attempt in range(ATTEMPTS):
            raw = chain.w3.eth.call({"data": HexBytes(data)}, block_identifier="latest" if at is None else at)
            ((ran_at, balances),) = decode(_BALANCES_RESULT, bytes(raw))
            if at is None or ran_at == at:
                break
            if attempt == ATTEMPTS - 1:  # another block's answer: see `_call_at`
                raise ValueError(f"the node answered for block {ran_at}, not {at}")
            time.sleep(0.1 * (attempt + 1))
        at = ran_at
        found.extend(balances)
    return found


@dataclass
class VintageSupply:
    address: str  # checksummed
    total_supply_wei: int
    pool_holdings_wei: dict[str, int] = field(default_factory=dict)  # pool symbol -> wei, non-zero only


def read_vintages(chain: Chain, block: int, page: int | None = None) -> dict[str, VintageSupply]:
    """Every vintage the factory lists at `block`, by checksummed address, with its supply and pool
    holdings at that block; empty when the factory has no code there. Raises what web3 raises when the
    chain cannot be read."""
    symbols = list(chain.pools)
    pools = [chain.pools[s].address for s in symbols]
    page = page or page_size(len(pools))
    found: dict[str, VintageSupply] = {}
    start, count = 0, None
    while count is None or start < count:
        data = creation_code() + encode(_ARGUMENTS, [chain.factory.address, pools, start, page])
        count, vintages = _call_at(chain, data, block)
        for address, supply, balances in vintages:
            checksummed = Web3.to_checksum_address(address)
            found[checksummed] = VintageSupply(
                checksummed, supply, {s: b for s, b in zip(symbols, balances, strict=True) if b}
            )
        start += page
    return found


def _call_at(chain: Chain, data: bytes, block: int) -> tuple[int, list[tuple[str, int, list[int]]]]:
    """One lens call at `block`: the factory's vintage count and the page of vintages.

    The lens reports the block it ran at. A node that answers for another block is asked again a
    few times (Anvil, asked for the block it is just sealing, has been seen to answer for the next
    one), then refused: a reading at the wrong block would compare supplies with the wrong ledger.
    """
    for attempt in range(ATTEMPTS):
        raw = chain.w3.eth.call({"data": HexBytes(data)}, block_identifier=block)
        ((at, count, vintages),) = decode(_RESULT, bytes(raw))
        if at == block:
            return count, vintages
        if attempt < ATTEMPTS - 1:
            time.sleep(0.1 * (attempt + 1))
    raise ValueError(f"the node answered for block {at}, not {block}")
