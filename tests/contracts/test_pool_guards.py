"""The pools' guards of issue 14: a guardian's pause, a fee never above what the redeemer saw, and list
changes that say so only when something changed."""

import ape
import pytest

from bridge.catalog import Label
from tests.support.vintages import TONNE, create_vintage, mint, reverts_with

ZERO = "0x0000000000000000000000000000000000000000"
ADMIN_ROLE = b"\x00" * 32
COMPLIANCE = 2


@pytest.fixture
def cet(pools):
    """CORSIA Eligible Token, 25 bps redemption fee."""
    return pools["CET"]


@pytest.fixture
def forest(project, factory, bridge_account, alice, cet):
    """A CORSIA-eligible vintage; Alice holds 100 t, 20 t of it deposited into CET."""
    token = create_vintage(project, factory, bridge_account, labels=Label.CORSIA_ELIGIBLE, project_id="P-1")
    mint(factory, bridge_account, token, alice, 100)
    token.approve(cet, 100 * TONNE, sender=alice)
    cet.deposit(token, 20 * TONNE, sender=alice)
    return token


def fee_of(amount: int, fee_bps: int) -> int:
    return (amount * fee_bps + 9_999) // 10_000


# --- pause ---------------------------------------------------------------------------------------------


def test_the_guardian_pauses_deposits_redemptions_and_retirements(cet, forest, pauser, alice, bob):
    fee = cet.feeBps()
    receipt = cet.pause(sender=pauser)
    assert receipt.events.filter(cet.Paused)[0].account == pauser.address
    assert cet.paused()

    operations = {
        "deposit": lambda: cet.deposit(forest, TONNE, sender=alice),
        "redeem": lambda: cet.redeem(forest, TONNE, fee, sender=alice),
        "redeemOldest": lambda: cet.redeemOldest(TONNE, fee, sender=alice),
        "retireFromPool": lambda: cet.retireFromPool(
            forest, TONNE, fee, ZERO, "A", COMPLIANCE, "", sender=alice
        ),
        "retireFromPool, oldest": lambda: cet.retireFromPool(
            ZERO, TONNE, fee, ZERO, "A", COMPLIANCE, "", sender=alice
        ),
    }
    for name, operation in operations.items():
        with reverts_with("EnforcedPause", during=name):
            operation()
    # The pool token itself still moves: its holders are not frozen, only the reserve is.
    cet.transfer(bob, TONNE, sender=alice)
    assert cet.balanceOf(bob) == TONNE
    assert cet.totalSupply() == forest.balanceOf(cet) == 20 * TONNE


@pytest.mark.parametrize("who", ["pauser", "bridge_account", "stranger"])
def test_only_the_admin_unpauses_a_pool(request, cet, forest, pauser, deployer, alice, who):
    cet.pause(sender=pauser)
    account = request.getfixturevalue(who)
    with reverts_with("AccessControlUnauthorizedAccount", account=account, neededRole=ADMIN_ROLE):
        cet.unpause(sender=account)
    assert cet.paused()

    receipt = cet.unpause(sender=deployer)

    assert receipt.events.filter(cet.Unpaused)[0].account == deployer.address
    cet.deposit(forest, TONNE, sender=alice)
    cet.redeem(forest, TONNE, cet.feeBps(), sender=alice)
    with reverts_with("ExpectedPause"):
        cet.unpause(sender=deployer)


@pytest.mark.parametrize("who", ["deployer", "bridge_account", "stranger"])
def test_only_the_guardian_pauses_a_pool(request, cet, who):
    account = request.getfixturevalue(who)
    with reverts_with("AccessControlUnauthorizedAccount", account=account, neededRole=cet.GUARDIAN_ROLE()):
        cet.pause(sender=account)
    assert not cet.paused()


