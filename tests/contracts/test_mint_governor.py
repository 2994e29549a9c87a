"""What a stolen minter key can do is bounded (issue 14): the factory's mint governor.

Minting is limited per rolling window (a count that decays linearly to zero over `window` seconds), overall
and per vintage; the guardian pauses minting and vintage creation and only the admin resumes them; a new
vintage waits a delay before its first mint; a lock id is spent by one order, whose hash the factory keeps.

Every timed step pins its block's timestamp (`at`), so no test depends on how fast it runs.
"""

import ape
import pytest

from tests.support.vintages import (
    TONNE,
    attributes,
    create_vintage,
    new_lock_id,
    order_hash,
    reverts_with,
    serials_of,
)

ADMIN_ROLE = b"\x00" * 32
NO_ORDER = b"\x00" * 32
WINDOW = 1_000_000  # seconds: long enough that a test's own blocks decay nothing
TOTAL, PER_VINTAGE = 100, 60


def at(chain, timestamp: int) -> None:
    """Mines a block at `timestamp`: the next transaction and every view see (at least) that time."""
    chain.mine(timestamp=timestamp)


def mint_at(chain, factory, minter, vintage, to, tonnes: int, timestamp: int, lock_id: bytes | None = None):
    chain.pending_timestamp = timestamp
    lock_id = lock_id or new_lock_id()
    return factory.mint(vintage, to, tonnes * TONNE, lock_id, serials_of(lock_id), sender=minter)


def order(vintage, to, tonnes: int, lock_id: bytes | None = None) -> tuple:
    lock_id = lock_id or new_lock_id()
    return (vintage.address, to.address, tonnes * TONNE, lock_id, serials_of(lock_id))


@pytest.fixture
def limited(factory, deployer):
    """The deployed factory, limited to 100 t overall and 60 t per vintage per WINDOW."""
    factory.setMintLimits(TOTAL, PER_VINTAGE, WINDOW, sender=deployer)
    return factory


@pytest.fixture
def forest(project, limited, bridge_account):
    return create_vintage(project, limited, bridge_account, project_id="G-1")


@pytest.fixture
def wind(project, limited, bridge_account):
    return create_vintage(project, limited, bridge_account, project_id="G-2")


@pytest.fixture
def t0(chain, forest, wind) -> int:
    """A time after the vintages exist, with nothing minted in the window yet."""
    now = chain.pending_timestamp + 10
    at(chain, now)
    return now


# --- limits --------------------------------------------------------------------------------------------


def test_a_mint_above_the_overall_limit_reverts_naming_what_is_left(
    chain, limited, bridge_account, forest, wind, alice, t0
):
    mint_at(chain, limited, bridge_account, forest, alice, 60, t0)
    mint_at(chain, limited, bridge_account, wind, alice, 30, t0 + 1)
    assert tuple(limited.mintCapacity(wind)) == (10, 30)

    chain.pending_timestamp = t0 + 2
    with ape.reverts(limited.FactoryTotalMintLimitExceeded, requestedTonnes=11, availableTonnes=10):
        limited.mint(wind, alice, 11 * TONNE, new_lock_id(), b"\x01" * 32, sender=bridge_account)
    mint_at(chain, limited, bridge_account, wind, alice, 10, t0 + 3)
    assert tuple(limited.mintCapacity(wind)) == (0, 20)
    assert wind.totalSupply() == 40 * TONNE


def test_a_mint_above_the_per_vintage_limit_reverts_while_other_vintages_mint(
    chain, limited, bridge_account, forest, wind, alice, t0
):
    mint_at(chain, limited, bridge_account, forest, alice, PER_VINTAGE, t0)

    chain.pending_timestamp = t0 + 1
    with ape.reverts(
        limited.FactoryVintageMintLimitExceeded, vintage=forest.address, requestedTonnes=1, availableTonnes=0
    ):
        limited.mint(forest, alice, TONNE, new_lock_id(), b"\x01" * 32, sender=bridge_account)
    mint_at(chain, limited, bridge_account, wind, alice, 40, t0 + 2)
    assert tuple(limited.mintCapacity(forest)) == (0, 0)
    assert tuple(limited.mintCapacity(wind)) == (0, 20)


