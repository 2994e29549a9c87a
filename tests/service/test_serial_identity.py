"""One physical unit, one lock: re-spelled serials land in the units' numbering space, over HTTP.

Each registry guarantees some fields unique (Verra's unit numbers registry-wide, a Gold Standard or
ACR batch's units within the batch, an opaque id's issued quantity); a serial spelled another way
but naming the same units is refused with 409 naming the first lock, and a block whose batch is
described otherwise than the first time is refused with 422 naming the field and both values.
"""

from __future__ import annotations

import itertools
from typing import Any

from eth_abi import encode
from eth_utils import keccak

from bridge.units import TONNE
from tests.support.payloads import ALICE, tokenization
from tests.support.service import BridgeUnderTest, bridge_and_wait, cli

_keys = itertools.count()

GS_PROJECT = {"name": "Improved cookstoves, Uganda", "category": "household_devices", "sectoral_scope": 3}
ACR_PROJECT = {"name": "Landfill gas, US", "category": "waste", "sectoral_scope": 13}
J_CREDIT_PROJECT = {"project_id": "JCL-0042", "name": "Forest management, Gifu", "category": "forestry"}


def verra(batch: int, start: int, end: int, *, project: int = 1340, label: int = 1) -> str:
    return f"{batch}-{start}-{end}-VCS-VCU-1507-VER-ET-14-{project}-01012020-31122020-{label}"


def key_for(bridge: BridgeUnderTest, registries: str) -> str:
    created = cli(
        "keys", "create", "--operator", f"desk {next(_keys)}", "--registries", registries, env=bridge.env
    )
    assert created.returncode == 0, created.stderr
    return created.stdout.split("api key:")[1].strip()


def post(bridge: BridgeUnderTest, body: dict[str, Any], key: str | None = None) -> Any:
    return bridge.post("/tokenizations", body, key=key)


def locks_total(bridge: BridgeUnderTest) -> int:
    return int(bridge.get("/locks").json()["total"])


def assert_refused_naming(response: Any, first: dict[str, Any]) -> None:
    assert response.status_code == 409, response.text
    conflict = response.json()["detail"]["conflicting_lock"]
    assert conflict["tokenization_id"] == first["id"], conflict


def test_a_verra_block_respelled_any_way_a_registry_or_operator_would_is_refused_naming_the_first_lock(
    bridge: BridgeUnderTest,
) -> None:
    first = post(bridge, tokenization(verra(19385, 3_000_001, 3_000_100)))
    assert first.status_code == 201, first.text
    before = locks_total(bridge)
    respellings = [
        verra(19399, 3_000_050, 3_000_060),  # another batch id: Verra numbers units registry-wide
        verra(19385, 3_000_100, 3_000_200, label=0),  # the label flag, which may change after issuance
        verra(20001, 3_000_001, 3_000_100, project=1341),  # another project and batch, same units
        "7001-3000090-3000110-VCU-003-APX-ET-14-1340-01012020-31122020-1",  # legacy APX form
    ]
    for serial in respellings:
        assert_refused_naming(post(bridge, tokenization(serial)), first.json())
    assert locks_total(bridge) == before


def test_a_verra_block_of_a_known_batch_described_otherwise_is_refused_naming_the_field(
    bridge: BridgeUnderTest,
) -> None:
    first = post(bridge, tokenization(verra(19501, 3_100_001, 3_100_010)))
    assert first.status_code == 201, first.text
    # Units next to the first block, of the same batch, but another project: not that batch.
    response = post(bridge, tokenization(verra(19501, 3_100_011, 3_100_020, project=1341)))
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert (detail["field"], detail["serial_field"]) == ("serial", "project_id")
    assert (detail["given"], detail["known"]) == ("1341", "1340")
    # The label flag may differ: registries add labels after issuance.
    labelled = post(bridge, tokenization(verra(19501, 3_100_011, 3_100_020, label=0)))
    assert labelled.status_code == 201, labelled.text


def test_a_gold_standard_block_respelled_is_refused_and_another_vintage_year_of_the_batch_is_422(
    bridge: BridgeUnderTest,
) -> None:
    body = {"registry": "gold_standard", "project": GS_PROJECT}
    first = post(bridge, tokenization("GS1-1-UG-GS11236-16-2024-30307-1-19149", **body))
    assert first.status_code == 201, first.text
    # The project id as registries printed it before 2013, without the GS prefix.
    again = post(bridge, tokenization("GS1-1-UG-11236-16-2024-30307-100-200", **body))
    assert_refused_naming(again, first.json())
    other_year = post(bridge, tokenization("GS1-1-UG-GS11236-16-2023-30307-19150-19200", **body))
    assert other_year.status_code == 422, other_year.text
    assert other_year.json()["detail"]["serial_field"] == "vintage_year"
    # Units restart at 1 in each batch: the same numbers in another batch are other units.
    other_batch = post(bridge, tokenization("GS1-1-UG-GS11236-16-2024-30308-1-100", **body))
    assert other_batch.status_code == 201, other_batch.text


def test_an_acr_block_in_the_dash_form_with_a_leading_zero_is_refused(bridge: BridgeUnderTest) -> None:
    key = key_for(bridge, "acr")
    body = {"registry": "acr", "project": ACR_PROJECT}
    first = post(bridge, tokenization("ACR-US-407-2025-2899-1 to 500", **body), key=key)
    assert first.status_code == 201, first.text
    assert first.json()["vintage"]["project_id"] == "ACR407"
    again = post(bridge, tokenization("ACR-US-0407-2025-2899-450-460", **body), key=key)
    assert_refused_naming(again, first.json())