def test_pausing_one_pool_leaves_the_others_open(pools, project, factory, bridge_account, pauser, alice):
    gnt = pools["GNT"]
    vintage = create_vintage(project, factory, bridge_account, labels=Label.CORSIA_ELIGIBLE, project_id="P-2")
    mint(factory, bridge_account, vintage, alice, 5)
    pools["CET"].pause(sender=pauser)
    vintage.approve(gnt, 5 * TONNE, sender=alice)
    gnt.deposit(vintage, 5 * TONNE, sender=alice)
    assert gnt.balanceOf(alice) == 5 * TONNE


# --- the fee the redeemer saw --------------------------------------------------------------------------


def test_a_raised_fee_is_refused_rather_than_charged(cet, forest, deployer, alice):
    seen = cet.feeBps()
    cet.setFee(seen + 75, sender=deployer)  # raised between the page load and the signature

    with ape.reverts(cet.PoolFeeAboveMaximum, feeBps=seen + 75, maxFeeBps=seen):
        cet.redeem(forest, TONNE, seen, sender=alice)
    with ape.reverts(cet.PoolFeeAboveMaximum, feeBps=seen + 75, maxFeeBps=seen):
        cet.redeemOldest(TONNE, seen, sender=alice)
    with ape.reverts(cet.PoolFeeAboveMaximum, feeBps=seen + 75, maxFeeBps=seen):
        cet.retireFromPool(forest, TONNE, seen, ZERO, "Alice", COMPLIANCE, "", sender=alice)
    assert cet.balanceOf(alice) == 20 * TONNE


def test_a_redeemer_is_charged_the_current_fee_when_it_is_at_most_what_they_accepted(
    cet, forest, deployer, alice
):
    cet.setFee(10, sender=deployer)  # lowered: the redeemer pays the lower fee, not their maximum
    receipt = cet.redeem(forest, 10 * TONNE, 25, sender=alice)
    event = receipt.events.filter(cet.Redeemed)[0]
    assert (event.amount, event.fee) == (10 * TONNE - fee_of(10 * TONNE, 10), fee_of(10 * TONNE, 10))

    # Exactly the fee accepted is fine, and so is a free pool with a zero maximum.
    cet.redeemOldest(TONNE, 10, sender=alice)
    cet.setFee(0, sender=deployer)
    receipt = cet.retireFromPool(forest, TONNE, 0, ZERO, "Alice", COMPLIANCE, "", sender=alice)
    assert receipt.events.filter(cet.RetiredFromPool)[0].amount == TONNE


# --- allow and deny lists ------------------------------------------------------------------------------


def test_list_changes_are_emitted_only_when_something_changes(cet, forest, deployer):
    receipt = cet.setAllowListed(forest, True, sender=deployer)
    assert [(e.vintage, e.allowed) for e in receipt.events.filter(cet.VintageAllowListed)] == [
        (forest.address, True)
    ]
    assert not cet.setAllowListed(forest, True, sender=deployer).events.filter(cet.VintageAllowListed)
    receipt = cet.setAllowListed(forest, False, sender=deployer)
    assert [e.allowed for e in receipt.events.filter(cet.VintageAllowListed)] == [False]
    assert not cet.setAllowListed(forest, False, sender=deployer).events.filter(cet.VintageAllowListed)

    receipt = cet.setDenyListed(forest, True, sender=deployer)
    assert [(e.vintage, e.denied) for e in receipt.events.filter(cet.VintageDenyListed)] == [
        (forest.address, True)
    ]
    assert not cet.setDenyListed(forest, True, sender=deployer).events.filter(cet.VintageDenyListed)
    # Each list is its own bit: allowing a denied vintage is a change of the allow list only.
    receipt = cet.setAllowListed(forest, True, sender=deployer)
    assert not receipt.events.filter(cet.VintageDenyListed)
    assert (cet.isAllowListed(forest), cet.isDenyListed(forest)) == (True, True)
    receipt = cet.setDenyListed(forest, False, sender=deployer)
    assert [e.denied for e in receipt.events.filter(cet.VintageDenyListed)] == [False]
    assert not cet.setDenyListed(forest, False, sender=deployer).events.filter(cet.VintageDenyListed)
    assert (cet.isAllowListed(forest), cet.isDenyListed(forest)) == (True, False)
