import ape
import pytest

from bridge.catalog import POOLS, Category, Label, Registry
from tests.support.vintages import (
    ANY_FEE,
    TONNE,
    create_vintage,
    details_hash,
    mint,
    reverts_named,
    reverts_with,
)

ZERO = "0x0000000000000000000000000000000000000000"
COMPLIANCE = 2


@pytest.fixture
def forest(project, factory, bridge_account, alice):
    """Verra forestry 2016, CORSIA-eligible: fits CET and GNT."""
    token = create_vintage(project, factory, bridge_account, labels=Label.CORSIA_ELIGIBLE)
    mint(factory, bridge_account, token, alice, 100)
    return token


@pytest.fixture
def old_forest(project, factory, bridge_account, alice):
    """Verra forestry 2010: too old for GNT."""
    token = create_vintage(project, factory, bridge_account, project_id="1112", start=20100101, end=20101231)
    mint(factory, bridge_account, token, alice, 100)
    return token


@pytest.fixture
def wind(project, factory, bridge_account, alice):
    """Gold Standard wind 2019: fits RET only."""
    token = create_vintage(
        project,
        factory,
        bridge_account,
        registry=Registry.GOLD_STANDARD,
        category=Category.RENEWABLE_ENERGY,
        scope=1,
        project_id="GS7001",
        start=20190101,
        end=20191231,
    )
    mint(factory, bridge_account, token, alice, 100)
    return token


@pytest.fixture
def cookstoves(project, factory, bridge_account, alice):
    """Gold Standard cookstoves 2021 with SDG label: fits HOT and SDGT."""
    token = create_vintage(
        project,
        factory,
        bridge_account,
        registry=Registry.GOLD_STANDARD,
        category=Category.HOUSEHOLD_DEVICES,
        scope=3,
        labels=Label.SDG_CERTIFIED,
        project_id="GS5503",
        start=20210101,
        end=20211231,
    )
    mint(factory, bridge_account, token, alice, 100)
    return token


def deposit(pool, vintage, holder, tonnes):
    vintage.approve(pool, tonnes * TONNE, sender=holder)
    return pool.deposit(vintage, tonnes * TONNE, sender=holder)


def assert_backed(pool, vintages):
    assert pool.totalSupply() <= sum(v.balanceOf(pool) for v in vintages)


def test_pools_carry_their_criteria(pools):
    for spec in POOLS:
        pool = pools[spec.symbol]
        assert pool.symbol() == spec.symbol
        assert pool.name() == spec.name
        assert tuple(pool.criteria()) == spec.criteria()
        assert pool.feeBps() == spec.fee_bps


def test_deposit_swaps_vintage_for_pool_tokens(pools, forest, alice):
    cet = pools["CET"]
    receipt = deposit(cet, forest, alice, 10)
    event = receipt.events.filter(cet.Deposited)[0]
    assert (event.account, event.vintage, event.amount) == (alice.address, forest.address, 10 * TONNE)
    assert cet.balanceOf(alice) == 10 * TONNE
    assert forest.balanceOf(cet) == 10 * TONNE
    assert forest.balanceOf(alice) == 90 * TONNE
    assert cet.vintages() == [forest.address]
    assert_backed(cet, [forest])


