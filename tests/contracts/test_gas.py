"""Measures the full-transaction gas of each user-facing operation; conftest prints the table.

These are measurements, not targets (the benchmarks compare them with baselines), except the governed
mint's targets of issue 14, asserted here: gas is deterministic, so this is no timed test.
"""

import pytest
from eth_utils import keccak, to_checksum_address

from bridge.catalog import Label
from tests.support.vintages import ANY_FEE, TONNE, attributes, create_vintage, mint, new_lock_id

COMPLIANCE = 2
# Issue 14: the mint with its governor (limits, pause, lock bound to its order), full transaction.
SINGLE_MINT_NEW_HOLDER_TARGET = 100_000
PER_MINT_IN_A_BATCH_OF_50_TARGET = 57_000


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


def test_the_governed_mint_stays_within_its_gas_targets(factory, bridge_account, forest, gas_table):
    """As `make bench` measures it: a new holder, 100 t, the vintage's and the window's first mint behind."""
    lock_id = new_lock_id()
    single = factory.mint(
        forest, fresh_address(100), 100 * TONNE, lock_id, b"\x01" * 32, sender=bridge_account
    )
    orders = [(forest.address, fresh_address(200 + i), TONNE, new_lock_id(), b"\x01" * 32) for i in range(50)]
    batch = factory.mintBatch(orders, sender=bridge_account)

    gas_table["mint, new holder (target 100,000)"] = single.gas_used
    gas_table["mint batch of 50 new holders, per mint (target 57,000)"] = batch.gas_used // 50
    assert single.gas_used <= SINGLE_MINT_NEW_HOLDER_TARGET
    assert batch.gas_used // 50 <= PER_MINT_IN_A_BATCH_OF_50_TARGET


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
    gas_table["pool redeem (chosen vintage)"] = cet.redeem(forest, TONNE, ANY_FEE, sender=alice).gas_used
    gas_table["pool redeem (oldest first)"] = cet.redeemOldest(TONNE, ANY_FEE, sender=alice).gas_used
    receipt = cet.retireFromPool(forest, TONNE, ANY_FEE, alice, "Acme", COMPLIANCE, "", sender=alice)
    gas_table["retire from pool"] = receipt.gas_used
