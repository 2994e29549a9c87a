"""Measures the full-transaction gas of each user-facing operation; conftest prints the table.

These are measurements, not targets: the benchmarks compare them with baselines.
"""

import pytest
from eth_utils import keccak, to_checksum_address

from bridge.catalog import Label
from tests.contracts.vintages import TONNE, attributes, create_vintage, mint, new_lock_id

COMPLIANCE = 2


@pytest.fixture
def forest(project, factory, bridge_account, alice):
    token = create_vintage(project, factory, bridge_account, labels=Label.CORSIA_ELIGIBLE)
    mint(factory, bridge_account, token, alice, 100)
    return token


def test_gas_of_vintage_creation(project, factory, bridge_account, gas_table):
    create_vintage(project, factory, bridge_account, project_id="5000")
    receipt = factory.createVintage(attributes(project_id="5001"), sender=bridge_account)
    gas_table["create vintage token (clone)"] = receipt.gas_used


def fresh_address(n: int) -> str:
    return to_checksum_address(keccak(text=f"holder-{n}")[-20:])


def test_gas_of_tokenization_mint(factory, bridge_account, forest, alice, accounts, gas_table):
    fresh = accounts[7]
    gas_table["mint, new holder"] = mint(factory, bridge_account, forest, fresh, 10).gas_used
    gas_table["mint, existing holder"] = mint(factory, bridge_account, forest, alice, 10).gas_used
    orders = [(forest.address, fresh_address(i), TONNE, new_lock_id(), b"\x01" * 32) for i in range(10)]
    receipt = factory.mintBatch(orders, sender=bridge_account)
    gas_table["mint batch of 10 new holders, per mint"] = receipt.gas_used // 10


def test_gas_of_transfer(forest, alice, bob, accounts, gas_table):
    gas_table["transfer, new holder"] = forest.transfer(accounts[8], TONNE, sender=alice).gas_used
    forest.transfer(bob, TONNE, sender=alice)
    gas_table["transfer, existing holder"] = forest.transfer(bob, TONNE, sender=alice).gas_used


def test_gas_of_retire_and_redeem(forest, alice, gas_table):
    # Not the first certificate ever, whose issue also sets the counter from zero: the usual case.
    forest.retire(TONNE, alice, "First", COMPLIANCE, "", sender=alice)
    receipt = forest.retire(TONNE, alice, "Acme Airlines", COMPLIANCE, "Flights 2026 Q1", sender=alice)
    gas_table["retire with certificate"] = receipt.gas_used
    gas_table["redemption request"] = forest.redeem(TONNE, "VCS-ACCT-4242", sender=alice).gas_used


def test_gas_of_pool_operations(pools, forest, alice, bob, gas_table):
    cet = pools["CET"]
    forest.approve(cet, 50 * TONNE, sender=alice)
    gas_table["pool deposit, first of the vintage"] = cet.deposit(forest, 10 * TONNE, sender=alice).gas_used
    forest.transfer(bob, 10 * TONNE, sender=alice)
    forest.approve(cet, 10 * TONNE, sender=bob)
    gas_table["pool deposit, new pool holder"] = cet.deposit(forest, 5 * TONNE, sender=bob).gas_used
    gas_table["pool deposit, existing holder"] = cet.deposit(forest, 10 * TONNE, sender=alice).gas_used
    gas_table["pool redeem (chosen vintage)"] = cet.redeem(forest, TONNE, sender=alice).gas_used
    gas_table["pool redeem (oldest first)"] = cet.redeemOldest(TONNE, sender=alice).gas_used
    receipt = cet.retireFromPool(forest, TONNE, alice, "Acme", COMPLIANCE, "", sender=alice)
    gas_table["retire from pool"] = receipt.gas_used
