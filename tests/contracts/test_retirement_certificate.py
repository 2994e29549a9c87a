import base64
import json

import ape
import pytest

from bridge.deployment import MINIMUM_RETIREMENT
from tests.support.vintages import TONNE, create_vintage, details_hash, mint

ZERO = "0x0000000000000000000000000000000000000000"
COMPLIANCE = 2


@pytest.fixture
def retired(project, factory, bridge_account, alice):
    vintage = create_vintage(project, factory, bridge_account)
    mint(factory, bridge_account, vintage, alice, 10)
    receipt = vintage.retire(
        3 * TONNE + TONNE // 2, ZERO, 'Fabrik "Nord" GmbH', COMPLIANCE, "CORSIA 2024", sender=alice
    )
    return vintage, receipt.events.filter(vintage.Retired)[0].certificateId


def test_issue_records_the_retirement(certificate, retired, alice, chain):
    vintage, certificate_id = retired
    assert certificate.totalIssued() >= certificate_id
    record = certificate.retirement(certificate_id)
    assert record.vintage == vintage.address
    assert record.amount == 3 * TONNE + TONNE // 2
    assert record.reason == COMPLIANCE
    assert record.detailsHash == details_hash('Fabrik "Nord" GmbH', "CORSIA 2024")
    assert 0 < record.retiredAt <= chain.pending_timestamp
    assert certificate.ownerOf(certificate_id) == alice.address


def test_issue_emits_certificate_issued(project, factory, bridge_account, certificate, alice):
    vintage = create_vintage(project, factory, bridge_account)
    mint(factory, bridge_account, vintage, alice, 1)
    receipt = vintage.retire(TONNE, ZERO, "", COMPLIANCE, "", sender=alice)
    event = receipt.events.filter(certificate.CertificateIssued)[0]
    assert (event.vintage, event.owner, event.amount, event.reason) == (
        vintage.address,
        alice.address,
        TONNE,
        COMPLIANCE,
    )


def test_only_factory_vintages_issue_certificates(certificate, stranger):
    fake = (stranger.address, 0, 0, stranger.address, TONNE, details_hash("me", "free credits"), "")
    with ape.reverts(certificate.CertificateUnauthorizedIssuer, caller=stranger.address):
        certificate.issue(stranger, fake, sender=stranger)


def test_registrar_confirms_once_with_the_registry_reference(certificate, retired, bridge_account):
    _, certificate_id = retired
    receipt = certificate.confirmRegistryRetirement(
        certificate_id, "VCS-RET-2026-000123", sender=bridge_account
    )
    event = receipt.events.filter(certificate.RegistryRetirementConfirmed)[0]
    assert (event.certificateId, event.registryReference) == (certificate_id, "VCS-RET-2026-000123")
    assert certificate.retirement(certificate_id).registryReference == "VCS-RET-2026-000123"

    with ape.reverts(certificate.CertificateAlreadyConfirmed, certificateId=certificate_id):
        certificate.confirmRegistryRetirement(certificate_id, "OTHER", sender=bridge_account)


def test_confirmation_is_registrar_only_and_validated(certificate, retired, bridge_account, stranger):
    _, certificate_id = retired
    role = certificate.REGISTRAR_ROLE()
    with ape.reverts(certificate.AccessControlUnauthorizedAccount, account=stranger.address, neededRole=role):
        certificate.confirmRegistryRetirement(certificate_id, "REF", sender=stranger)
    with ape.reverts(certificate.CertificateEmptyReference):
        certificate.confirmRegistryRetirement(certificate_id, "", sender=bridge_account)
    with ape.reverts(certificate.ERC721NonexistentToken, tokenId=10**9):
        certificate.confirmRegistryRetirement(10**9, "REF", sender=bridge_account)


def test_token_uri_is_json_committing_to_the_texts(certificate, retired, bridge_account, alice):
    vintage, certificate_id = retired
    certificate.confirmRegistryRetirement(certificate_id, 'GS-R-77 "B"', sender=bridge_account)
    uri = certificate.tokenURI(certificate_id)
    assert uri.startswith("data:application/json;base64,")
    metadata = json.loads(base64.b64decode(uri.split(",", 1)[1]))
    values = {a["trait_type"]: a["value"] for a in metadata["attributes"]}
    assert metadata["name"] == f"Carbon retirement certificate #{certificate_id}"
    assert metadata["description"] == f"3.5 t CO2e retired for {alice.address}"
    assert values["amount"] == "3.5"
    assert values["vintage"] == vintage.address
    assert values["registryReference"] == 'GS-R-77 "B"'
    assert values["detailsHash"] == "0x" + details_hash('Fabrik "Nord" GmbH', "CORSIA 2024").hex()


def test_unknown_certificates_have_no_retirement(certificate):
    with ape.reverts(certificate.ERC721NonexistentToken, tokenId=10**9):
        certificate.retirement(10**9)
    with ape.reverts(certificate.ERC721NonexistentToken, tokenId=10**9):
        certificate.tokenURI(10**9)