def test_a_batch_counts_as_its_sum(chain, limited, bridge_account, forest, wind, alice, bob, t0):
    chain.pending_timestamp = t0
    # Each order is within both limits; together they are 1 t over the overall one, and nothing mints.
    too_much = [order(forest, alice, 40), order(wind, bob, 40), order(wind, alice, 21)]
    with ape.reverts(limited.FactoryTotalMintLimitExceeded, requestedTonnes=101, availableTonnes=TOTAL):
        limited.mintBatch(too_much, sender=bridge_account)
    assert [limited.lockOrder(o[3]) for o in too_much] == [NO_ORDER] * 3

    # The per-vintage limit sums a vintage's orders within the batch too.
    chain.pending_timestamp = t0 + 1
    one_vintage = [order(forest, alice, 40), order(forest, bob, 21)]
    with ape.reverts(
        limited.FactoryVintageMintLimitExceeded,
        vintage=forest.address,
        requestedTonnes=21,
        availableTonnes=20,
    ):
        limited.mintBatch(one_vintage, sender=bridge_account)

    chain.pending_timestamp = t0 + 2
    limited.mintBatch(
        [order(forest, alice, 40), order(wind, bob, 40), order(forest, bob, 20)], sender=bridge_account
    )
    assert tuple(limited.mintCapacity(forest)) == (0, 0)
    assert tuple(limited.mintCapacity(wind)) == (0, 20)


def test_the_window_decays_half_after_half_a_window_and_all_after_a_window(
    chain, limited, bridge_account, forest, wind, alice, t0
):
    chain.pending_timestamp = t0
    limited.mintBatch([order(forest, alice, 60), order(wind, alice, 40)], sender=bridge_account)
    assert tuple(limited.mintCapacity(forest)) == (0, 0)

    half = t0 + WINDOW // 2
    at(chain, half)
    assert tuple(limited.mintCapacity(forest)) == (50, 30)
    assert tuple(limited.mintCapacity(wind)) == (50, 40)
    chain.pending_timestamp = half + 1
    with ape.reverts(limited.FactoryTotalMintLimitExceeded, requestedTonnes=51, availableTonnes=50):
        limited.mint(wind, alice, 51 * TONNE, new_lock_id(), b"\x01" * 32, sender=bridge_account)
    mint_at(chain, limited, bridge_account, wind, alice, 40, half + 2)

    # A window after the last mint, everything it counted has decayed.
    at(chain, half + 2 + WINDOW)
    assert tuple(limited.mintCapacity(forest)) == (TOTAL, PER_VINTAGE)
    mint_at(chain, limited, bridge_account, forest, alice, PER_VINTAGE, half + 3 + WINDOW)


def test_many_one_tonne_mints_cannot_round_the_count_away(
    chain, limited, deployer, bridge_account, forest, alice, t0
):
    """Each count decays rounded up: one tonne a second later still counts one tonne (rounded down it would
    count nothing, and a key minting a tonne a second would never reach the limit)."""
    limited.setMintLimits(10, 10, WINDOW, sender=deployer)
    for second in range(10):
        mint_at(chain, limited, bridge_account, forest, alice, 1, t0 + 1 + second)
    assert tuple(limited.mintCapacity(forest)) == (0, 0)

    chain.pending_timestamp = t0 + 11
    with ape.reverts(limited.FactoryTotalMintLimitExceeded, requestedTonnes=1, availableTonnes=0):
        limited.mint(forest, alice, TONNE, new_lock_id(), b"\x01" * 32, sender=bridge_account)


