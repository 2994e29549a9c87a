import ape
import pytest

from bridge.catalog import Category, Label, Registry
from tests.support.vintages import TONNE, b32, create_vintage, details_hash, mint, reverts_named, sign_permit

ZERO = "0x0000000000000000000000000000000000000000"
ADMIN_ROLE = b"\x00" * 32
ENVIRONMENTAL_BENEFIT, ON_BEHALF, COMPLIANCE, ECOLOGICAL_DAMAGE, OTHER = range(5)


@pytest.fixture
def vintage(project, factory, bridge_account, alice):
    token = create_vintage(
        project,
        factory,
        bridge_account,
        labels=Label.CORSIA_ELIGIBLE | Label.ICVCM_CCP,
    )
    mint(factory, bridge_account, token, alice, 100)
    return token


def test_attributes_are_readable_on_chain(vintage):
    a = vintage.attributes()
    assert a.registry == Registry.VERRA
    assert a.category == Category.FORESTRY
    assert a.sectoralScope == 14
    assert a.labels == Label.CORSIA_ELIGIBLE | Label.ICVCM_CCP
    assert (a.vintageStart, a.vintageEnd) == (20160101, 20161231)
    assert a.country == b"ID"
    assert a.projectId == b32("1748")
    assert a.methodology == b32("VM0007")


def test_name_and_symbol_derive_from_attributes(project, factory, bridge_account, vintage):
    assert vintage.symbol() == "VCS-1748-2016"
    assert vintage.name() == "Carbon Vintage VCS-1748-2016"
    assert vintage.decimals() == 18
    spanning = create_vintage(
        project,
        factory,
        bridge_account,
        registry=Registry.GOLD_STANDARD,
        project_id="GS1247",
        start=20150601,
        end=20160531,
    )
    assert spanning.symbol() == "GS-GS1247-2015-2016"


def test_transfer_moves_tokens(vintage, alice, bob):
    receipt = vintage.transfer(bob, 10 * TONNE, sender=alice)
    event = receipt.events.filter(vintage.Transfer)[0]
    assert (event["from"], event.to, event.value) == (alice.address, bob.address, 10 * TONNE)
    assert vintage.balanceOf(bob) == 10 * TONNE
    assert vintage.balanceOf(alice) == 90 * TONNE


def test_transfer_more_than_balance_reverts(vintage, alice, bob):
    with ape.reverts(vintage.ERC20InsufficientBalance, sender=bob.address, balance=0, needed=1):
        vintage.transfer(alice, 1, sender=bob)