def test_the_admin_corrects_a_wrong_reference_once(certificate, retired, bridge_account, deployer):
    _, certificate_id = retired
    certificate.confirmRegistryRetirement(certificate_id, "VCS-RET-2026-00O123", sender=bridge_account)
    assert not certificate.registryReferenceCorrected(certificate_id)

    receipt = certificate.correctRegistryReference(certificate_id, "VCS-RET-2026-000123", sender=deployer)

    event = receipt.events.filter(certificate.RegistryReferenceCorrected)[0]
    assert (event.certificateId, event.previous, event.corrected) == (
        certificate_id,
        "VCS-RET-2026-00O123",
        "VCS-RET-2026-000123",
    )
    assert certificate.retirement(certificate_id).registryReference == "VCS-RET-2026-000123"
    assert certificate.registryReferenceCorrected(certificate_id)
    # Final now: neither a second correction nor the registrar changes it.
    with ape.reverts(certificate.CertificateAlreadyCorrected, certificateId=certificate_id):
        certificate.correctRegistryReference(certificate_id, "VCS-RET-2026-000124", sender=deployer)
    with ape.reverts(certificate.CertificateAlreadyConfirmed, certificateId=certificate_id):
        certificate.confirmRegistryRetirement(certificate_id, "VCS-RET-2026-000125", sender=bridge_account)
    assert certificate.retirement(certificate_id).registryReference == "VCS-RET-2026-000123"


def test_a_correction_is_admin_only_and_needs_a_confirmed_changed_reference(
    certificate, retired, bridge_account, deployer
):
    _, certificate_id = retired
    with ape.reverts(certificate.CertificateNotConfirmed, certificateId=certificate_id):
        certificate.correctRegistryReference(certificate_id, "REF", sender=deployer)
    certificate.confirmRegistryRetirement(certificate_id, "REF", sender=bridge_account)

    # The registrar's key writes references but cannot rewrite one.
    with ape.reverts(
        certificate.AccessControlUnauthorizedAccount, account=bridge_account.address, neededRole=b"\x00" * 32
    ):
        certificate.correctRegistryReference(certificate_id, "REF-2", sender=bridge_account)
    with ape.reverts(certificate.CertificateEmptyReference):
        certificate.correctRegistryReference(certificate_id, "", sender=deployer)
    with ape.reverts(certificate.CertificateReferenceUnchanged, certificateId=certificate_id):
        certificate.correctRegistryReference(certificate_id, "REF", sender=deployer)
    with ape.reverts(certificate.ERC721NonexistentToken, tokenId=10**9):
        certificate.correctRegistryReference(10**9, "REF", sender=deployer)
    assert not certificate.registryReferenceCorrected(certificate_id)


def test_a_retirement_below_the_minimum_reverts_and_burns_nothing(
    project, factory, bridge_account, certificate, alice
):
    vintage = create_vintage(project, factory, bridge_account)
    mint(factory, bridge_account, vintage, alice, 2)
    minimum = certificate.minimumRetirement()
    assert minimum == MINIMUM_RETIREMENT == TONNE // 1000
    issued = certificate.totalIssued()

    with ape.reverts(certificate.CertificateBelowMinimum, amount=minimum - 1, minimum=minimum):
        vintage.retire(minimum - 1, ZERO, "Alice", COMPLIANCE, "", sender=alice)
    with ape.reverts(certificate.CertificateBelowMinimum, amount=1, minimum=minimum):
        vintage.retire(1, ZERO, "Alice", COMPLIANCE, "", sender=alice)
    assert vintage.balanceOf(alice) == 2 * TONNE
    assert certificate.totalIssued() == issued

    vintage.retire(minimum, ZERO, "Alice", COMPLIANCE, "", sender=alice)
    assert vintage.balanceOf(alice) == 2 * TONNE - minimum
    assert certificate.totalIssued() == issued + 1


def test_the_admin_sets_the_minimum_up_to_one_tonne(certificate, deployer, stranger):
    with ape.reverts(
        certificate.AccessControlUnauthorizedAccount, account=stranger.address, neededRole=b"\x00" * 32
    ):
        certificate.setMinimumRetirement(0, sender=stranger)
    with ape.reverts(certificate.CertificateMinimumTooHigh, minimum=TONNE + 1, ceiling=TONNE):
        certificate.setMinimumRetirement(TONNE + 1, sender=deployer)
    try:
        receipt = certificate.setMinimumRetirement(TONNE, sender=deployer)
        event = receipt.events.filter(certificate.MinimumRetirementChanged)[0]
        assert (event.previous, event.minimum) == (MINIMUM_RETIREMENT, TONNE)
        assert certificate.minimumRetirement() == TONNE
        # Only a change is an event.
        assert not certificate.setMinimumRetirement(TONNE, sender=deployer).events
    finally:
        certificate.setMinimumRetirement(MINIMUM_RETIREMENT, sender=deployer)
    assert certificate.minimumRetirement() == MINIMUM_RETIREMENT
