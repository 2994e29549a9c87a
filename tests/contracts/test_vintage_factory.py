import ape
import pytest
from eth_utils import keccak

from bridge.catalog import REGISTRY_CODES, Registry
from bridge.deployment import LOCAL_MINT_LIMITS, LOCAL_VINTAGE_DELAY
from tests.support.vintages import (
    TONNE,
    attributes,
    b32,
    create_vintage,
    mint,
    new_lock_id,
    order_hash,
    serials_of,
)

ZERO = "0x0000000000000000000000000000000000000000"
NO_ORDER = b"\x00" * 32


def test_deployment_registers_every_registry_and_role(
    factory, certificate, deployment, bridge_account, pauser
):
    for registry, code in REGISTRY_CODES.items():
        assert factory.registryCode(int(registry)) == code
    assert factory.implementation() == deployment.implementation.address
    assert factory.hasRole(factory.MINTER_ROLE(), bridge_account)
    assert factory.hasRole(factory.GUARDIAN_ROLE(), pauser)
    assert certificate.hasRole(certificate.REGISTRAR_ROLE(), bridge_account)
    assert tuple(factory.mintLimits()) == (*LOCAL_MINT_LIMITS, LOCAL_VINTAGE_DELAY)


def test_create_vintage_clones_at_predicted_address_and_catalogues_it(project, factory, bridge_account):
    attrs = attributes()
    predicted = factory.predictVintageAddress(attrs)
    count_before = factory.vintageCount()

    receipt = factory.createVintage(attrs, sender=bridge_account)

    key = factory.vintageKey(attrs)
    event = receipt.events.filter(factory.VintageCreated)[0]
    assert event.key == key
    assert event.vintage == predicted
    assert event.registry == Registry.VERRA
    assert event.projectId == b32("1748")
    assert factory.vintageOf(key) == predicted
    assert factory.isVintage(predicted)
    assert factory.vintageCount() == count_before + 1
    assert factory.vintageAt(count_before) == predicted
    token = project.VintageToken.at(predicted)
    assert token.symbol() == "VCS-1748-2016"
    assert token.factory() == factory.address


def test_second_creation_for_the_same_key_reverts(project, factory, bridge_account):
    first = create_vintage(project, factory, bridge_account)
    attrs = attributes()
    with ape.reverts(factory.FactoryVintageExists, key=factory.vintageKey(attrs), vintage=first.address):
        factory.createVintage(attrs, sender=bridge_account)


def test_key_ignores_attributes_outside_registry_project_and_period(factory):
    assert factory.vintageKey(attributes()) == factory.vintageKey(attributes(labels=1, category=4))
    assert factory.vintageKey(attributes()) != factory.vintageKey(attributes(end=20161230))
    assert factory.vintageKey(attributes()) != factory.vintageKey(attributes(registry=Registry.GOLD_STANDARD))


def test_create_vintage_requires_the_minter_role(factory, stranger):
    with ape.reverts(
        factory.AccessControlUnauthorizedAccount, account=stranger.address, neededRole=factory.MINTER_ROLE()
    ):
        factory.createVintage(attributes(), sender=stranger)


@pytest.mark.parametrize(
    "overrides, error, args",
    [
        ({"registry": 99}, "FactoryInvalidRegistry", {"registry": 99}),
        ({"registry": 0}, "FactoryInvalidRegistry", {"registry": 0}),
        ({"project_id": ""}, "FactoryInvalidAttributes", {"field": "projectId"}),
        ({"start": 20161301}, "FactoryInvalidAttributes", {"field": "vintageStart"}),
        ({"start": 2016}, "FactoryInvalidAttributes", {"field": "vintageStart"}),
        ({"end": 20151231}, "FactoryInvalidAttributes", {"field": "vintageEnd"}),
        ({"end": 20161232}, "FactoryInvalidAttributes", {"field": "vintageEnd"}),
    ],
)
def test_create_vintage_rejects_bad_attributes(factory, bridge_account, overrides, error, args):
    with ape.reverts(getattr(factory, error), **args):
        factory.createVintage(attributes(**overrides), sender=bridge_account)


def test_mint_names_the_lock_and_serials_in_its_event(project, factory, bridge_account, alice):
    vintage = create_vintage(project, factory, bridge_account)
    lock_id = new_lock_id()
    serial_hash = keccak(text="VCS-VCU-262-VER-ID-14-1748-01012016-31122016-0 1-100")

    receipt = factory.mint(vintage, alice, 100 * TONNE, lock_id, serial_hash, sender=bridge_account)

    event = receipt.events.filter(factory.Tokenized)[0]
    assert (event.lockId, event.vintage, event.to) == (lock_id, vintage.address, alice.address)
    assert (event.amount, event.serialHash) == (100 * TONNE, serial_hash)
    transfer = receipt.events.filter(vintage.Transfer)[0]
    assert (transfer["from"], transfer.to, transfer.value) == (ZERO, alice.address, 100 * TONNE)
    assert vintage.balanceOf(alice) == 100 * TONNE
    assert vintage.totalSupply() == 100 * TONNE
    assert factory.lockOrder(lock_id) == order_hash(vintage, alice, 100 * TONNE, lock_id, serial_hash)