def test_retire_burns_and_issues_a_certificate(vintage, certificate, alice, bob):
    supply_before = vintage.totalSupply()
    receipt = vintage.retire(TONNE // 4, bob, "Acme Airlines", ON_BEHALF, "Flights 2026 Q1", sender=alice)

    retired = receipt.events.filter(vintage.Retired)[0]
    certificate_id = retired.certificateId
    assert (retired.holder, retired.beneficiary, retired.amount) == (alice.address, bob.address, TONNE // 4)
    assert (retired.reason, retired.beneficiaryName, retired.reasonText) == (
        ON_BEHALF,
        "Acme Airlines",
        "Flights 2026 Q1",
    )
    assert vintage.totalSupply() == supply_before - TONNE // 4
    assert vintage.balanceOf(alice) == 100 * TONNE - TONNE // 4
    assert certificate.ownerOf(certificate_id) == bob.address
    record = certificate.retirement(certificate_id)
    assert record.vintage == vintage.address
    assert record.amount == TONNE // 4
    assert record.beneficiary == bob.address
    assert record.detailsHash == details_hash("Acme Airlines", "Flights 2026 Q1")
    assert record.registryReference == ""


def test_retire_without_beneficiary_certifies_the_holder(vintage, certificate, alice):
    receipt = vintage.retire(TONNE, ZERO, "", ENVIRONMENTAL_BENEFIT, "", sender=alice)
    certificate_id = receipt.events.filter(vintage.Retired)[0].certificateId
    assert certificate.ownerOf(certificate_id) == alice.address
    assert certificate.retirement(certificate_id).beneficiary == alice.address


def test_ecological_damage_compensation_needs_a_case_reference(vintage, alice):
    with ape.reverts(vintage.VintageCaseReferenceRequired):
        vintage.retire(TONNE, ZERO, "Forestry Bureau", ECOLOGICAL_DAMAGE, "", sender=alice)
    receipt = vintage.retire(
        TONNE, ZERO, "Forestry Bureau", ECOLOGICAL_DAMAGE, "(2025) Min 0702 Xing Chu No. 12", sender=alice
    )
    assert receipt.events.filter(vintage.Retired)[0].reason == ECOLOGICAL_DAMAGE


def test_retire_rejects_zero_excess_and_long_texts(vintage, alice, bob):
    with ape.reverts(vintage.VintageZeroAmount):
        vintage.retire(0, ZERO, "", COMPLIANCE, "", sender=alice)
    with ape.reverts(vintage.ERC20InsufficientBalance, sender=bob.address, balance=0, needed=TONNE):
        vintage.retire(TONNE, ZERO, "", COMPLIANCE, "", sender=bob)
    with ape.reverts(vintage.VintageTextTooLong, length=129, maxLength=128):
        vintage.retire(TONNE, ZERO, "x" * 129, COMPLIANCE, "", sender=alice)
    with ape.reverts(vintage.VintageTextTooLong, length=513, maxLength=512):
        vintage.retire(TONNE, ZERO, "", COMPLIANCE, "y" * 513, sender=alice)


def test_redeem_burns_whole_tonnes_for_a_registry_account(vintage, alice):
    receipt = vintage.redeem(3 * TONNE, "VCS-ACCT-4242", sender=alice)
    event = receipt.events.filter(vintage.RedemptionRequested)[0]
    assert (event.holder, event.amount, event.registryAccount) == (alice.address, 3 * TONNE, "VCS-ACCT-4242")
    assert vintage.balanceOf(alice) == 97 * TONNE
    assert vintage.totalSupply() == 97 * TONNE


def test_redeem_rejects_fractions_zero_and_missing_account(vintage, alice, bob):
    with ape.reverts(vintage.VintageRedemptionNotWholeTonnes, amount=TONNE + 1):
        vintage.redeem(TONNE + 1, "VCS-ACCT-4242", sender=alice)
    with ape.reverts(vintage.VintageZeroAmount):
        vintage.redeem(0, "VCS-ACCT-4242", sender=alice)
    with ape.reverts(vintage.VintageEmptyRegistryAccount):
        vintage.redeem(TONNE, "", sender=alice)
    with ape.reverts(vintage.VintageTextTooLong, length=129, maxLength=128):
        vintage.redeem(TONNE, "a" * 129, sender=alice)
    with ape.reverts(vintage.ERC20InsufficientBalance, sender=bob.address, balance=0, needed=TONNE):
        vintage.redeem(TONNE, "VCS-ACCT-4242", sender=bob)


def test_the_guardian_pauses_every_movement(factory, bridge_account, vintage, pauser, deployer, alice, bob):
    receipt = vintage.pause(sender=pauser)
    assert receipt.events.filter(vintage.Paused)[0].account == pauser.address
    assert vintage.paused()
    with ape.reverts(vintage.EnforcedPause):
        vintage.transfer(bob, TONNE, sender=alice)
    with ape.reverts(vintage.EnforcedPause):
        vintage.retire(TONNE, ZERO, "", COMPLIANCE, "", sender=alice)
    with ape.reverts(vintage.EnforcedPause):
        vintage.redeem(TONNE, "VCS-ACCT-4242", sender=alice)
    with reverts_named("EnforcedPause"):
        mint(factory, bridge_account, vintage, bob, 1)

    receipt = vintage.unpause(sender=deployer)  # the factory's admin
    assert receipt.events.filter(vintage.Unpaused)[0].account == deployer.address
    vintage.transfer(bob, TONNE, sender=alice)
    assert vintage.balanceOf(bob) == TONNE


def test_pause_requires_the_factory_guardian_role(factory, vintage, alice, deployer):
    role = factory.GUARDIAN_ROLE()
    for account in (alice, deployer):
        with ape.reverts(vintage.AccessControlUnauthorizedAccount, account=account.address, neededRole=role):
            vintage.pause(sender=account)


def test_only_the_factory_admin_unpauses_not_the_guardian(vintage, pauser, deployer, alice):
    vintage.pause(sender=pauser)
    for account in (pauser, alice):
        with ape.reverts(
            vintage.AccessControlUnauthorizedAccount, account=account.address, neededRole=ADMIN_ROLE
        ):
            vintage.unpause(sender=account)
    assert vintage.paused()
    vintage.unpause(sender=deployer)
    assert not vintage.paused()


def test_permit_sets_allowance_from_a_signature(chain, vintage, alice, bob):
    deadline = chain.pending_timestamp + 3600
    nonce = vintage.nonces(alice)
    v, r, s = sign_permit(chain, vintage, alice, bob, 5 * TONNE, deadline)

    vintage.permit(alice, bob, 5 * TONNE, deadline, v, r, s, sender=bob)

    assert vintage.allowance(alice, bob) == 5 * TONNE
    assert vintage.nonces(alice) == nonce + 1
    vintage.transferFrom(alice, bob, 5 * TONNE, sender=bob)
    assert vintage.balanceOf(bob) == 5 * TONNE


def test_certificate_and_factory_are_exposed(vintage, factory, certificate):
    assert vintage.factory() == factory.address
    assert vintage.certificate() == certificate.address


def test_implementation_cannot_be_used_as_a_vintage(deployment, alice):
    # The implementation carries no clone arguments, so it has no attributes to misuse.
    with ape.reverts():
        deployment.implementation.attributes()