@pytest.mark.parametrize(
    "pool_symbol, vintage_name, error, field",
    [
        ("CET", "wind", "PoolLabelsMissing", "labels"),
        ("GNT", "old_forest", "PoolVintageTooOld", "vintageYear"),
        ("GNT", "wind", "PoolCategoryNotAccepted", "category"),
        ("RET", "forest", "PoolCategoryNotAccepted", "category"),
        ("SDGT", "forest", "PoolLabelsMissing", "labels"),
        ("HOT", "wind", "PoolCategoryNotAccepted", "category"),
    ],
)
def test_pool_rejects_ineligible_vintage_saying_why(
    request, pools, alice, pool_symbol, vintage_name, error, field
):
    pool = pools[pool_symbol]
    vintage = request.getfixturevalue(vintage_name)
    a = vintage.attributes()
    expected = {
        "labels": {"labels": a.labels, "requiredLabels": pool.criteria().requiredLabels},
        "vintageYear": {"vintageYear": a.vintageStart // 10000, "minVintageYear": 2012},
        "category": {"category": a.category},
    }[field]
    vintage.approve(pool, TONNE, sender=alice)
    with ape.reverts(getattr(pool, error), vintage=vintage.address, **expected):
        pool.deposit(vintage, TONNE, sender=alice)
    with reverts_with(error, vintage=vintage.address, **expected):
        pool.checkEligibility(vintage)
    assert pool.totalSupply() == 0


def test_eligible_vintages_enter_every_matching_pool(pools, forest, wind, cookstoves, alice):
    for symbol, vintage in [
        ("CET", forest),
        ("GNT", forest),
        ("RET", wind),
        ("HOT", cookstoves),
        ("SDGT", cookstoves),
    ]:
        pools[symbol].checkEligibility(vintage)
        deposit(pools[symbol], vintage, alice, 1)
        assert pools[symbol].balanceOf(alice) == TONNE


def test_registry_and_scope_masks_are_enforced(project, factory, deployer, bridge_account, alice, wind):
    only_verra_scope_14 = project.CommodityPool.deploy(
        "Verra AFOLU",
        "VAF",
        factory,
        (1 << Registry.VERRA, 0, 1 << 14, 0, 0),
        0,
        deployer,
        deployer,
        0,
        sender=deployer,
    )
    with reverts_with("PoolRegistryNotAccepted", vintage=wind.address, registry=Registry.GOLD_STANDARD):
        only_verra_scope_14.checkEligibility(wind)
    verra_energy = create_vintage(
        project, factory, bridge_account, project_id="900", scope=1, category=Category.RENEWABLE_ENERGY
    )
    with reverts_with("PoolScopeNotAccepted", vintage=verra_energy.address, sectoralScope=1):
        only_verra_scope_14.checkEligibility(verra_energy)


def test_look_alike_token_not_from_the_factory_is_refused(
    project, pools, factory, certificate, deployer, stranger
):
    # Same code and interface as a real vintage, but deployed outside the factory.
    look_alike = project.VintageToken.deploy(factory.address, certificate.address, sender=stranger)
    for pool in pools.values():
        with ape.reverts(pool.PoolNotAVintage, token=look_alike.address):
            pool.deposit(look_alike, TONNE, sender=stranger)


def test_deny_list_overrides_and_allow_list_admits(pools, forest, wind, deployer, alice, stranger):
    cet = pools["CET"]
    receipt = cet.setDenyListed(forest, True, sender=deployer)
    assert receipt.events.filter(cet.VintageDenyListed)[0].denied
    assert cet.isDenyListed(forest)
    forest.approve(cet, TONNE, sender=alice)
    with ape.reverts(cet.PoolVintageDenied, vintage=forest.address):
        cet.deposit(forest, TONNE, sender=alice)
    cet.setDenyListed(forest, False, sender=deployer)
    cet.deposit(forest, TONNE, sender=alice)

    receipt = cet.setAllowListed(wind, True, sender=deployer)
    assert receipt.events.filter(cet.VintageAllowListed)[0].allowed
    assert cet.isAllowListed(wind)
    deposit(cet, wind, alice, 2)
    assert wind.balanceOf(cet) == 2 * TONNE

    role = cet.POOL_MANAGER_ROLE()
    with ape.reverts(cet.AccessControlUnauthorizedAccount, account=stranger.address, neededRole=role):
        cet.setAllowListed(wind, True, sender=stranger)
    with ape.reverts(cet.AccessControlUnauthorizedAccount, account=stranger.address, neededRole=role):
        cet.setDenyListed(wind, True, sender=stranger)


def test_redeem_returns_the_chosen_vintage_less_fee(pools, forest, deployer, alice):
    cet = pools["CET"]
    deposit(cet, forest, alice, 40)
    fee = (10 * TONNE * 25 + 9_999) // 10_000
    fee_before = cet.balanceOf(deployer)

    receipt = cet.redeem(forest, 10 * TONNE, ANY_FEE, sender=alice)

    event = receipt.events.filter(cet.Redeemed)[0]
    assert (event.account, event.vintage, event.amount, event.fee) == (
        alice.address,
        forest.address,
        10 * TONNE - fee,
        fee,
    )
    assert cet.balanceOf(alice) == 30 * TONNE
    assert cet.balanceOf(deployer) == fee_before + fee
    assert forest.balanceOf(alice) == 60 * TONNE + 10 * TONNE - fee
    assert cet.totalSupply() == forest.balanceOf(cet)


def test_redeem_refuses_what_the_pool_does_not_hold(pools, forest, wind, alice):
    cet = pools["CET"]
    deposit(cet, forest, alice, 5)
    with ape.reverts(cet.PoolInsufficientReserve, vintage=wind.address, available=0):
        cet.redeem(wind, TONNE, ANY_FEE, sender=alice)
    with ape.reverts(cet.ERC20InsufficientBalance):
        cet.redeem(forest, 6 * TONNE, ANY_FEE, sender=alice)
    with ape.reverts(cet.PoolInvalidAmount, amount=0):
        cet.redeem(forest, 0, ANY_FEE, sender=alice)
    with ape.reverts(cet.PoolInvalidAmount, amount=1):
        cet.redeem(forest, 1, ANY_FEE, sender=alice)  # all of it would be fee
    with ape.reverts(cet.PoolInvalidAmount, amount=0):
        cet.deposit(forest, 0, sender=alice)


def test_redeem_oldest_takes_older_vintages_first(project, factory, bridge_account, pools, alice, deployer):
    gnt = pools["GNT"]
    gnt.setFee(0, sender=deployer)
    newer = create_vintage(project, factory, bridge_account, project_id="1748", start=20200101, end=20201231)
    older = create_vintage(project, factory, bridge_account, project_id="1748", start=20140101, end=20141231)
    middle = create_vintage(project, factory, bridge_account, project_id="1748", start=20170101, end=20171231)
    for v in (newer, older, middle):
        mint(factory, bridge_account, v, alice, 5)
        deposit(gnt, v, alice, 5)
    assert gnt.vintages() == [older.address, middle.address, newer.address]

    receipt = gnt.redeemOldest(7 * TONNE, ANY_FEE, sender=alice)

    redeemed = [(e.vintage, e.amount) for e in receipt.events.filter(gnt.Redeemed)]
    assert redeemed == [(older.address, 5 * TONNE), (middle.address, 2 * TONNE)]
    assert older.balanceOf(alice) == 5 * TONNE
    assert middle.balanceOf(alice) == 2 * TONNE
    assert gnt.totalSupply() == 8 * TONNE == sum(v.balanceOf(gnt) for v in (newer, older, middle))


def test_retire_from_pool_retires_and_certifies_the_caller(pools, forest, certificate, alice, bob):
    cet = pools["CET"]
    deposit(cet, forest, alice, 10)
    supply_before = forest.totalSupply()

    receipt = cet.retireFromPool(
        forest, 4 * TONNE, ANY_FEE, bob, "Bob's Bakery", COMPLIANCE, "2026 footprint", sender=alice
    )

    fee = (4 * TONNE * 25 + 9_999) // 10_000
    event = receipt.events.filter(cet.RetiredFromPool)[0]
    assert (event.account, event.vintage, event.amount) == (alice.address, forest.address, 4 * TONNE - fee)
    assert certificate.ownerOf(event.certificateId) == bob.address
    assert certificate.retirement(event.certificateId).detailsHash == details_hash(
        "Bob's Bakery", "2026 footprint"
    )
    assert forest.totalSupply() == supply_before - (4 * TONNE - fee)
    assert cet.totalSupply() == forest.balanceOf(cet)


def test_retire_from_pool_oldest_first_gives_one_certificate_per_vintage(
    project, factory, bridge_account, pools, certificate, alice, deployer
):
    gnt = pools["GNT"]
    gnt.setFee(0, sender=deployer)
    a = create_vintage(project, factory, bridge_account, project_id="77", start=20150101, end=20151231)
    b = create_vintage(project, factory, bridge_account, project_id="77", start=20160101, end=20161231)
    for v in (a, b):
        mint(factory, bridge_account, v, alice, 2)
        deposit(gnt, v, alice, 2)

    receipt = gnt.retireFromPool(ZERO, 3 * TONNE, ANY_FEE, ZERO, "Alice", COMPLIANCE, "", sender=alice)

    events = receipt.events.filter(gnt.RetiredFromPool)
    assert [(e.vintage, e.amount) for e in events] == [(a.address, 2 * TONNE), (b.address, TONNE)]
    assert all(certificate.ownerOf(e.certificateId) == alice.address for e in events)
    # The pool's supply never exceeds its reserves, so asking for more fails on the caller's balance.
    with ape.reverts(gnt.ERC20InsufficientBalance, sender=alice.address, balance=TONNE, needed=2 * TONNE):
        gnt.retireFromPool(ZERO, 2 * TONNE, ANY_FEE, ZERO, "Alice", COMPLIANCE, "", sender=alice)


def test_fee_settings_are_admin_only_and_bounded(pools, deployer, stranger, bob):
    cet = pools["CET"]
    receipt = cet.setFee(100, sender=deployer)
    assert receipt.events.filter(cet.FeeUpdated)[0].feeBps == 100
    assert cet.feeBps() == 100
    with ape.reverts(cet.PoolFeeTooHigh, feeBps=1_001, maxFeeBps=1_000):
        cet.setFee(1_001, sender=deployer)
    with ape.reverts(cet.PoolInvalidFeeRecipient, recipient=ZERO):
        cet.setFeeRecipient(ZERO, sender=deployer)
    receipt = cet.setFeeRecipient(bob, sender=deployer)
    assert receipt.events.filter(cet.FeeRecipientUpdated)[0].recipient == bob.address
    assert cet.feeRecipient() == bob.address
    admin_role = b"\x00" * 32
    with ape.reverts(cet.AccessControlUnauthorizedAccount, account=stranger.address, neededRole=admin_role):
        cet.setFee(0, sender=stranger)
    with ape.reverts(cet.AccessControlUnauthorizedAccount, account=stranger.address, neededRole=admin_role):
        cet.setFeeRecipient(stranger, sender=stranger)


def test_pool_deposit_of_a_paused_vintage_reverts(pools, forest, pauser, alice):
    forest.pause(sender=pauser)
    forest.approve(pools["CET"], TONNE, sender=alice)
    with reverts_named("EnforcedPause"):
        pools["CET"].deposit(forest, TONNE, sender=alice)


def test_oldest_first_passes_over_a_paused_vintage(
    project, factory, bridge_account, pools, pauser, alice, deployer
):
    gnt = pools["GNT"]
    gnt.setFee(0, sender=deployer)
    older = create_vintage(project, factory, bridge_account, project_id="88", start=20140101, end=20141231)
    newer = create_vintage(project, factory, bridge_account, project_id="88", start=20180101, end=20181231)
    for v in (older, newer):
        mint(factory, bridge_account, v, alice, 3)
        deposit(gnt, v, alice, 3)
    older.pause(sender=pauser)

    receipt = gnt.redeemOldest(2 * TONNE, ANY_FEE, sender=alice)

    assert [(e.vintage, e.amount) for e in receipt.events.filter(gnt.Redeemed)] == [
        (newer.address, 2 * TONNE)
    ]


def test_a_vintage_redeemed_to_zero_leaves_the_pool_list(
    project, factory, bridge_account, pools, alice, deployer
):
    gnt = pools["GNT"]
    gnt.setFee(0, sender=deployer)
    a = create_vintage(project, factory, bridge_account, project_id="99", start=20150101, end=20151231)
    b = create_vintage(project, factory, bridge_account, project_id="99", start=20160101, end=20161231)
    for v in (a, b):
        mint(factory, bridge_account, v, alice, 2)
        deposit(gnt, v, alice, 2)
    assert gnt.vintages() == [a.address, b.address]

    gnt.redeemOldest(3 * TONNE, ANY_FEE, sender=alice)
    assert gnt.vintages() == [b.address]
    gnt.redeem(b, TONNE, ANY_FEE, sender=alice)
    assert gnt.vintages() == []
    # Depositing again puts it back in order.
    deposit(gnt, a, alice, 1)
    assert gnt.vintages() == [a.address]


def test_allow_and_deny_lists_are_independent_and_deny_wins(pools, wind, deployer, alice):
    cet = pools["CET"]
    cet.setAllowListed(wind, True, sender=deployer)
    cet.setDenyListed(wind, True, sender=deployer)
    with reverts_with("PoolVintageDenied", vintage=wind.address):
        cet.checkEligibility(wind)
    # Taking it off the allow list does not lift the deny, and lifting the deny keeps the allow.
    cet.setAllowListed(wind, False, sender=deployer)
    assert cet.isDenyListed(wind)
    cet.setAllowListed(wind, True, sender=deployer)
    cet.setDenyListed(wind, False, sender=deployer)
    assert cet.isAllowListed(wind)
    cet.checkEligibility(wind)


def test_factory_refuses_an_implementation_without_certificate(project, factory, deployer):
    broken = project.VintageToken.deploy(factory.address, ZERO, sender=deployer)
    with ape.reverts(factory.FactoryImplementationWithoutCertificate, implementation=broken.address):
        factory.setImplementation(broken, sender=deployer)
