"""The listener reads `Tokenized` by its fixed layout; it must read exactly what the ABI decoder reads."""

from __future__ import annotations

from eth_abi.abi import encode
from hexbytes import HexBytes
from hypothesis import given, settings
from hypothesis import strategies as st
from web3 import Web3
from web3._utils.events import get_event_data

from bridge.chain.topics import WATCHED_ABIS, topic
from bridge.listener.watch import _tokenized_args

TOKENIZED = WATCHED_ABIS["Tokenized"]
words = st.binary(min_size=32, max_size=32)
addresses = st.binary(min_size=20, max_size=20)


@given(lock_id=words, vintage=addresses, to=addresses, amount=st.integers(0, 2**256 - 1), serial_hash=words)
@settings(max_examples=200, deadline=None)
def test_the_fixed_layout_reads_what_the_abi_decoder_reads(
    lock_id: bytes, vintage: bytes, to: bytes, amount: int, serial_hash: bytes
) -> None:
    log = {
        "address": "0x" + "11" * 20,
        "topics": [
            HexBytes(topic(TOKENIZED)),
            HexBytes(lock_id),
            HexBytes(b"\0" * 12 + vintage),
            HexBytes(b"\0" * 12 + to),
        ],
        "data": HexBytes(encode(["uint256", "bytes32"], [amount, serial_hash])),
        "blockNumber": 1,
        "blockHash": HexBytes(b"\1" * 32),
        "transactionHash": HexBytes(b"\2" * 32),
        "transactionIndex": 0,
        "logIndex": 0,
    }
    expected = dict(get_event_data(Web3().codec, TOKENIZED, log)["args"])  # type: ignore[arg-type]
    assert _tokenized_args(log) == expected