def test_the_serial_hash_commits_to_the_units_identity_not_the_spelling(bridge: BridgeUnderTest) -> None:
    created = post(bridge, tokenization(verra(19601, 3_200_001, 3_200_005))).json()
    identity = created["serial_identity"]
    assert identity["registry_id"] == 1 and identity["ranges"] == [[3_200_001, 3_200_005]]
    preimage = encode(
        ["uint8", "string", "(uint256,uint256)[]"],
        [identity["registry_id"], identity["space"], [tuple(r) for r in identity["ranges"]]],
    )
    assert created["serial_hash"] == "0x" + keccak(preimage).hex()
    locks = bridge.get("/locks", registry="verra").json()["items"]
    assert {lock["space"] for lock in locks} == {identity["space"]}


def test_opaque_ids_lock_at_most_their_issued_quantity_whatever_the_spelling(bridge: BridgeUnderTest) -> None:
    key = key_for(bridge, "j_credit")

    def j_credit(serial: str, quantity: int, **extra: Any) -> Any:
        body = tokenization(
            serial,
            registry="j_credit",
            quantity=quantity,
            project=J_CREDIT_PROJECT,
            vintage_start="2023-04-01",
            vintage_end="2024-03-31",
        )
        return post(bridge, {**body, **extra}, key=key)

    unstated = j_credit("JCL 0042-2023-A", 600)
    assert unstated.status_code == 422 and unstated.json()["detail"]["field"] == "issued_quantity"
    first = j_credit("JCL 0042-2023-A", 600, issued_quantity=1000)
    assert first.status_code == 201, first.text
    assert first.json()["serial_identity"]["ranges"] == [[1, 600]]

    # Case, full-width digits, a Unicode dash and blanks: the same id.
    respelled = " jcl  ００42\u20102023\u2013a "
    too_many = j_credit(respelled, 500)
    assert too_many.status_code == 409 and too_many.json()["detail"]["free"] == 400, too_many.text
    # The id names one issuance of one project and vintage: it cannot back another vintage token.
    other_vintage = j_credit(respelled, 100, vintage_start="2019-04-01", vintage_end="2020-03-31")
    assert other_vintage.status_code == 422, other_vintage.text
    assert other_vintage.json()["detail"]["serial_field"] == "vintage_start"
    other_project = j_credit(respelled, 100, project={**J_CREDIT_PROJECT, "project_id": "JCL-0043"})
    assert other_project.json()["detail"]["serial_field"] == "project_id", other_project.text
    otherwise_issued = j_credit(respelled, 100, issued_quantity=2000)
    assert otherwise_issued.status_code == 422
    assert otherwise_issued.json()["detail"]["known"] == 1000
    chosen_range = j_credit("JCL 0042-2023-A#601-700", 100)
    assert chosen_range.status_code == 422 and chosen_range.json()["detail"]["serial_field"] == "range"
    rest = j_credit(respelled, 400)
    assert rest.status_code == 201, rest.text
    assert rest.json()["serial_identity"]["ranges"] == [[601, 1000]]
    assert j_credit("JCL 0042-2023-A", 1).status_code == 409


def test_later_vintages_of_a_project_may_carry_other_labels(bridge: BridgeUnderTest) -> None:
    corsia = {**tokenization("")["project"], "labels": ["ccb_certified", "corsia_eligible"]}
    other_vintage = "19701-3300001-3300010-VCS-VCU-1507-VER-ET-14-1340-01012021-31122021-1"
    created = post(bridge, tokenization(other_vintage, project=corsia))
    assert created.status_code == 201, created.text
    assert created.json()["vintage"]["labels"] == ["ccb_certified", "corsia_eligible"]
    # A vintage already bridged keeps its labels: they are immutable on its token.
    same_vintage = post(bridge, tokenization(verra(19702, 3_300_011, 3_300_020), project=corsia))
    assert same_vintage.status_code == 422 and same_vintage.json()["detail"]["field"] == "project.labels"


def test_released_units_are_owed_to_the_redeemer_until_the_registry_confirms_the_transfer(
    bridge: BridgeUnderTest,
) -> None:
    # A vintage of its own, so that the redemption (oldest lock first) releases exactly this block.
    serial = verra(19801, 3_400_001, 3_400_004, project=1999)
    minted = bridge_and_wait(bridge, tokenization(serial))
    token = bridge.chain.vintage(minted["vintage"]["token_address"])
    receipt = bridge.transact(ALICE, token.functions.redeem(4 * TONNE, "ET-VCS-ACCOUNT-9"))
    tx_hash = "0x" + receipt["transactionHash"].hex().removeprefix("0x")
    redemption = bridge.wait_for(
        "/redemptions", lambda page: any(r["tx_hash"] == tx_hash for r in page["items"])
    )["items"][0]
    assert [(s["block_start"], s["block_end"]) for s in redemption["serials"]] == [(3_400_001, 3_400_004)]

    owed = post(bridge, tokenization(verra(19802, 3_400_001, 3_400_004, project=1999)))
    assert owed.status_code == 409, owed.text
    assert owed.json()["detail"]["conflicting_lock"]["state"] == "released_unconfirmed"
    assert owed.json()["detail"]["conflicting_lock"]["redemption_id"] == redemption["id"]

    confirmed = bridge.post(f"/redemptions/{redemption['id']}/confirm", {"registry_reference": "TX-77"})
    assert confirmed.status_code == 200, confirmed.text
    assert post(bridge, tokenization(serial)).status_code == 201
