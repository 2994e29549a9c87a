"""The API routes the page reads beside the operators' ones: network, pools, certificates."""

from __future__ import annotations

from bridge.units import TONNE
from tests.support.browser import HOLDER
from tests.support.payloads import tokenization, verra_serial
from tests.support.service import BridgeUnderTest, bridge_and_wait


def test_network_names_the_chain_and_the_contracts_a_wallet_needs(bridge: BridgeUnderTest) -> None:
    network = bridge.get("/network").json()
    assert network["chain_id"] == 31337 and network["rpc_url"] == bridge.anvil.url
    assert network["contracts"]["VintageFactory"] == bridge.deployment["contracts"]["VintageFactory"]
    assert set(network["pools"]) == {"CET", "GNT", "RET", "SDGT", "HOT"}
    assert network["retirement_reasons"][3] == "ecological_damage_compensation"


def test_pools_list_their_criteria_from_the_chain(bridge: BridgeUnderTest) -> None:
    pools = {p["symbol"]: p for p in bridge.get("/pools").json()}
    assert pools["GNT"]["criteria"] == {
        "registries": [],
        "categories": ["forestry", "land_use", "agriculture", "blue_carbon"],
        "sectoral_scopes": [],
        "min_vintage_year": 2012,
        "required_labels": [],
    }
    assert pools["CET"]["criteria"]["required_labels"] == ["corsia_eligible"]
    assert pools["RET"]["name"] == "Renewable Energy Token" and pools["RET"]["fee_bps"] == 25


def test_a_pool_lists_what_it_holds_oldest_first(bridge: BridgeUnderTest) -> None:
    # Units of their own: Verra numbers units registry-wide, so another batch id is not other units.
    minted = bridge_and_wait(
        bridge, tokenization(verra_serial(941_470_001, 941_470_100), beneficiary=HOLDER[0])
    )
    token = minted["vintage"]["token_address"]
    gnt = bridge.chain.pools["GNT"]
    bridge.transact(4, bridge.chain.vintage(token).functions.approve(gnt.address, 7 * TONNE))
    bridge.transact(4, gnt.functions.deposit(token, 7 * TONNE))
    pool = next(p for p in bridge.get("/pools").json() if p["symbol"] == "GNT")
    holding = next(h for h in pool["holdings"] if h["token_address"] == token)
    assert holding["symbol"] == "VCS-1340-2020" and int(holding["amount_wei"]) >= 7 * TONNE
    assert int(pool["total_supply_wei"]) >= 7 * TONNE


def test_an_unknown_certificate_is_404_naming_the_field(bridge: BridgeUnderTest) -> None:
    response = bridge.get("/certificates/999999")
    assert response.status_code == 404
    assert response.json()["detail"]["field"] == "certificate_id"
    assert bridge.get("/certificates/0").status_code == 422


def test_the_page_is_not_part_of_the_api_schema(bridge: BridgeUnderTest) -> None:
    paths = bridge.get("/openapi.json").json()["paths"]
    assert "/" not in paths and not any(path.startswith("/static") for path in paths)
    assert {"/pools", "/certificates/{certificate_id}", "/network"} <= set(paths)