def test_zero_limits_stop_every_mint(chain, limited, deployer, bridge_account, forest, alice, t0):
    limited.setMintLimits(0, 0, WINDOW, sender=deployer)
    with ape.reverts(limited.FactoryTotalMintLimitExceeded, requestedTonnes=1, availableTonnes=0):
        limited.mint(forest, alice, TONNE, new_lock_id(), b"\x01" * 32, sender=bridge_account)
    with ape.reverts(limited.FactoryTotalMintLimitExceeded, requestedTonnes=1, availableTonnes=0):
        limited.mintBatch([order(forest, alice, 1)], sender=bridge_account)

    limited.setMintLimits(TOTAL, 0, WINDOW, sender=deployer)
    with ape.reverts(
        limited.FactoryVintageMintLimitExceeded, vintage=forest.address, requestedTonnes=1, availableTonnes=0
    ):
        limited.mint(forest, alice, TONNE, new_lock_id(), b"\x01" * 32, sender=bridge_account)
    assert forest.totalSupply() == 0


def test_lowered_limits_count_what_was_minted_before(
    chain, limited, deployer, bridge_account, forest, alice, t0
):
    mint_at(chain, limited, bridge_account, forest, alice, 50, t0)
    limited.setMintLimits(60, 55, WINDOW, sender=deployer)
    assert tuple(limited.mintCapacity(forest)) == (10, 5)


@pytest.mark.parametrize("who", ["bridge_account", "pauser", "stranger"])
def test_only_the_admin_sets_the_limits_and_the_delay(request, limited, who):
    account = request.getfixturevalue(who)
    with reverts_with("AccessControlUnauthorizedAccount", account=account, neededRole=ADMIN_ROLE):
        limited.setMintLimits(10**12, 10**12, WINDOW, sender=account)
    with reverts_with("AccessControlUnauthorizedAccount", account=account, neededRole=ADMIN_ROLE):
        limited.setVintageMintDelay(0, sender=account)
    assert tuple(limited.mintLimits()) == (TOTAL, PER_VINTAGE, WINDOW, 0)


def test_setting_the_limits_and_the_delay_emits_them(limited, deployer):
    receipt = limited.setMintLimits(7, 5, 3600, sender=deployer)
    event = receipt.events.filter(limited.MintLimitsSet)[0]
    assert (event.totalTonnes, event.vintageTonnes, event.window) == (7, 5, 3600)
    receipt = limited.setVintageMintDelay(600, sender=deployer)
    assert receipt.events.filter(limited.VintageMintDelaySet)[0].delay == 600
    assert tuple(limited.mintLimits()) == (7, 5, 3600, 600)

    with ape.reverts(limited.FactoryInvalidMintWindow, window=0):
        limited.setMintLimits(7, 5, 0, sender=deployer)


# --- pause ---------------------------------------------------------------------------------------------


def test_the_guardian_pauses_minting_batches_and_vintage_creation(
    limited, bridge_account, pauser, forest, alice, bob
):
    forest_lock = new_lock_id()
    limited.mint(forest, alice, 5 * TONNE, forest_lock, serials_of(forest_lock), sender=bridge_account)

    receipt = limited.pause(sender=pauser)

    assert receipt.events.filter(limited.MintingPaused)[0].account == pauser.address
    assert limited.paused()
    with ape.reverts(limited.FactoryMintingPaused):
        limited.mint(forest, alice, TONNE, new_lock_id(), b"\x01" * 32, sender=bridge_account)
    with ape.reverts(limited.FactoryMintingPaused):
        limited.mintBatch([order(forest, alice, 1)], sender=bridge_account)
    with ape.reverts(limited.FactoryMintingPaused):
        limited.createVintage(attributes(project_id="G-3"), sender=bridge_account)
    with ape.reverts(limited.FactoryMintingPaused):
        limited.pause(sender=pauser)
    # Only minting stops: what exists still moves (a vintage has its own pause).
    forest.transfer(bob, TONNE, sender=alice)


