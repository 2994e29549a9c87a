"""Builders for vintage attributes and tokens used across the contract tests."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ape
import pytest
from ape.exceptions import ContractLogicError
from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak
from hexbytes import HexBytes

from bridge.catalog import Category, Label, Registry
from bridge.units import TONNE

# A pool's MAX_FEE_BPS as a redemption's `maxFeeBps`: accepts whatever fee the pool charges, for tests
# about something else.
ANY_FEE = 1_000
_lock_counter = itertools.count(1)


def details_hash(beneficiary_name: str, reason_text: str) -> bytes:
    """What a certificate stores for its texts: keccak256(abi.encode(beneficiaryName, reasonText))."""
    return keccak(encode(["string", "string"], [beneficiary_name, reason_text]))


def b32(text: str) -> bytes:
    return text.encode().ljust(32, b"\0")


def attributes(
    *,
    registry: int = Registry.VERRA,
    category: int = Category.FORESTRY,
    scope: int = 14,
    labels: int = Label.NONE,
    start: int = 20160101,
    end: int = 20161231,
    country: bytes = b"ID",
    project_id: str = "1748",
    methodology: str = "VM0007",
) -> dict[str, Any]:
    """VintageAttributes of the Rimba Raya project (VCS 1748, Indonesia) unless told otherwise."""
    return {
        "registry": int(registry),
        "category": int(category),
        "sectoralScope": scope,
        "labels": int(labels),
        "vintageStart": start,
        "vintageEnd": end,
        "country": country,
        "projectId": b32(project_id),
        "methodology": b32(methodology),
    }


def create_vintage(project, factory, bridge_account, **overrides):
    receipt = factory.createVintage(attributes(**overrides), sender=bridge_account)
    created = receipt.events.filter(factory.VintageCreated)[0]
    return project.VintageToken.at(created.vintage)


def new_lock_id() -> bytes:
    return keccak(text=f"lock-{next(_lock_counter)}")


def serials_of(lock_id: bytes) -> bytes:
    """The serial hash {mint} names for `lock_id`."""
    return keccak(text=f"serials-of-{lock_id.hex()}")


def order_hash(vintage, to, amount: int, lock_id: bytes, serial_hash: bytes) -> bytes:
    """The factory's record of a spent lock: keccak256(abi.encode(lockId, vintage, to, amount, serialHash))"""
    fields = [lock_id, _plain(vintage), _plain(to), amount, serial_hash]
    return keccak(encode(["bytes32", "address", "address", "uint256", "bytes32"], fields))


def mint(factory, bridge_account, vintage, to, tonnes: int, lock_id: bytes | None = None):
    lock_id = lock_id or new_lock_id()
    return factory.mint(
        vintage.address, to.address, tonnes * TONNE, lock_id, serials_of(lock_id), sender=bridge_account
    )


@contextmanager
def reverts_named(error_name: str) -> Iterator[None]:
    """Expects a revert with the custom error `error_name`, raised by any contract in the call.

    `ape.reverts(contract.Error)` only matches errors of the contract it was taken from; a revert
    bubbling up from a nested call (the factory minting on a paused vintage) needs this.
    """
    with pytest.raises(ContractLogicError) as info:
        yield
    assert type(info.value).__name__ == error_name, f"reverted with {info.value!r}"


def _plain(value: Any) -> Any:
    """Accounts and contracts compare by address."""
    return getattr(value, "address", value)


def _decoded(error: ContractLogicError) -> tuple[str, dict[str, Any]]:
    """The custom error's name and arguments.

    Ape decodes errors of transactions, at any depth; a reverted `eth_call` (a view such as
    `checkEligibility`) comes back undecoded, so its revert data is decoded here with the project's ABIs.
    """
    inputs = getattr(error, "inputs", None)
    if type(error) is not ContractLogicError or not isinstance(error.revert_message, str):
        return type(error).__name__, dict(inputs or {})
    data = error.revert_message.removeprefix("custom error ").replace(": ", "")
    if not data.startswith("0x") or len(data) < 10:
        return type(error).__name__, {}
    raw = HexBytes(data)
    if (abi := _project_errors().get(raw[:4])) is None:
        return type(error).__name__, {}
    return abi.name, ape.networks.provider.network.ecosystem.decode_calldata(abi, raw[4:])


@functools.cache
def _project_errors() -> dict[bytes, Any]:
    """Selector -> error ABI, over every contract of the project."""
    table: dict[bytes, Any] = {}
    for container in ape.project.load_contracts().values():
        for abi in container.contract_type.errors:
            table[bytes(keccak(text=abi.selector)[:4])] = abi
    return table


@contextmanager
def reverts_with(error_name: str, *, during: str = "", **inputs: Any) -> Iterator[None]:
    """Expects a revert with custom error `error_name` (raised at any depth) and these argument values.

    `during` names the operation in failure messages.
    """
    with pytest.raises(ContractLogicError) as info:
        yield
    name, actual = _decoded(info.value)
    assert name == error_name, f"{during}: expected {error_name}, reverted with {info.value!r}"
    for arg, expected in inputs.items():
        assert arg in actual, f"{error_name} has no argument {arg!r} (has {sorted(actual)})"
        assert actual[arg] == _plain(expected), f"{error_name}.{arg} = {actual[arg]!r}, not {expected!r}"


#: The EIP-712 domain every vintage shares but its address (clones cannot change the name).
VINTAGE_DOMAIN = {"name": "Carbon Vintage Token", "version": "1"}


def sign_permit(
    chain, token, owner, spender, value: int, deadline: int, *, signer=None, nonce=None, domain=None
):
    """(v, r, s) of an EIP-2612 permit for `token`, signed by `signer` (the owner unless told), in
    `domain` (name and version; a vintage's unless told) on this chain at the token's address."""
    typed = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Permit": [
                {"name": "owner", "type": "address"},
                {"name": "spender", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ],
        },
        "primaryType": "Permit",
        "domain": {
            **(domain or VINTAGE_DOMAIN),
            "chainId": chain.chain_id,
            "verifyingContract": token.address,
        },
        "message": {
            "owner": owner.address,
            "spender": spender.address,
            "value": value,
            "nonce": token.nonces(owner) if nonce is None else nonce,
            "deadline": deadline,
        },
    }
    signed = Account.sign_message(encode_typed_data(full_message=typed), (signer or owner).private_key)
    return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")
