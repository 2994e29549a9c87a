"""Bindings to the deployed contracts, from the deployment record and the committed ABIs."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from eth_abi.abi import decode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.types import RPCEndpoint

from bridge.config import Settings, signer_key_for, unsafe_confirmations

ABI_DIR = Path(__file__).resolve().parent / "abi"


@cache
def abi(name: str) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads((ABI_DIR / f"{name}.json").read_text())
    return loaded


@cache
def _custom_errors() -> dict[bytes, dict[str, Any]]:
    """Every custom error of our contracts (and OpenZeppelin's they use), by selector."""
    errors: dict[bytes, dict[str, Any]] = {}
    for name in ("VintageFactory", "VintageToken", "RetirementCertificate", "CommodityPool"):
        for entry in abi(name):
            if entry["type"] == "error":
                types = ",".join(i["type"] for i in entry["inputs"])
                errors[bytes(Web3.keccak(text=f"{entry['name']}({types})")[:4])] = entry
    return errors


def revert_error(data: Any) -> tuple[str, tuple[Any, ...]] | None:
    """(name, arguments) of one of our custom errors from revert data; None when unknown.

    The sender tells a mint that must wait (`FactoryMintingPaused`, a mint limit, OpenZeppelin's
    `EnforcedPause` of a paused vintage) from one that cannot happen by the name and its arguments.
    """
    if isinstance(data, dict):
        data = data.get("data")
    if not isinstance(data, str) or not data.startswith("0x") or len(data) < 10:
        return None
    try:
        raw = bytes.fromhex(data[2:])
    except ValueError:
        return None
    entry = _custom_errors().get(raw[:4])
    if entry is None:
        return None
    try:
        values = decode([i["type"] for i in entry["inputs"]], raw[4:])
    except Exception:  # eth_abi's decoding errors: data that only starts like the error
        return None
    return str(entry["name"]), tuple(values)


def decode_revert(data: Any) -> str | None:
    """`Name(arg, ...)` for revert data of one of our custom errors; None when unknown."""
    decoded = revert_error(data)
    if decoded is None:
        return None
    name, values = decoded
    shown = ", ".join(f"0x{v.hex()}" if isinstance(v, bytes) else str(v) for v in values)
    return f"{name}({shown})"


def load_deployment(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise FileNotFoundError(
            f"{path} not found: deploy the contracts first (`make run` or `ape run deploy`)"
        )
    record: dict[str, Any] = json.loads(path.read_text())
    return record


class Chain:
    """The chain as the bridge sees it: one RPC endpoint, the deployed contracts and its signer."""

    def __init__(
        self,
        rpc_url: str,
        deployment: dict[str, Any],
        signer_key: str | None = None,
        request_timeout: float = 10.0,
    ) -> None:
        self.rpc_url = rpc_url
        self.request_timeout = request_timeout
        # web3's validation middleware asks for the chain id before every call and estimate; the id of
        # an endpoint does not change (check_network compares it with the deployment once), so the
        # provider answers those from its cache: one round trip per call, not two.
        provider = Web3.HTTPProvider(
            rpc_url,
            request_kwargs={"timeout": request_timeout},
            cache_allowed_requests=True,
            cacheable_requests={RPCEndpoint("eth_chainId")},
        )
        self.w3 = Web3(provider)
        self.deployment = deployment
        self.chain_id: int = int(deployment["chainId"])
        contracts = deployment["contracts"]
        self.factory: Contract = self.w3.eth.contract(
            address=Web3.to_checksum_address(contracts["VintageFactory"]), abi=abi("VintageFactory")
        )
        self.certificate: Contract = self.w3.eth.contract(
            address=Web3.to_checksum_address(contracts["RetirementCertificate"]),
            abi=abi("RetirementCertificate"),
        )
        self.pools: dict[str, Contract] = {
            symbol: self.pool(address) for symbol, address in contracts["pools"].items()
        }
        self.account: LocalAccount | None = Account.from_key(signer_key) if signer_key else None

    @classmethod
    def from_settings(cls, settings: Settings, *, with_signer: bool = True) -> Chain:
        """The chain of the deployment record; refuses `BRIDGE_CONFIRMATIONS` too low for that chain."""
        deployment = load_deployment(settings.deployment_file)
        chain_id = int(deployment["chainId"])
        refused = unsafe_confirmations(settings.confirmations, chain_id)
        if refused is not None:
            raise RuntimeError(refused)
        key = signer_key_for(settings, chain_id) if with_signer else None
        return cls(settings.rpc_url, deployment, key)

    def signing_with(self, key: str) -> Chain:
        """The same chain and contracts, signing with another key (the registrar's)."""
        return Chain(self.rpc_url, self.deployment, key, self.request_timeout)

    def vintage(self, address: str) -> Contract:
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi("VintageToken"))

    def pool(self, address: str) -> Contract:
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi("CommodityPool"))

    def check_network(self) -> None:
        """Refuses to run against a chain other than the one the contracts were deployed on."""
        actual = self.w3.eth.chain_id
        if actual != self.chain_id:
            raise RuntimeError(f"RPC is on chain {actual}, deployment record says {self.chain_id}")