def test_a_lock_id_cannot_mint_twice(project, factory, bridge_account, alice, bob):
    vintage = create_vintage(project, factory, bridge_account)
    other = create_vintage(project, factory, bridge_account, project_id="1749")
    lock_id = new_lock_id()
    mint(factory, bridge_account, vintage, alice, 5, lock_id)
    first = order_hash(vintage, alice, 5 * TONNE, lock_id, serials_of(lock_id))

    with ape.reverts(factory.FactoryLockAlreadyMinted, lockId=lock_id, orderHash=first):
        mint(factory, bridge_account, vintage, bob, 5, lock_id)
    # Not on another vintage either: lock ids are unique across the whole bridge.
    with ape.reverts(factory.FactoryLockAlreadyMinted, lockId=lock_id, orderHash=first):
        mint(factory, bridge_account, other, bob, 5, lock_id)
    assert vintage.totalSupply() == 5 * TONNE
    assert other.totalSupply() == 0


def test_mint_requires_the_minter_role(project, factory, bridge_account, stranger):
    vintage = create_vintage(project, factory, bridge_account)
    with ape.reverts(
        factory.AccessControlUnauthorizedAccount, account=stranger.address, neededRole=factory.MINTER_ROLE()
    ):
        factory.mint(vintage, stranger, TONNE, new_lock_id(), b"\x01" * 32, sender=stranger)


def test_mint_refuses_fractions_zero_and_unknown_tokens(project, factory, bridge_account, alice, deployment):
    vintage = create_vintage(project, factory, bridge_account)
    for amount in (0, TONNE // 2, TONNE + 1):
        with ape.reverts(factory.FactoryInvalidMintAmount, amount=amount):
            factory.mint(vintage, alice, amount, new_lock_id(), b"\x01" * 32, sender=bridge_account)
    with ape.reverts(factory.FactoryZeroLockId):
        factory.mint(vintage, alice, TONNE, b"\x00" * 32, b"\x01" * 32, sender=bridge_account)
    impl = deployment.implementation.address
    with ape.reverts(factory.FactoryUnknownVintage, vintage=impl):
        factory.mint(impl, alice, TONNE, new_lock_id(), b"\x01" * 32, sender=bridge_account)


def test_only_the_factory_mints_on_a_vintage(project, factory, bridge_account, alice):
    vintage = create_vintage(project, factory, bridge_account)
    with ape.reverts(vintage.VintageUnauthorizedMinter, caller=bridge_account.address):
        vintage.mint(alice, TONNE, sender=bridge_account)


def test_mint_batch_mints_every_order_or_none(project, factory, bridge_account, alice, bob):
    vintage = create_vintage(project, factory, bridge_account)
    orders = [
        (vintage.address, alice.address, 3 * TONNE, new_lock_id(), b"\x01" * 32),
        (vintage.address, bob.address, 4 * TONNE, new_lock_id(), b"\x02" * 32),
    ]
    receipt = factory.mintBatch(orders, sender=bridge_account)
    assert [e.lockId for e in receipt.events.filter(factory.Tokenized)] == [o[3] for o in orders]
    assert vintage.balanceOf(alice) == 3 * TONNE
    assert vintage.balanceOf(bob) == 4 * TONNE

    # One reused lock makes the whole batch revert.
    fresh = (vintage.address, alice.address, TONNE, new_lock_id(), b"\x03" * 32)
    with ape.reverts(factory.FactoryLockAlreadyMinted, lockId=orders[0][3], orderHash=order_hash(*orders[0])):
        factory.mintBatch([fresh, orders[0]], sender=bridge_account)
    assert factory.lockOrder(fresh[3]) == NO_ORDER
    assert vintage.totalSupply() == 7 * TONNE


def test_register_registry_is_admin_only_once_and_validated(factory, deployer, stranger):
    with ape.reverts(
        factory.AccessControlUnauthorizedAccount, account=stranger.address, neededRole=b"\x00" * 32
    ):
        factory.registerRegistry(50, "PLAN", sender=stranger)
    with ape.reverts(factory.FactoryRegistryAlreadyRegistered, registry=Registry.VERRA):
        factory.registerRegistry(int(Registry.VERRA), "VERRA", sender=deployer)
    with ape.reverts(factory.FactoryInvalidRegistry, registry=51):
        factory.registerRegistry(51, "", sender=deployer)
    with ape.reverts(factory.FactoryInvalidRegistry, registry=0):
        factory.registerRegistry(0, "ZERO", sender=deployer)

    receipt = factory.registerRegistry(50, "PLAN", sender=deployer)
    event = receipt.events.filter(factory.RegistryRegistered)[0]
    assert (event.registry, event.code) == (50, "PLAN")
    assert factory.registryCode(50) == "PLAN"


def test_set_implementation_checks_the_implementation_belongs_here(
    project, factory, certificate, deployer, stranger
):
    foreign = project.VintageToken.deploy(stranger.address, certificate.address, sender=deployer)
    with ape.reverts(
        factory.FactoryImplementationMismatch, implementation=foreign.address, itsFactory=stranger.address
    ):
        factory.setImplementation(foreign, sender=deployer)

    own = project.VintageToken.deploy(factory.address, certificate.address, sender=deployer)
    with ape.reverts(
        factory.AccessControlUnauthorizedAccount, account=stranger.address, neededRole=b"\x00" * 32
    ):
        factory.setImplementation(own, sender=stranger)
    receipt = factory.setImplementation(own, sender=deployer)
    assert receipt.events.filter(factory.ImplementationSet)[0].implementation == own.address
    assert factory.implementation() == own.address


def test_create_vintage_needs_an_implementation(project, deployer, bridge_account):
    bare = project.VintageFactory.deploy(0, deployer.address, sender=deployer)
    bare.grantRole(bare.MINTER_ROLE(), bridge_account, sender=deployer)
    with ape.reverts(bare.FactoryImplementationNotSet):
        bare.createVintage(attributes(), sender=bridge_account)
