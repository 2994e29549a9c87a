"""Abuse tests: what an attacker, a careless operator or a hostile contract tries against the bridge.

Each section takes one line of attack from the issue: minting without the role, re-using a lock id,
look-alike tokens, taking more than one holds, re-entrancy through token callbacks, pausing, and the
default-admin rules. The attackers are test doubles under `contracts/mocks/` (test-only):

- `VintageCloneFactoryMock`: clones the real vintage implementation outside the factory;
- `MaliciousVintage`: a plain ERC-20 that claims to be a vintage and lies in `attributes()`;
- `MaliciousReceiver`: a hostile contract account (beneficiary, holder, depositor, fee recipient) that
  implements every token callback, and reverts or reenters from it;
- `HookedVintageMock`: a vintage implementation *with* ERC-777 style hooks, behind a separate factory, to
  attack the pool's reentrancy guard directly (the real vintage token has no hooks);
- `ERC1363TokenMock`: a token that does call receivers, the positive control for `MaliciousReceiver`.

Reverts are checked with `reverts_with`, which insists on the custom error's name and arguments wherever
the error was raised (top level or nested, transaction or view call). `ape.reverts(contract.Error, ...)`
passes on any revert Ape could not decode, e.g. every custom error of a reverted view call, which an abuse
test must not do.

A finding of this file, now fixed in the pool: dust parked in 32 older vintages blocked the pool's
oldest-first paths (`test_dust_parked_in_many_older_vintages_does_not_block_oldest_first_redemptions`).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from ape_ethereum.trace import Trace
from eth_utils import keccak

from bridge.catalog import Category, Label, Registry
from bridge.units import TONNE
from tests.support.vintages import (
    ANY_FEE,
    _plain,
    attributes,
    create_vintage,
    mint,
    new_lock_id,
    order_hash,
    reverts_with,
    serials_of,
    sign_permit,
)

ZERO = "0x0000000000000000000000000000000000000000"
ADMIN_ROLE = b"\x00" * 32
NO_ORDER = b"\x00" * 32  # lockOrder of a lock that never minted
COMPLIANCE = 2
SERIALS = keccak(text="VCS-VCU-262-VER-ID-14-1748-01012016-31122016-0 1-100")
EVERY_LABEL = Label.CORSIA_ELIGIBLE | Label.ICVCM_CCP | Label.SDG_CERTIFIED | Label.CCB_CERTIFIED

# MaliciousReceiver.Mode
RECORD, REVERT, REENTER, REENTER_AND_BUBBLE = range(4)


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


GUARD_ERROR = selector("ReentrancyGuardReentrantCall()")
ON_ERC721_RECEIVED = selector("onERC721Received(address,address,uint256,bytes)")
ON_TRANSFER_RECEIVED = selector("onTransferReceived(address,address,uint256,bytes)")


# --- helpers -------------------------------------------------------------------------------------------


def order(vintage, to, tonnes: int, lock_id: bytes, serial_hash: bytes = SERIALS) -> tuple:
    """One `IVintageFactory.MintOrder`."""
    return (_plain(vintage), _plain(to), tonnes * TONNE, lock_id, serial_hash)


def net_of(pool, amount: int) -> int:
    """What a pool redemption of `amount` pays out after its fee (rounded up, like the pool)."""
    fee_bps = pool.feeBps()
    return amount - (amount * fee_bps + 9_999) // 10_000


def deposit(pool, vintage, holder, tonnes: int):
    vintage.approve(pool, tonnes * TONNE, sender=holder)
    return pool.deposit(vintage, tonnes * TONNE, sender=holder)


def retirement(vintage_address: str, beneficiary) -> tuple:
    """A `Retirement` record as a forger would submit it."""
    return (vintage_address, 1, COMPLIANCE, _plain(beneficiary), TONNE, b"\x0f" * 32, "")


def callees(chain, receipt) -> list[str]:
    """Lower-cased addresses of every nested call of a transaction (Anvil's geth-style call tracer)."""
    tree = chain.provider.make_request("debug_traceTransaction", [receipt.txn_hash, {"tracer": "callTracer"}])
    found: list[str] = []

    def walk(frame: dict) -> None:
        for call in frame.get("calls") or []:
            found.append(call["to"].lower())
            walk(call)

    walk(tree)
    return found


# --- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _quiet_reverts():
    """Skips the call tree Ape prints for every reverted transaction (pytest captures it anyway).

    Rendering it regenerates the test accounts for each address in the tree and costs about a second per
    revert; this module checks over a hundred reverts. Decoding the revert is unaffected.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Trace, "show", lambda self, *args, **kwargs: None)
        yield


@pytest.fixture(scope="module", autouse=True)
def _actors(
    accounts,
    chain,
    deployment,
    factory,
    certificate,
    pools,
    deployer,
    bridge_account,
    pauser,
    alice,
    bob,
    stranger,
    vcs_2016,
    vcs_2018,
    hostile,
    outside_clone,
    fake_vintage,
    hooked_bridge,
):
    """Sets every actor of this module up once, before the first test: Ape reverts the chain after each
    test, so every test starts from this state. (A wider-scoped fixture first set up after a test's
    snapshot makes Ape rebase its snapshots, which costs seconds.)

    The module-scoped fixtures have names no other test module uses: Ape tracks isolation by fixture name,
    and a module-scoped `forest` here next to the function-scoped `forest` of test_commodity_pool.py made it
    restore a stale snapshot in that module (this module's vintages reappeared there).
    """


@pytest.fixture(scope="module")
def vcs_2016(project, factory, bridge_account, alice):
    """Verra forestry 2016 (VCS 1748), CORSIA-eligible: fits CET and GNT. Alice holds 100 t."""
    token = create_vintage(project, factory, bridge_account, labels=Label.CORSIA_ELIGIBLE)
    mint(factory, bridge_account, token, alice, 100)
    return token


@pytest.fixture(scope="module")
def vcs_2018(project, factory, bridge_account, alice):
    """Verra forestry 2018, CORSIA-eligible: a second vintage for the same pools. Alice holds 100 t."""
    token = create_vintage(
        project,
        factory,
        bridge_account,
        labels=Label.CORSIA_ELIGIBLE,
        project_id="2250",
        start=20180101,
        end=20181231,
    )
    mint(factory, bridge_account, token, alice, 100)
    return token


@pytest.fixture(scope="module")
def hostile(project, deployer):
    """A hostile contract account, owned (driven) by the deployer account."""
    return project.MaliciousReceiver.deploy(sender=deployer)


@pytest.fixture(scope="module")
def outside_clone(project, factory, stranger):
    """A clone of the real vintage implementation, made outside the factory with VCS 1748 2016 attributes."""
    cloner = project.VintageCloneFactoryMock.deploy(sender=stranger)
    attrs = attributes(labels=Label.CORSIA_ELIGIBLE)
    receipt = cloner.cloneWithAttributes(
        factory.implementation(), attrs, factory.vintageKey(attrs), sender=stranger
    )
    return project.VintageToken.at(receipt.events.filter(cloner.Cloned)[0].clone)


@pytest.fixture(scope="module")
def fake_vintage(project, factory, certificate, stranger):
    """An attacker's ERC-20 claiming to be a vintage of the real factory, with open minting."""
    lie = attributes(labels=EVERY_LABEL)  # forestry 2016 with every label: what CET, GNT and SDGT want
    return project.MaliciousVintage.deploy(factory, certificate, lie, sender=stranger)


@pytest.fixture(scope="module")
def hooked_bridge(project, deployer, bridge_account, hostile):
    """A separate bridge whose vintage implementation has ERC-777 style hooks, and a pool on it.

    The hostile contract holds 10 t of its vintage, has deposited 5 t (approving all 10) and has then
    registered for the hooks.
    """
    factory = project.VintageFactory.deploy(0, deployer, sender=deployer)
    certificate = project.RetirementCertificate.deploy(0, deployer, factory, 0, sender=deployer)
    implementation = project.HookedVintageMock.deploy(factory, certificate, sender=deployer)
    factory.setImplementation(implementation, sender=deployer)
    factory.registerRegistry(int(Registry.VERRA), "VCS", sender=deployer)
    factory.grantRole(factory.MINTER_ROLE(), bridge_account, sender=deployer)
    factory.setMintLimits(1_000, 1_000, 24 * 3600, sender=deployer)  # a new factory mints nothing until then
    receipt = factory.createVintage(attributes(), sender=bridge_account)
    vintage = project.HookedVintageMock.at(receipt.events.filter(factory.VintageCreated)[0].vintage)
    pool = project.CommodityPool.deploy(
        "Hooked Pool", "HKP", factory, (0, 0, 0, 0, 0), 0, deployer, deployer, 25, sender=deployer
    )
    mint(factory, bridge_account, vintage, hostile, 10)
    hostile.execute(vintage, vintage.approve.encode_input(pool.address, 10 * TONNE), sender=deployer)
    hostile.execute(pool, pool.deposit.encode_input(vintage.address, 5 * TONNE), sender=deployer)
    hostile.execute(vintage, vintage.registerHooks.encode_input(True), sender=deployer)
    return SimpleNamespace(factory=factory, certificate=certificate, vintage=vintage, pool=pool)


# --- minting without the role --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["stranger", "pauser", "deployer"])
def test_only_the_minter_role_mints_even_the_admin_needs_it(request, factory, vcs_2016, who):
    account = request.getfixturevalue(who)  # "deployer" is the factory's default admin
    role = factory.MINTER_ROLE()
    lock_id = new_lock_id()

    with reverts_with("AccessControlUnauthorizedAccount", account=account, neededRole=role):
        factory.mint(vcs_2016, account, TONNE, lock_id, SERIALS, sender=account)
    with reverts_with("AccessControlUnauthorizedAccount", account=account, neededRole=role):
        factory.mintBatch([order(vcs_2016, account, 1, lock_id)], sender=account)

    assert factory.lockOrder(lock_id) == NO_ORDER
    assert vcs_2016.balanceOf(account) == 0


def test_only_the_minter_role_creates_vintages(factory, pauser, deployer, stranger):
    role = factory.MINTER_ROLE()
    for account in (stranger, pauser, deployer):
        with reverts_with("AccessControlUnauthorizedAccount", account=account, neededRole=role):
            factory.createVintage(attributes(project_id="9001"), sender=account)
    assert factory.vintageOf(factory.vintageKey(attributes(project_id="9001"))) == ZERO


@pytest.mark.parametrize("who", ["stranger", "deployer", "bridge_account"])
def test_nobody_but_the_factory_mints_on_a_clone_or_on_the_implementation(request, deployment, vcs_2016, who):
    account = request.getfixturevalue(who)
    for token in (vcs_2016, deployment.implementation):
        with reverts_with("VintageUnauthorizedMinter", caller=account):
            token.mint(account, TONNE, sender=account)
    assert vcs_2016.balanceOf(account) == 0
    assert deployment.implementation.totalSupply() == 0


def test_a_vintage_token_calling_the_factory_as_itself_has_no_role(
    accounts, chain, factory, certificate, deployment, pools, vcs_2016, vcs_2018
):
    """Impersonates the vintage's own address: the most a vintage (or a bug in it) could do."""
    chain.set_balance(vcs_2016.address, 10**18)
    as_vintage = accounts[vcs_2016.address]
    minter_role = factory.MINTER_ROLE()

    for target in (vcs_2016, vcs_2018):
        with reverts_with("AccessControlUnauthorizedAccount", account=vcs_2016, neededRole=minter_role):
            factory.mint(target, vcs_2016, TONNE, new_lock_id(), SERIALS, sender=as_vintage)
    with reverts_with("AccessControlUnauthorizedAccount", account=vcs_2016, neededRole=ADMIN_ROLE):
        factory.grantRole(minter_role, vcs_2016, sender=as_vintage)

    # No contract of the bridge holds a role of the factory.
    system = [vcs_2016, vcs_2018, deployment.implementation, certificate, *pools.values()]
    for role in (minter_role, factory.GUARDIAN_ROLE(), ADMIN_ROLE):
        assert not any(factory.hasRole(role, contract) for contract in system)


def test_a_revoked_minter_account_can_no_longer_mint_or_create(
    factory, deployer, bridge_account, vcs_2016, alice
):
    role = factory.MINTER_ROLE()
    factory.revokeRole(role, bridge_account, sender=deployer)
    assert not factory.hasRole(role, bridge_account)
    lock_id = new_lock_id()

    with reverts_with("AccessControlUnauthorizedAccount", account=bridge_account, neededRole=role):
        mint(factory, bridge_account, vcs_2016, alice, 1, lock_id)
    with reverts_with("AccessControlUnauthorizedAccount", account=bridge_account, neededRole=role):
        factory.mintBatch([order(vcs_2016, alice, 1, lock_id)], sender=bridge_account)
    with reverts_with("AccessControlUnauthorizedAccount", account=bridge_account, neededRole=role):
        factory.createVintage(attributes(project_id="9002"), sender=bridge_account)
    # It cannot give itself the role back either.
    with reverts_with("AccessControlUnauthorizedAccount", account=bridge_account, neededRole=ADMIN_ROLE):
        factory.grantRole(role, bridge_account, sender=bridge_account)

    # Only the admin restores it; the lock the refused mints named is still unspent.
    factory.grantRole(role, bridge_account, sender=deployer)
    mint(factory, bridge_account, vcs_2016, alice, 1, lock_id)
    assert factory.lockOrder(lock_id) == order_hash(vcs_2016, alice, TONNE, lock_id, serials_of(lock_id))


def test_renounced_roles_are_gone_and_nobody_renounces_for_someone_else(
    factory, vcs_2016, bridge_account, pauser, stranger, alice
):
    minter_role, guardian_role = factory.MINTER_ROLE(), factory.GUARDIAN_ROLE()
    with reverts_with("AccessControlBadConfirmation"):
        factory.renounceRole(minter_role, bridge_account, sender=stranger)
    assert factory.hasRole(minter_role, bridge_account)

    factory.renounceRole(minter_role, bridge_account, sender=bridge_account)
    factory.renounceRole(guardian_role, pauser, sender=pauser)

    with reverts_with("AccessControlUnauthorizedAccount", account=bridge_account, neededRole=minter_role):
        mint(factory, bridge_account, vcs_2016, alice, 1)
    with reverts_with("AccessControlUnauthorizedAccount", account=pauser, neededRole=guardian_role):
        vcs_2016.pause(sender=pauser)


def test_role_holders_cannot_hand_their_role_to_others(factory, bridge_account, pauser, stranger):
    for holder, role in ((bridge_account, factory.MINTER_ROLE()), (pauser, factory.GUARDIAN_ROLE())):
        with reverts_with("AccessControlUnauthorizedAccount", account=holder, neededRole=ADMIN_ROLE):
            factory.grantRole(role, stranger, sender=holder)
        assert not factory.hasRole(role, stranger)


# --- re-using a lock id ----------------------------------------------------------------------------------


def test_a_lock_id_is_spent_forever_whatever_the_vintage_recipient_or_path(
    factory, bridge_account, vcs_2016, vcs_2018, alice, bob
):
    lock_id = new_lock_id()
    mint(factory, bridge_account, vcs_2016, alice, 5, lock_id)
    # The credits behind it are burned again: the lock still may not mint.
    vcs_2016.retire(5 * TONNE, ZERO, "Alice", COMPLIANCE, "", sender=alice)
    supplies = (vcs_2016.totalSupply(), vcs_2018.totalSupply())
    first = order_hash(vcs_2016, alice, 5 * TONNE, lock_id, serials_of(lock_id))

    with reverts_with("FactoryLockAlreadyMinted", lockId=lock_id, orderHash=first):
        factory.mint(vcs_2016, bob, TONNE, lock_id, keccak(text="other serials"), sender=bridge_account)
    with reverts_with("FactoryLockAlreadyMinted", lockId=lock_id, orderHash=first):
        factory.mintBatch(
            [order(vcs_2018, bob, 7, new_lock_id()), order(vcs_2018, bob, 7, lock_id)],
            sender=bridge_account,
        )

    assert (vcs_2016.totalSupply(), vcs_2018.totalSupply()) == supplies
    assert factory.lockOrder(lock_id) == first


def test_the_same_lock_twice_in_one_batch_reverts_the_whole_batch(
    factory, bridge_account, vcs_2016, vcs_2018, alice, bob
):
    duplicate, fresh = new_lock_id(), new_lock_id()
    orders = [
        order(vcs_2016, alice, 2, duplicate),
        order(vcs_2018, bob, 3, fresh),
        order(vcs_2018, bob, 4, duplicate),
    ]
    supplies = (vcs_2016.totalSupply(), vcs_2018.totalSupply())

    # The error names the order that spent the lock earlier in the same batch.
    with reverts_with("FactoryLockAlreadyMinted", lockId=duplicate, orderHash=order_hash(*orders[0])):
        factory.mintBatch(orders, sender=bridge_account)
    # A retried message appended twice, order for order, is refused the same way.
    with reverts_with("FactoryLockAlreadyMinted", lockId=duplicate, orderHash=order_hash(*orders[0])):
        factory.mintBatch([orders[0], orders[0]], sender=bridge_account)

    assert factory.lockOrder(duplicate) == factory.lockOrder(fresh) == NO_ORDER
    assert (vcs_2016.totalSupply(), vcs_2018.totalSupply()) == supplies
    assert vcs_2018.balanceOf(bob) == 0

    # Without the duplicate, each lock mints once.
    factory.mintBatch(orders[:2], sender=bridge_account)
    assert (factory.lockOrder(duplicate), factory.lockOrder(fresh)) == (
        order_hash(*orders[0]),
        order_hash(*orders[1]),
    )


@pytest.mark.parametrize(
    "failure, error, args",
    [
        ("unknown vintage", "FactoryUnknownVintage", {}),
        ("fraction of a tonne", "FactoryInvalidMintAmount", {"amount": TONNE // 2}),
        ("zero lock id", "FactoryZeroLockId", {}),
        ("zero recipient", "ERC20InvalidReceiver", {"receiver": ZERO}),
        ("paused vintage", "EnforcedPause", {}),
    ],
)
def test_the_locks_of_a_failed_batch_stay_unspent(
    deployment, factory, bridge_account, pauser, deployer, vcs_2016, vcs_2018, alice, failure, error, args
):
    good = [order(vcs_2016, alice, 1, new_lock_id()), order(vcs_2018, alice, 2, new_lock_id())]
    bad = list(order(vcs_2016, alice, 1, new_lock_id()))
    if failure == "unknown vintage":
        bad[0] = deployment.implementation.address
        args = {"vintage": deployment.implementation}
    elif failure == "fraction of a tonne":
        bad[2] = TONNE // 2
    elif failure == "zero lock id":
        bad[3] = b"\x00" * 32
    elif failure == "zero recipient":
        bad[1] = ZERO
    else:
        vcs_2018.pause(sender=pauser)  # the second order's vintage refuses to mint
        good, bad = good[:1], list(good[1])

    with reverts_with(error, **args):
        factory.mintBatch([*good, tuple(bad)], sender=bridge_account)
    assert all(factory.lockOrder(o[3]) == NO_ORDER for o in good)

    if failure == "paused vintage":
        vcs_2018.unpause(sender=deployer)  # the admin un-pauses
        good.append(tuple(bad))
    factory.mintBatch(good, sender=bridge_account)
    assert [factory.lockOrder(o[3]) for o in good] == [order_hash(*o) for o in good]


# --- look-alike tokens ---------------------------------------------------------------------------------


def test_clone_made_outside_the_factory_looks_real_but_is_not_a_vintage(
    factory, certificate, vcs_2016, outside_clone
):
    # Same code, same attributes, same name as the real VCS 1748 2016 token...
    assert outside_clone.factory() == factory.address
    assert outside_clone.certificate() == certificate.address
    assert outside_clone.attributes() == vcs_2016.attributes()
    assert (outside_clone.symbol(), outside_clone.name()) == (vcs_2016.symbol(), vcs_2016.name())
    # ...but another address (CREATE2 from another deployer), absent from the factory's catalogue.
    assert outside_clone.address not in (
        vcs_2016.address,
        factory.predictVintageAddress(attributes(labels=Label.CORSIA_ELIGIBLE)),
    )
    assert not factory.isVintage(outside_clone)
    assert outside_clone.totalSupply() == 0


def test_clone_made_outside_the_factory_cannot_be_pooled(pools, deployer, stranger, outside_clone):
    for symbol in ("CET", "GNT"):  # both accept its (real) attributes
        pool = pools[symbol]
        with reverts_with("PoolNotAVintage", token=outside_clone):
            pool.checkEligibility(outside_clone)
        with reverts_with("PoolNotAVintage", token=outside_clone):
            pool.deposit(outside_clone, TONNE, sender=stranger)
    # Not even the allow list admits it: the factory's catalogue is checked first.
    pools["CET"].setAllowListed(outside_clone, True, sender=deployer)
    with reverts_with("PoolNotAVintage", token=outside_clone):
        pools["CET"].deposit(outside_clone, TONNE, sender=stranger)


def test_clone_made_outside_the_factory_has_no_supply_and_cannot_get_any(
    factory, bridge_account, deployer, stranger, outside_clone
):
    with reverts_with("FactoryUnknownVintage", vintage=outside_clone):
        mint(factory, bridge_account, outside_clone, stranger, 1)
    for account in (bridge_account, deployer, stranger):
        with reverts_with("VintageUnauthorizedMinter", caller=account):
            outside_clone.mint(stranger, TONNE, sender=account)
    with reverts_with("ERC20InsufficientBalance", sender=stranger, balance=0, needed=1):
        outside_clone.retire(1, ZERO, "Nobody", COMPLIANCE, "", sender=stranger)
    assert outside_clone.totalSupply() == 0


def test_clone_made_outside_the_factory_cannot_issue_certificates(
    accounts, chain, certificate, outside_clone, stranger
):
    """Its only path to `issue` is `retire`, blocked by the burn; so act as the clone's address directly."""
    chain.set_balance(outside_clone.address, 10**18)
    issued = certificate.totalIssued()
    with reverts_with("CertificateUnauthorizedIssuer", caller=outside_clone):
        certificate.issue(
            stranger, retirement(outside_clone.address, stranger), sender=accounts[outside_clone.address]
        )
    assert certificate.totalIssued() == issued


def test_fake_erc20_claiming_to_be_a_vintage_is_refused_by_every_pool(pools, fake_vintage, stranger):
    fake_vintage.mint(stranger, 10 * TONNE, sender=stranger)
    for pool in pools.values():
        fake_vintage.approve(pool, TONNE, sender=stranger)
        with reverts_with("PoolNotAVintage", token=fake_vintage):
            pool.deposit(fake_vintage, TONNE, sender=stranger)
        assert pool.balanceOf(stranger) == 0
    assert fake_vintage.balanceOf(stranger) == 10 * TONNE


def test_lies_in_attributes_never_reach_the_pool_criteria(pools, fake_vintage, stranger):
    """Whatever `attributes()` says, pools ask the factory (`isVintage`) before reading it."""
    lies = {
        "RET": attributes(category=Category.RENEWABLE_ENERGY, scope=1, start=20240101, end=20241231),
        "HOT": attributes(category=Category.HOUSEHOLD_DEVICES, scope=3, labels=Label.SDG_CERTIFIED),
    }
    for symbol, lie in lies.items():
        fake_vintage.setAttributes(lie, sender=stranger)
        assert fake_vintage.attributes().category == lie["category"]
        with reverts_with("PoolNotAVintage", token=fake_vintage):
            pools[symbol].checkEligibility(fake_vintage)


def test_fake_vintage_cannot_forge_certificates_for_itself_or_a_real_vintage(
    certificate, fake_vintage, vcs_2016, stranger
):
    fake_vintage.mint(stranger, 2 * TONNE, sender=stranger)
    issued = certificate.totalIssued()
    for claimed in (
        fake_vintage,
        vcs_2016,
    ):  # naming a real vintage does not help: the caller must be that vintage
        with reverts_with("CertificateUnauthorizedIssuer", caller=fake_vintage):
            fake_vintage.retireAs(claimed, TONNE, stranger, sender=stranger)
    with reverts_with("CertificateUnauthorizedIssuer", caller=stranger):
        certificate.issue(stranger, retirement(vcs_2016.address, stranger), sender=stranger)
    assert certificate.totalIssued() == issued
    assert fake_vintage.balanceOf(stranger) == 2 * TONNE


def test_a_pool_pays_nothing_out_for_a_token_it_never_accepted(
    pools, fake_vintage, vcs_2016, alice, stranger
):
    cet = pools["CET"]
    deposit(cet, vcs_2016, alice, 10)
    cet.transfer(stranger, 5 * TONNE, sender=alice)  # the attacker holds real pool tokens
    fake_vintage.mint(cet, 1_000 * TONNE, sender=stranger)  # and "donates" fake ones to the pool
    net = net_of(cet, 2 * TONNE)

    with reverts_with("PoolInsufficientReserve", vintage=fake_vintage, available=0, requested=net):
        cet.redeem(fake_vintage, 2 * TONNE, ANY_FEE, sender=stranger)
    with reverts_with("PoolInsufficientReserve", vintage=fake_vintage, available=0, requested=net):
        cet.retireFromPool(
            fake_vintage, 2 * TONNE, ANY_FEE, ZERO, "Attacker", COMPLIANCE, "", sender=stranger
        )

    assert cet.vintages() == [vcs_2016.address]
    receipt = cet.redeemOldest(2 * TONNE, ANY_FEE, sender=stranger)
    assert [e.vintage for e in receipt.events.filter(cet.Redeemed)] == [vcs_2016.address]
    assert fake_vintage.balanceOf(cet) == 1_000 * TONNE


# --- more than one holds -------------------------------------------------------------------------------


def test_retire_and_redeem_cannot_take_more_than_the_balance(vcs_2016, alice):
    balance = vcs_2016.balanceOf(alice)
    with reverts_with("ERC20InsufficientBalance", sender=alice, balance=balance, needed=balance + 1):
        vcs_2016.retire(balance + 1, ZERO, "Alice", COMPLIANCE, "", sender=alice)
    with reverts_with("ERC20InsufficientBalance", sender=alice, balance=balance, needed=balance + TONNE):
        vcs_2016.redeem(balance + TONNE, "VCS-ACCT-4242", sender=alice)
    # Past uint96 too: the burn refuses before the certificate's amount could be truncated.
    with reverts_with("ERC20InsufficientBalance", sender=alice, balance=balance, needed=2**96):
        vcs_2016.retire(2**96, ZERO, "Alice", COMPLIANCE, "", sender=alice)

    vcs_2016.retire(balance - TONNE // 2, ZERO, "Alice", COMPLIANCE, "", sender=alice)
    with reverts_with("ERC20InsufficientBalance", sender=alice, balance=TONNE // 2, needed=TONNE):
        vcs_2016.redeem(TONNE, "VCS-ACCT-4242", sender=alice)
    vcs_2016.retire(TONNE // 2, ZERO, "Alice", COMPLIANCE, "", sender=alice)
    with reverts_with("ERC20InsufficientBalance", sender=alice, balance=0, needed=1):
        vcs_2016.retire(1, ZERO, "Alice", COMPLIANCE, "", sender=alice)


def test_zero_and_fractional_redemptions_are_refused(vcs_2016, alice):
    with reverts_with("VintageZeroAmount"):
        vcs_2016.retire(0, ZERO, "Alice", COMPLIANCE, "", sender=alice)
    with reverts_with("VintageZeroAmount"):
        vcs_2016.redeem(0, "VCS-ACCT-4242", sender=alice)
    for amount in (1, TONNE - 1, 3 * TONNE + 1):
        with reverts_with("VintageRedemptionNotWholeTonnes", amount=amount):
            vcs_2016.redeem(amount, "VCS-ACCT-4242", sender=alice)
    assert vcs_2016.balanceOf(alice) == 100 * TONNE


def test_an_approved_spender_cannot_retire_or_redeem_the_holders_tokens(vcs_2016, alice, bob):
    vcs_2016.approve(bob, 10 * TONNE, sender=alice)
    with reverts_with("ERC20InsufficientBalance", sender=bob, balance=0, needed=TONNE):
        vcs_2016.retire(TONNE, alice, "Alice", COMPLIANCE, "", sender=bob)
    with reverts_with("ERC20InsufficientBalance", sender=bob, balance=0, needed=TONNE):
        vcs_2016.redeem(TONNE, "BOBS-ACCOUNT", sender=bob)
    functions = {abi.name for abi in vcs_2016.contract_type.mutable_methods}
    assert not functions & {"burn", "burnFrom", "retireFrom", "redeemFrom"}
    assert vcs_2016.balanceOf(alice) == 100 * TONNE


def test_transfer_from_needs_an_allowance_and_spends_it(pools, vcs_2016, alice, bob):
    with reverts_with("ERC20InsufficientAllowance", spender=bob, allowance=0, needed=TONNE):
        vcs_2016.transferFrom(alice, bob, TONNE, sender=bob)
    vcs_2016.approve(bob, TONNE, sender=alice)
    vcs_2016.transferFrom(alice, bob, TONNE // 2, sender=bob)
    with reverts_with("ERC20InsufficientAllowance", spender=bob, allowance=TONNE // 2, needed=TONNE):
        vcs_2016.transferFrom(alice, bob, TONNE, sender=bob)

    cet = pools["CET"]
    deposit(cet, vcs_2016, alice, 3)
    with reverts_with("ERC20InsufficientAllowance", spender=bob, allowance=0, needed=TONNE):
        cet.transferFrom(alice, bob, TONNE, sender=bob)


def test_pool_deposit_needs_an_allowance_and_the_balance(pools, vcs_2016, alice):
    cet = pools["CET"]
    with reverts_with("ERC20InsufficientAllowance", spender=cet, allowance=0, needed=TONNE):
        cet.deposit(vcs_2016, TONNE, sender=alice)
    vcs_2016.approve(cet, 1_000 * TONNE, sender=alice)
    with reverts_with("ERC20InsufficientBalance", sender=alice, balance=100 * TONNE, needed=101 * TONNE):
        cet.deposit(vcs_2016, 101 * TONNE, sender=alice)
    assert cet.totalSupply() == 0
    assert cet.vintages() == []


def test_retiring_from_a_pool_cannot_exceed_the_callers_tokens_or_the_reserve(
    pools, deployer, vcs_2016, vcs_2018, alice, bob
):
    cet = pools["CET"]
    cet.setFee(0, sender=deployer)
    deposit(cet, vcs_2016, alice, 10)
    deposit(cet, vcs_2018, alice, 2)

    with reverts_with("ERC20InsufficientBalance", sender=alice, balance=12 * TONNE, needed=13 * TONNE):
        cet.retireFromPool(vcs_2016, 13 * TONNE, ANY_FEE, ZERO, "Alice", COMPLIANCE, "", sender=alice)
    with reverts_with("PoolInsufficientReserve", vintage=vcs_2018, available=2 * TONNE, requested=3 * TONNE):
        cet.retireFromPool(vcs_2018, 3 * TONNE, ANY_FEE, ZERO, "Alice", COMPLIANCE, "", sender=alice)
    with reverts_with("ERC20InsufficientBalance", sender=bob, balance=0, needed=TONNE):
        cet.retireFromPool(ZERO, TONNE, ANY_FEE, ZERO, "Bob", COMPLIANCE, "", sender=bob)
    with reverts_with("PoolInvalidAmount", amount=0):
        cet.retireFromPool(vcs_2016, 0, ANY_FEE, ZERO, "Alice", COMPLIANCE, "", sender=alice)

    assert cet.totalSupply() == 12 * TONNE == vcs_2016.balanceOf(cet) + vcs_2018.balanceOf(cet)


def test_a_permit_signature_cannot_be_replayed(chain, vcs_2016, alice, bob):
    deadline = chain.pending_timestamp + 3600
    v, r, s = sign_permit(chain, vcs_2016, alice, bob, 5 * TONNE, deadline)
    vcs_2016.permit(alice, bob, 5 * TONNE, deadline, v, r, s, sender=bob)
    vcs_2016.transferFrom(alice, bob, 5 * TONNE, sender=bob)

    # The nonce moved on, so the same signature now recovers to some other address.
    with reverts_with("ERC2612InvalidSigner", owner=alice):
        vcs_2016.permit(alice, bob, 5 * TONNE, deadline, v, r, s, sender=bob)
    assert vcs_2016.allowance(alice, bob) == 0
    assert vcs_2016.nonces(alice) == 1


def test_an_expired_permit_is_refused(chain, vcs_2016, alice, bob):
    deadline = chain.pending_timestamp - 1
    v, r, s = sign_permit(chain, vcs_2016, alice, bob, 5 * TONNE, deadline)
    with reverts_with("ERC2612ExpiredSignature", deadline=deadline):
        vcs_2016.permit(alice, bob, 5 * TONNE, deadline, v, r, s, sender=bob)
    assert vcs_2016.allowance(alice, bob) == 0


def test_a_permit_is_bound_to_its_vintage_signer_and_value(chain, vcs_2016, vcs_2018, alice, bob):
    """All vintages share the EIP-712 name; the domain's verifyingContract is what keeps them apart."""
    deadline = chain.pending_timestamp + 3600
    v, r, s = sign_permit(chain, vcs_2016, alice, bob, 5 * TONNE, deadline)
    with reverts_with("ERC2612InvalidSigner", owner=alice):
        vcs_2018.permit(alice, bob, 5 * TONNE, deadline, v, r, s, sender=bob)
    with reverts_with("ERC2612InvalidSigner", owner=alice):
        vcs_2016.permit(alice, bob, 50 * TONNE, deadline, v, r, s, sender=bob)
    v, r, s = sign_permit(chain, vcs_2016, alice, bob, 5 * TONNE, deadline, signer=bob)
    with reverts_with("ERC2612InvalidSigner", signer=bob, owner=alice):
        vcs_2016.permit(alice, bob, 5 * TONNE, deadline, v, r, s, sender=bob)
    assert vcs_2016.allowance(alice, bob) == vcs_2018.allowance(alice, bob) == 0


# --- re-entrancy through token callbacks -------------------------------------------------------------


def test_a_reverting_beneficiary_contract_cannot_block_a_retirement(
    pools, certificate, vcs_2016, hostile, deployer, alice
):
    """`RetirementCertificate.issue` mints with `_mint`, not `_safeMint`: `onERC721Received` is never
    called, so a beneficiary contract can neither refuse a certificate (blocking the retirement) nor run
    code in the middle of one."""
    hostile.setMode(REVERT, sender=deployer)
    receipt = vcs_2016.retire(TONNE, hostile, "Hostile Ltd", COMPLIANCE, "", sender=alice)
    assert certificate.ownerOf(receipt.events.filter(vcs_2016.Retired)[0].certificateId) == hostile.address

    cet = pools["CET"]
    deposit(cet, vcs_2016, alice, 5)
    receipt = cet.retireFromPool(
        vcs_2016, 2 * TONNE, ANY_FEE, hostile, "Hostile Ltd", COMPLIANCE, "", sender=alice
    )
    assert certificate.ownerOf(receipt.events.filter(cet.RetiredFromPool)[0].certificateId) == hostile.address
    assert hostile.hookCalls() == 0


def test_a_beneficiary_callback_cannot_reenter_a_retirement(certificate, vcs_2016, hostile, deployer, alice):
    """The hostile holder retires to itself and would retire again from `onERC721Received`: the callback
    never comes, so exactly one retirement and one certificate happen."""
    vcs_2016.transfer(hostile, 5 * TONNE, sender=alice)
    again = vcs_2016.retire.encode_input(TONNE, hostile.address, "again", COMPLIANCE, "")
    hostile.setReentry(vcs_2016, again, sender=deployer)
    hostile.setMode(REENTER_AND_BUBBLE, sender=deployer)
    issued = certificate.totalIssued()

    hostile.execute(
        vcs_2016, vcs_2016.retire.encode_input(TONNE, ZERO, "once", COMPLIANCE, ""), sender=deployer
    )

    assert (hostile.hookCalls(), hostile.reentryAttempts()) == (0, 0)
    assert vcs_2016.balanceOf(hostile) == 4 * TONNE
    assert certificate.totalIssued() == issued + 1
    assert certificate.balanceOf(hostile) == 1


def test_the_hostile_callbacks_do_fire_when_a_token_calls_them(
    project, certificate, vcs_2016, hostile, deployer, alice
):
    """Positive control: `safeTransferFrom` (ERC-721) and `transferAndCall` (ERC-1363) reach the hostile
    receiver, which refuses. So the zero call counts elsewhere mean "never called", not a broken mock."""
    certificate_id = (
        vcs_2016.retire(TONNE, ZERO, "Alice", COMPLIANCE, "", sender=alice)
        .events.filter(vcs_2016.Retired)[0]
        .certificateId
    )
    erc1363 = project.ERC1363TokenMock.deploy(sender=deployer)
    erc1363.mint(alice, TONNE, sender=alice)
    hostile.setMode(REVERT, sender=deployer)

    with reverts_with("ReceiverHookRejected", hook=ON_ERC721_RECEIVED):
        certificate.safeTransferFrom(alice, hostile, certificate_id, sender=alice)
    with reverts_with("ReceiverHookRejected", hook=ON_TRANSFER_RECEIVED):
        erc1363.transferAndCall(hostile, TONNE, sender=alice)

    hostile.setMode(RECORD, sender=deployer)
    certificate.safeTransferFrom(alice, hostile, certificate_id, sender=alice)
    erc1363.transferAndCall(hostile, TONNE, sender=alice)
    assert hostile.hookCalls() == 2


def test_vintage_transfers_call_no_receiver_or_sender_hook(
    chain, deployment, vcs_2016, hostile, deployer, alice, bob
):
    """The vintage token is OpenZeppelin's ERC-20 with a pause flag: `_update` calls nobody. It has no
    ERC-1363 `transferAndCall` and no ERC-777 `send` or ERC-1820 lookup, so no callback exists through
    which a holder could reenter; a receiver that reverts in every callback still receives and sends."""
    hostile.setMode(REVERT, sender=deployer)

    incoming = vcs_2016.transfer(hostile, 3 * TONNE, sender=alice)
    vcs_2016.approve(bob, TONNE, sender=alice)
    vcs_2016.transferFrom(alice, hostile, TONNE, sender=bob)
    hostile.execute(vcs_2016, vcs_2016.transfer.encode_input(bob.address, TONNE), sender=deployer)
    hostile.execute(vcs_2016, vcs_2016.approve.encode_input(bob.address, TONNE), sender=deployer)
    vcs_2016.transferFrom(hostile, bob, TONNE, sender=bob)

    assert hostile.hookCalls() == 0
    assert vcs_2016.balanceOf(hostile) == 2 * TONNE
    # The only call a transfer makes is the clone's delegatecall to its implementation.
    assert callees(chain, incoming) == [deployment.implementation.address.lower()]
    functions = {abi.name for abi in vcs_2016.contract_type.abi if abi.type == "function"}
    hooks = {
        "transferAndCall",
        "transferFromAndCall",
        "approveAndCall",
        "send",
        "operatorSend",
        "authorizeOperator",
    }
    assert not functions & hooks


def test_a_hostile_depositor_and_fee_recipient_get_no_callback_from_the_pool(
    chain, pools, vcs_2016, hostile, deployer, alice
):
    """The pool's only external calls go to the factory and to vintage tokens the factory made (no hooks)
    and the certificate mints without a callback; fees move inside the pool's own ledger. So a hostile
    depositor or fee recipient never runs code during `deposit`, `redeem`, `redeemOldest` or
    `retireFromPool`: the call trees never reach it."""
    cet = pools["CET"]
    cet.setFeeRecipient(hostile, sender=deployer)
    vcs_2016.transfer(hostile, 10 * TONNE, sender=alice)
    hostile.setReentry(cet, cet.deposit.encode_input(vcs_2016.address, TONNE), sender=deployer)
    hostile.setMode(REENTER_AND_BUBBLE, sender=deployer)

    def act(call, *args):
        return hostile.execute(cet, call.encode_input(*args), sender=deployer)

    hostile.execute(vcs_2016, vcs_2016.approve.encode_input(cet.address, 10 * TONNE), sender=deployer)
    receipts = [
        act(cet.deposit, vcs_2016.address, 10 * TONNE),
        act(cet.redeem, vcs_2016.address, 2 * TONNE, ANY_FEE),
        act(cet.redeemOldest, TONNE, ANY_FEE),
        act(
            cet.retireFromPool,
            vcs_2016.address,
            2 * TONNE,
            ANY_FEE,
            hostile.address,
            "Hostile",
            COMPLIANCE,
            "",
        ),
    ]
    deposit(cet, vcs_2016, alice, 5)
    receipts.append(
        cet.redeem(vcs_2016, 4 * TONNE, ANY_FEE, sender=alice)
    )  # pays its fee to the hostile recipient

    for receipt in receipts:
        assert hostile.address.lower() not in callees(chain, receipt)
    assert (hostile.hookCalls(), hostile.reentryAttempts()) == (0, 0)
    # Its own redemption fees came back to it; Alice's fee was added to its balance, nothing else.
    spent = 2 * net_of(cet, 2 * TONNE) + net_of(cet, TONNE)
    assert cet.balanceOf(hostile) == 10 * TONNE - spent + (4 * TONNE - net_of(cet, 4 * TONNE))
    assert cet.totalSupply() <= vcs_2016.balanceOf(cet)


@pytest.mark.parametrize("reentry", ["deposit", "redeem", "redeemOldest", "retireFromPool"])
@pytest.mark.parametrize("entry", ["deposit", "redeem"])
def test_a_hooked_vintage_cannot_reenter_the_pool(hooked_bridge, hostile, deployer, entry, reentry):
    """Defense in depth, against a vintage that *does* call out (`HookedVintageMock`, ERC-777 style): the
    depositor's `tokensToSend` runs inside `deposit`, the redeemer's `tokensReceived` inside `redeem`. Every
    pool entry point is `nonReentrant` (ReentrancyGuardTransient, one transient slot per pool), so any
    reentry into the pool fails with `ReentrancyGuardReentrantCall` while the outer call completes once."""
    pool, vintage = hooked_bridge.pool, hooked_bridge.vintage

    reentries = {
        "deposit": pool.deposit.encode_input(vintage.address, TONNE),
        "redeem": pool.redeem.encode_input(vintage.address, TONNE, ANY_FEE),
        "redeemOldest": pool.redeemOldest.encode_input(TONNE, ANY_FEE),
        "retireFromPool": pool.retireFromPool.encode_input(
            vintage.address, TONNE, ANY_FEE, ZERO, "x", COMPLIANCE, ""
        ),
    }
    hostile.setReentry(pool, reentries[reentry], sender=deployer)
    hostile.setMode(REENTER, sender=deployer)

    if entry == "deposit":
        hostile.execute(pool, pool.deposit.encode_input(vintage.address, 2 * TONNE), sender=deployer)
        expected = (7 * TONNE, 7 * TONNE)  # (pool tokens held, vintage reserve)
    else:
        hostile.execute(pool, pool.redeem.encode_input(vintage.address, 2 * TONNE, ANY_FEE), sender=deployer)
        expected = (3 * TONNE, 5 * TONNE - net_of(pool, 2 * TONNE))

    assert hostile.hookCalls() == 1
    assert (hostile.reentryAttempts(), hostile.reentrySuccesses()) == (1, 0)
    assert hostile.lastReentryReturnData() == GUARD_ERROR
    assert (pool.balanceOf(hostile), vintage.balanceOf(pool)) == expected
    assert pool.totalSupply() <= vintage.balanceOf(pool)


def test_a_hooked_vintage_reentry_reverts_the_outer_call_when_bubbled(hooked_bridge, hostile, deployer):
    pool, vintage = hooked_bridge.pool, hooked_bridge.vintage
    hostile.setReentry(pool, pool.deposit.encode_input(vintage.address, TONNE), sender=deployer)
    hostile.setMode(REENTER_AND_BUBBLE, sender=deployer)

    with reverts_with("ReentrancyGuardReentrantCall"):
        hostile.execute(pool, pool.deposit.encode_input(vintage.address, 2 * TONNE), sender=deployer)
    assert pool.totalSupply() == vintage.balanceOf(pool) == 5 * TONNE


def test_the_hook_does_run_mid_call_so_only_the_guard_stops_the_reentry(
    hooked_bridge, hostile, deployer, bob
):
    """Positive control: from the same hook, an unguarded call into the pool (an ERC-20 `approve`) works."""
    pool, vintage = hooked_bridge.pool, hooked_bridge.vintage
    hostile.setReentry(pool, pool.approve.encode_input(bob.address, 123), sender=deployer)
    hostile.setMode(REENTER, sender=deployer)

    hostile.execute(pool, pool.deposit.encode_input(vintage.address, 2 * TONNE), sender=deployer)

    assert (hostile.reentryAttempts(), hostile.reentrySuccesses()) == (1, 1)
    assert pool.allowance(hostile, bob) == 123


def test_the_transient_guard_allows_sequential_pool_calls_in_one_transaction(
    pools, vcs_2016, hostile, deployer, alice
):
    """The guard is released when each call returns, so a contract may deposit then redeem in one
    transaction; only nesting is refused."""
    cet = pools["CET"]
    vcs_2016.transfer(hostile, 4 * TONNE, sender=alice)
    targets = [vcs_2016, cet, cet]
    calls = [
        vcs_2016.approve.encode_input(cet.address, 4 * TONNE),
        cet.deposit.encode_input(vcs_2016.address, 4 * TONNE),
        cet.redeem.encode_input(vcs_2016.address, 2 * TONNE, ANY_FEE),
    ]
    hostile.executeBatch(targets, calls, sender=deployer)
    assert cet.balanceOf(hostile) == 2 * TONNE
    assert vcs_2016.balanceOf(hostile) == net_of(cet, 2 * TONNE)


# --- pausing -------------------------------------------------------------------------------------------


def test_a_paused_vintage_stops_every_movement_while_other_vintages_keep_working(
    chain, factory, pools, bridge_account, pauser, deployer, vcs_2016, vcs_2018, alice, bob
):
    cet = pools["CET"]
    for vintage in (vcs_2016, vcs_2018):
        deposit(cet, vintage, alice, 10)
        vintage.approve(bob, 5 * TONNE, sender=alice)
        vintage.approve(cet, 5 * TONNE, sender=alice)

    vcs_2016.pause(sender=pauser)
    assert vcs_2016.paused() and not vcs_2018.paused()

    def operations(vintage):
        return {
            "transfer": lambda: vintage.transfer(bob, TONNE, sender=alice),
            "transferFrom": lambda: vintage.transferFrom(alice, bob, TONNE, sender=bob),
            "mint": lambda: mint(factory, bridge_account, vintage, bob, 1),
            "retire": lambda: vintage.retire(TONNE, ZERO, "Alice", COMPLIANCE, "", sender=alice),
            "redeem": lambda: vintage.redeem(TONNE, "VCS-ACCT-4242", sender=alice),
            "pool deposit": lambda: cet.deposit(vintage, TONNE, sender=alice),
            "pool redeem": lambda: cet.redeem(vintage, TONNE, ANY_FEE, sender=alice),
            "pool retire": lambda: cet.retireFromPool(
                vintage, TONNE, ANY_FEE, ZERO, "A", COMPLIANCE, "", sender=alice
            ),
        }

    for name, operation in operations(vcs_2016).items():
        with reverts_with("EnforcedPause", during=name):
            operation()
    # A batch mixing the paused vintage with a live one is refused whole.
    with reverts_with("EnforcedPause"):
        factory.mintBatch(
            [order(vcs_2018, bob, 1, new_lock_id()), order(vcs_2016, bob, 1, new_lock_id())],
            sender=bridge_account,
        )
    # Approvals move nothing, so they still work (permit too).
    vcs_2016.approve(bob, 7 * TONNE, sender=alice)
    deadline = chain.pending_timestamp + 3600
    vcs_2016.permit(
        alice,
        bob,
        8 * TONNE,
        deadline,
        *sign_permit(chain, vcs_2016, alice, bob, 8 * TONNE, deadline),
        sender=bob,
    )
    assert vcs_2016.allowance(alice, bob) == 8 * TONNE

    for operation in operations(vcs_2018).values():
        operation()
    assert vcs_2018.balanceOf(bob) == 3 * TONNE


def test_unpausing_restores_every_operation_and_the_refused_lock(
    factory, pools, bridge_account, pauser, deployer, vcs_2016, alice, bob
):
    cet = pools["CET"]
    deposit(cet, vcs_2016, alice, 10)
    vcs_2016.pause(sender=pauser)
    lock_id = new_lock_id()
    with reverts_with("EnforcedPause"):
        mint(factory, bridge_account, vcs_2016, bob, 1, lock_id)
    assert factory.lockOrder(lock_id) == NO_ORDER
    with reverts_with("EnforcedPause"):
        vcs_2016.pause(sender=pauser)

    vcs_2016.unpause(sender=deployer)  # the factory's admin, never the guardian
    with reverts_with("ExpectedPause"):
        vcs_2016.unpause(sender=deployer)

    mint(factory, bridge_account, vcs_2016, bob, 1, lock_id)
    vcs_2016.transfer(bob, TONNE, sender=alice)
    vcs_2016.approve(bob, TONNE, sender=alice)
    vcs_2016.transferFrom(alice, bob, TONNE, sender=bob)
    vcs_2016.retire(TONNE, ZERO, "Bob", COMPLIANCE, "", sender=bob)
    vcs_2016.redeem(TONNE, "VCS-ACCT-4242", sender=bob)
    deposit(cet, vcs_2016, alice, 1)
    cet.redeem(vcs_2016, TONNE, ANY_FEE, sender=alice)
    cet.retireFromPool(vcs_2016, TONNE, ANY_FEE, ZERO, "Alice", COMPLIANCE, "", sender=alice)
    assert vcs_2016.balanceOf(bob) == TONNE
    assert cet.totalSupply() <= vcs_2016.balanceOf(cet)


@pytest.mark.parametrize("who", ["stranger", "deployer", "bridge_account"])
def test_only_the_factory_guardian_role_pauses_a_vintage(request, factory, vcs_2016, who):
    account = request.getfixturevalue(who)  # "deployer" is the default admin of factory and pools
    with reverts_with(
        "AccessControlUnauthorizedAccount", account=account, neededRole=factory.GUARDIAN_ROLE()
    ):
        vcs_2016.pause(sender=account)
    assert not vcs_2016.paused()


@pytest.mark.parametrize("who", ["pauser", "stranger", "bridge_account"])
def test_only_the_factory_admin_unpauses_a_vintage_not_the_guardian(request, pauser, deployer, vcs_2016, who):
    """A stolen guardian key can stop things, never restart them: un-pausing is the admin's (a timelock)."""
    account = request.getfixturevalue(who)
    vcs_2016.pause(sender=pauser)
    with reverts_with("AccessControlUnauthorizedAccount", account=account, neededRole=ADMIN_ROLE):
        vcs_2016.unpause(sender=account)
    assert vcs_2016.paused()
    vcs_2016.unpause(sender=deployer)
    assert not vcs_2016.paused()


def test_a_pauser_of_another_factory_cannot_pause_this_ones_vintages(
    hooked_bridge, deployer, stranger, vcs_2016
):
    """Each vintage asks its own factory: roles on another bridge's factory count for nothing."""
    hooked_bridge.factory.grantRole(hooked_bridge.factory.GUARDIAN_ROLE(), stranger, sender=deployer)
    hooked_bridge.vintage.pause(sender=stranger)
    with reverts_with(
        "AccessControlUnauthorizedAccount", account=stranger, neededRole=hooked_bridge.factory.GUARDIAN_ROLE()
    ):
        vcs_2016.pause(sender=stranger)
    assert not vcs_2016.paused()


def test_oldest_first_paths_pass_over_a_paused_vintage_and_never_pay_out_of_one(
    pools, pauser, vcs_2016, vcs_2018, alice
):
    cet = pools["CET"]
    deposit(cet, vcs_2016, alice, 5)  # 2016: the oldest
    deposit(cet, vcs_2018, alice, 5)
    vcs_2016.pause(sender=pauser)

    receipt = cet.redeemOldest(TONNE, ANY_FEE, sender=alice)
    assert [e.vintage for e in receipt.events.filter(cet.Redeemed)] == [vcs_2018.address]
    receipt = cet.retireFromPool(ZERO, TONNE, ANY_FEE, ZERO, "Alice", COMPLIANCE, "", sender=alice)
    assert [e.vintage for e in receipt.events.filter(cet.RetiredFromPool)] == [vcs_2018.address]
    assert vcs_2016.balanceOf(cet) == 5 * TONNE

    # With every held vintage paused, nothing is available to the oldest-first paths.
    vcs_2018.pause(sender=pauser)
    with reverts_with("PoolInsufficientReserve", vintage=ZERO, available=0, requested=net_of(cet, TONNE)):
        cet.redeemOldest(TONNE, ANY_FEE, sender=alice)
    assert cet.totalSupply() <= vcs_2016.balanceOf(cet) + vcs_2018.balanceOf(cet)


def test_dust_parked_in_many_older_vintages_does_not_block_oldest_first_redemptions(
    factory, pools, bridge_account, hostile, deployer, vcs_2016, alice
):
    cet = pools["CET"]
    deposit(cet, vcs_2016, alice, 10)  # 10 t of one 2016 vintage: plenty for a 1 t redemption

    # The attacker holds a little of 32 vintages older than it (1984-2015) and parks 1 wei of each.
    dust = []
    for year in range(1984, 2016):
        attrs = attributes(
            labels=Label.CORSIA_ELIGIBLE,
            project_id=f"D{year}",
            start=year * 10000 + 101,
            end=year * 10000 + 1231,
        )
        receipt = factory.createVintage(attrs, sender=bridge_account)
        dust.append(receipt.events.filter(factory.VintageCreated)[0].vintage)
    factory.mintBatch([order(v, hostile, 1, new_lock_id()) for v in dust], sender=bridge_account)
    approve = vcs_2016.approve.encode_input(cet.address, 1)  # same calldata for every vintage
    targets, calls = [], []
    for v in dust:
        targets += [v, cet.address]
        calls += [approve, cet.deposit.encode_input(v, 1)]
    hostile.executeBatch(targets, calls, sender=deployer)
    assert cet.vintages() == [*dust, vcs_2016.address]
    assert cet.balanceOf(hostile) == 32  # nothing lost: 32 wei of pool tokens back

    # Oldest-first takes the dust along (32 wei) and the rest from the 2016 vintage; drained dust leaves
    # the list, so parking it again costs the attacker a deposit per vintage each time.
    receipt = cet.redeemOldest(TONNE, ANY_FEE, sender=alice)
    redeemed = [(e.vintage, e.amount) for e in receipt.events.filter(cet.Redeemed)]
    assert len(redeemed) == 33
    assert sum(amount for _, amount in redeemed) == net_of(cet, TONNE)
    assert cet.vintages() == [vcs_2016.address]
    receipt = cet.retireFromPool(ZERO, TONNE, ANY_FEE, ZERO, "Alice", COMPLIANCE, "", sender=alice)
    assert len(receipt.events.filter(cet.RetiredFromPool)) == 1


# --- default admin rules -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["factory", "certificate", "pool"])
def test_the_default_admin_cannot_be_granted_revoked_or_renounced_in_one_step(
    request, pools, deployer, bob, name
):
    contract = pools["CET"] if name == "pool" else request.getfixturevalue(name)
    with reverts_with("AccessControlEnforcedDefaultAdminRules"):
        contract.grantRole(ADMIN_ROLE, bob, sender=deployer)
    with reverts_with("AccessControlEnforcedDefaultAdminRules"):
        contract.revokeRole(ADMIN_ROLE, deployer, sender=deployer)
    with reverts_with("AccessControlEnforcedDefaultAdminDelay", schedule=0):
        contract.renounceRole(ADMIN_ROLE, deployer, sender=deployer)
    assert contract.defaultAdmin() == deployer.address
    assert not contract.hasRole(ADMIN_ROLE, bob)


def test_the_default_admin_moves_only_in_two_steps_after_the_delay(project, chain, deployer, bob, stranger):
    delay = 2 * 24 * 3600  # what live deployments use
    factory = project.VintageFactory.deploy(delay, deployer, sender=deployer)

    with reverts_with("AccessControlUnauthorizedAccount", account=stranger, neededRole=ADMIN_ROLE):
        factory.beginDefaultAdminTransfer(stranger, sender=stranger)
    receipt = factory.beginDefaultAdminTransfer(bob, sender=deployer)
    new_admin, schedule = factory.pendingDefaultAdmin()
    assert (new_admin, schedule) == (bob.address, receipt.timestamp + delay)

    with reverts_with("AccessControlInvalidDefaultAdmin", defaultAdmin=stranger):
        factory.acceptDefaultAdminTransfer(sender=stranger)
    with reverts_with("AccessControlEnforcedDefaultAdminDelay", schedule=schedule):
        factory.acceptDefaultAdminTransfer(sender=bob)
    assert factory.defaultAdmin() == deployer.address  # still in charge until bob accepts

    chain.pending_timestamp = schedule + 1
    factory.acceptDefaultAdminTransfer(sender=bob)

    assert factory.defaultAdmin() == bob.address
    assert not factory.hasRole(ADMIN_ROLE, deployer)
    with reverts_with("AccessControlUnauthorizedAccount", account=deployer, neededRole=ADMIN_ROLE):
        factory.grantRole(factory.MINTER_ROLE(), deployer, sender=deployer)
    factory.grantRole(factory.MINTER_ROLE(), bob, sender=bob)
    assert factory.hasRole(factory.MINTER_ROLE(), bob)


def test_a_cancelled_admin_transfer_cannot_be_accepted(factory, deployer, bob):
    factory.beginDefaultAdminTransfer(bob, sender=deployer)
    factory.cancelDefaultAdminTransfer(sender=deployer)
    with reverts_with("AccessControlInvalidDefaultAdmin", defaultAdmin=bob):
        factory.acceptDefaultAdminTransfer(sender=bob)
    assert factory.defaultAdmin() == deployer.address