@pytest.mark.parametrize("who", ["pauser", "bridge_account", "stranger"])
def test_only_the_admin_unpauses(request, limited, deployer, bridge_account, pauser, forest, alice, who):
    limited.pause(sender=pauser)
    account = request.getfixturevalue(who)
    with reverts_with("AccessControlUnauthorizedAccount", account=account, neededRole=ADMIN_ROLE):
        limited.unpause(sender=account)
    assert limited.paused()

    receipt = limited.unpause(sender=deployer)

    assert receipt.events.filter(limited.MintingUnpaused)[0].account == deployer.address
    assert not limited.paused()
    limited.mint(forest, alice, TONNE, new_lock_id(), b"\x01" * 32, sender=bridge_account)
    with ape.reverts(limited.FactoryMintingNotPaused):
        limited.unpause(sender=deployer)


@pytest.mark.parametrize("who", ["bridge_account", "deployer", "stranger"])
def test_only_the_guardian_pauses(request, limited, who):
    account = request.getfixturevalue(who)
    with reverts_with(
        "AccessControlUnauthorizedAccount", account=account, neededRole=limited.GUARDIAN_ROLE()
    ):
        limited.pause(sender=account)
    assert not limited.paused()


# --- a new vintage's delay -----------------------------------------------------------------------------


def test_a_new_vintage_mints_only_after_the_delay(
    project, chain, limited, deployer, bridge_account, forest, alice
):
    limited.setVintageMintDelay(3600, sender=deployer)
    receipt = limited.createVintage(attributes(project_id="G-4"), sender=bridge_account)
    fresh = project.VintageToken.at(receipt.events.filter(limited.VintageCreated)[0].vintage)
    mintable_at = receipt.timestamp + 3600
    assert limited.mintableAt(fresh) == mintable_at
    assert limited.isVintage(fresh)

    chain.pending_timestamp = mintable_at - 1
    with ape.reverts(limited.FactoryVintageNotYetMintable, vintage=fresh.address, mintableAt=mintable_at):
        limited.mint(fresh, alice, TONNE, new_lock_id(), b"\x01" * 32, sender=bridge_account)
    # A vintage created before the delay was set mints as it did.
    mint_at(chain, limited, bridge_account, forest, alice, 1, mintable_at - 1)

    mint_at(chain, limited, bridge_account, fresh, alice, 1, mintable_at)
    assert fresh.balanceOf(alice) == TONNE
    assert limited.mintableAt(alice) == 0  # not a vintage


# --- a lock is bound to its order ----------------------------------------------------------------------


def test_a_spent_lock_records_the_hash_of_its_order(limited, bridge_account, forest, alice):
    lock_id = new_lock_id()
    limited.mint(forest, alice, 3 * TONNE, lock_id, serials_of(lock_id), sender=bridge_account)

    expected = order_hash(forest, alice, 3 * TONNE, lock_id, serials_of(lock_id))
    assert limited.lockOrder(lock_id) == expected
    assert limited.orderHash(forest, alice, 3 * TONNE, lock_id, serials_of(lock_id)) == expected
    assert limited.lockOrder(new_lock_id()) == NO_ORDER


def test_a_spent_lock_refuses_another_recipient_amount_or_the_same_order_naming_the_first(
    limited, bridge_account, forest, wind, alice, bob
):
    lock_id = new_lock_id()
    serials = serials_of(lock_id)
    limited.mint(forest, alice, 3 * TONNE, lock_id, serials, sender=bridge_account)
    first = order_hash(forest, alice, 3 * TONNE, lock_id, serials)

    for vintage, to, tonnes in ((forest, bob, 3), (forest, alice, 30), (wind, alice, 3), (forest, alice, 3)):
        with ape.reverts(limited.FactoryLockAlreadyMinted, lockId=lock_id, orderHash=first):
            limited.mint(vintage, to, tonnes * TONNE, lock_id, serials, sender=bridge_account)
    with ape.reverts(limited.FactoryLockAlreadyMinted, lockId=lock_id, orderHash=first):
        limited.mintBatch([order(wind, bob, 1), order(forest, bob, 3, lock_id)], sender=bridge_account)
    assert (forest.balanceOf(alice), forest.balanceOf(bob), wind.totalSupply()) == (3 * TONNE, 0, 0)
