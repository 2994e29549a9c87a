"""Builders for vintage attributes and tokens used across the contract tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from ape.exceptions import ContractLogicError
from eth_utils import keccak

from bridge.catalog import Category, Label, Registry

TONNE = 10**18
_lock_counter = itertools.count(1)


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


def mint(factory, bridge_account, vintage, to, tonnes: int, lock_id: bytes | None = None):
    lock_id = lock_id or new_lock_id()
    serial_hash = keccak(text=f"serials-of-{lock_id.hex()}")
    return factory.mint(
        vintage.address, to.address, tonnes * TONNE, lock_id, serial_hash, sender=bridge_account
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
