"""Event topics: each event the bridge follows, by name, its ABI and its topic (keccak256 of the
signature), computed once from the committed ABIs so that no module spells a signature by hand."""

from __future__ import annotations

from typing import Any

from web3 import Web3

from bridge.chain.contracts import abi
from bridge.units import to_hex


def event_abi(contract: str, name: str) -> dict[str, Any]:
    """The ABI entry of event `name` of `contract` (a name in `bridge/chain/abi/`)."""
    return next(e for e in abi(contract) if e["type"] == "event" and e["name"] == name)


def topic(event: dict[str, Any]) -> str:
    """An event's topic 0 as 0x-hex: keccak256 of `Name(type,...)`."""
    signature = f"{event['name']}({','.join(i['type'] for i in event['inputs'])})"
    return to_hex(Web3.keccak(text=signature))


def topic_of(log: Any) -> str:
    """The topic 0 of a log as 0x-hex, as `topic` spells it."""
    return to_hex(log["topics"][0])


#: The burns every vintage token emits, which the listener applies.
RETIRED_ABI = event_abi("VintageToken", "Retired")
REDEMPTION_ABI = event_abi("VintageToken", "RedemptionRequested")
RETIRED = topic(RETIRED_ABI)
REDEMPTION_REQUESTED = topic(REDEMPTION_ABI)

#: What the listener's watch checks against the bridge's records. The factory's ABI carries
#: OpenZeppelin's role events too: the same on every contract of the bridge.
WATCHED = (
    "Tokenized",
    "VintageCreated",
    "ImplementationSet",
    "MintingPaused",
    "MintingUnpaused",
    "RoleGranted",
    "RoleRevoked",
    "DefaultAdminTransferScheduled",
)
WATCHED_ABIS = {name: event_abi("VintageFactory", name) for name in WATCHED}
WATCHED_BY_TOPIC = {topic(e): e for e in WATCHED_ABIS.values()}
