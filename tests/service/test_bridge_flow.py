"""End to end: operators bridge serials over HTTP, holders use their wallets, the bridge follows."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from web3 import Web3

from bridge.chain.orders import order_hash
from bridge.units import TONNE
from tests.support.deploying import as_admin
from tests.support.payloads import (
    ALICE,
    ALICE_ADDRESS,
    BOB,
    BOB_ADDRESS,
    REAL_SERIAL,
    tokenization,
    verra_serial,
)
from tests.support.service import BridgeUnderTest, balance, bridge_and_wait, cli


def test_bridging_a_real_verra_serial_mints_exactly_its_tonnes(bridge: BridgeUnderTest) -> None:
    response = bridge.post("/tokenizations", tokenization(REAL_SERIAL))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "pending"
    assert created["quantity"] == 425

    minted = bridge.wait_for(f"/tokenizations/{created['id']}", lambda t: t["status"] == "minted")

    token = minted["vintage"]["token_address"]
    assert minted["vintage"]["symbol"] == "VCS-1340-2020"
    assert minted["tx_hash"].startswith("0x") and minted["block_number"] > 0
    assert balance(bridge, token, ALICE_ADDRESS) == 425 * TONNE
    assert bridge.chain.vintage(token).functions.symbol().call() == "VCS-1340-2020"
    # The lock is bound to exactly this order: token, beneficiary, tonnes and serials.
    lock_id, serial_hash = bytes.fromhex(minted["lock_id"][2:]), bytes.fromhex(minted["serial_hash"][2:])
    order = order_hash(token, ALICE_ADDRESS, 425 * TONNE, lock_id, serial_hash)
    assert bytes(bridge.chain.factory.functions.lockOrder(lock_id).call()) == order
    locks = bridge.get("/locks", state="locked").json()["items"]
    assert any(lock["serial"] == REAL_SERIAL and lock["quantity"] == 425 for lock in locks)


def test_the_same_idempotency_key_returns_the_same_tokenization_and_mints_once(
    bridge: BridgeUnderTest,
) -> None:
    body = tokenization(verra_serial(1_000_001, 1_000_010))
    first = bridge.post("/tokenizations", body)
    again = bridge.post("/tokenizations", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    minted = bridge.wait_for(f"/tokenizations/{first.json()['id']}", lambda t: t["status"] == "minted")
    assert bridge.post("/tokenizations", body).json()["tx_hash"] == minted["tx_hash"]
    assert balance(bridge, minted["vintage"]["token_address"], ALICE_ADDRESS) >= 10 * TONNE
    same_key = bridge.get("/tokenizations", limit=500).json()["items"]
    assert sum(1 for t in same_key if t["idempotency_key"] == body["idempotency_key"]) == 1


def test_reusing_an_idempotency_key_for_another_request_is_refused(bridge: BridgeUnderTest) -> None:
    body = tokenization(verra_serial(1_100_001, 1_100_005))
    assert bridge.post("/tokenizations", body).status_code == 201
    other = {**body, "serial": verra_serial(1_100_006, 1_100_009)}
    response = bridge.post("/tokenizations", other)
    assert response.status_code == 409
    assert response.json()["detail"]["field"] == "idempotency_key"


def test_overlapping_request_is_refused_with_the_conflicting_lock(bridge: BridgeUnderTest) -> None:
    first = bridge_and_wait(bridge, tokenization(verra_serial(2_000_001, 2_000_100)))
    before = bridge.get("/tokenizations").json()["total"]

    response = bridge.post("/tokenizations", tokenization(verra_serial(2_000_050, 2_000_150)))

    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail["field"] == "serial"
    assert detail["conflicting_lock"]["tokenization_id"] == first["id"]
    assert (detail["conflicting_lock"]["block_start"], detail["conflicting_lock"]["block_end"]) == (
        2_000_001,
        2_000_100,
    )
    assert bridge.get("/tokenizations").json()["total"] == before
    # Adjacent serials do not overlap.
    assert bridge.post("/tokenizations", tokenization(verra_serial(2_000_101, 2_000_110))).status_code == 201


def test_transfer_retire_and_registry_confirmation_update_the_certificate(bridge: BridgeUnderTest) -> None:
    minted = bridge_and_wait(bridge, tokenization(verra_serial(3_000_001, 3_000_010)))
    token = bridge.chain.vintage(minted["vintage"]["token_address"])
    bridge.transact(ALICE, token.functions.transfer(BOB_ADDRESS, 4 * TONNE))

    # 2.5 t: two whole tonnes go to the registry, half a tonne accrues.
    receipt = bridge.transact(
        BOB, token.functions.retire(5 * TONNE // 2, BOB_ADDRESS, "Bob's Bakery", 1, "2026 footprint")
    )
    retired = bridge.wait_for(
        "/retirements",
        lambda page: any(
            r["tx_hash"] == "0x" + receipt["transactionHash"].hex().removeprefix("0x") for r in page["items"]
        ),
    )["items"][0]
    assert retired["tonnes_retired"] == 2
    assert retired["beneficiary_name"] == "Bob's Bakery"
    assert retired["reason"] == "on_behalf_of_organisation"
    assert sum(s["quantity"] for s in retired["serials"]) == 2
    assert retired["status"] == "pending_registry"
    # The certificate stores only a hash of the texts; the bridge shows the texts that match it.
    certificate = bridge.get(f"/certificates/{retired['certificate_id']}").json()
    assert (certificate["beneficiary_name"], certificate["reason_text"]) == ("Bob's Bakery", "2026 footprint")
    assert (
        certificate["details_hash"]
        == "0x"
        + bytes(bridge.chain.certificate.functions.retirement(retired["certificate_id"]).call()[5]).hex()
    )

    bridge.transact(BOB, token.functions.retire(TONNE // 2, BOB_ADDRESS, "Bob's Bakery", 1, ""))
    completing = bridge.wait_for("/retirements", lambda page: page["items"][0]["id"] != retired["id"])[
        "items"
    ][0]
    assert completing["tonnes_retired"] == 1

    response = bridge.post(f"/retirements/{retired['id']}/confirm", {"registry_reference": "VCS-RET-0042"})
    assert response.status_code == 200, response.text
    bridge.wait_for(f"/retirements/{retired['id']}", lambda r: r["status"] == "confirmed")
    certificate = bridge.chain.certificate.functions.retirement(retired["certificate_id"]).call()
    assert certificate[6] == "VCS-RET-0042"
    again = bridge.post(f"/retirements/{retired['id']}/confirm", {"registry_reference": "VCS-RET-0042"})
    assert again.status_code == 409


def test_redeem_releases_exactly_those_serials_which_can_be_bridged_again(bridge: BridgeUnderTest) -> None:
    minted = bridge_and_wait(bridge, tokenization(verra_serial(4_000_001, 4_000_020)))
    token = bridge.chain.vintage(minted["vintage"]["token_address"])
    receipt = bridge.transact(ALICE, token.functions.redeem(3 * TONNE, "ET-VCS-ACCOUNT-77"))
    tx_hash = "0x" + receipt["transactionHash"].hex().removeprefix("0x")

    redemption = bridge.wait_for(
        "/redemptions", lambda page: any(r["tx_hash"] == tx_hash for r in page["items"])
    )["items"][0]

    assert redemption["tonnes"] == 3
    assert redemption["registry_account"] == "ET-VCS-ACCOUNT-77"
    released = redemption["serials"]
    assert sum(s["quantity"] for s in released) == 3
    confirmed = bridge.post(f"/redemptions/{redemption['id']}/confirm", {"registry_reference": "TX-9"})
    assert confirmed.json()["status"] == "released"
    # Released serials are back at the registry: they may be bridged again.
    first = released[0]
    again = bridge.post(
        "/tokenizations", tokenization(verra_serial(first["block_start"], first["block_end"]))
    )
    assert again.status_code == 201, again.text


def test_pool_deposit_and_retire_from_pool_keep_reserves_balanced(bridge: BridgeUnderTest) -> None:
    minted = bridge_and_wait(bridge, tokenization(verra_serial(5_000_001, 5_000_010)))
    token = bridge.chain.vintage(minted["vintage"]["token_address"])
    gnt = bridge.chain.pools["GNT"]
    bridge.transact(ALICE, token.functions.approve(gnt.address, 6 * TONNE))
    bridge.transact(ALICE, gnt.functions.deposit(token.address, 6 * TONNE))
    fee_bps = gnt.functions.feeBps().call()  # the fee Alice saw: she is charged no more
    bridge.transact(
        ALICE, gnt.functions.retireFromPool(token.address, 2 * TONNE, fee_bps, ALICE_ADDRESS, "Alice", 0, "")
    )

    reserves = bridge.wait_for(
        "/reserves", lambda r: r["balanced"] and r["at_block"] >= bridge.w3.eth.block_number
    )
    row = next(v for v in reserves["vintages"] if v["token_address"] == token.address)
    assert int(row["pool_holdings_wei"]["GNT"]) > 0
    assert row["onchain_supply_wei"] == row["expected_supply_wei"]


def test_reserves_balance_and_reconcile_reports_no_mismatch(bridge: BridgeUnderTest) -> None:
    bridge_and_wait(bridge, tokenization(verra_serial(6_000_001, 6_000_003)))
    reserves = bridge.wait_for("/reserves", lambda r: r["at_block"] >= bridge.w3.eth.block_number)
    assert reserves["balanced"], reserves
    result = cli("reconcile", env=bridge.env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 mismatches" in result.stdout


def test_lists_filter_and_paginate(bridge: BridgeUnderTest) -> None:
    projects = bridge.get("/projects", registry="verra").json()
    assert projects["items"][0]["project_id"] == "1340"
    vintages = bridge.get("/vintages", registry="VCS", year=2020).json()
    assert vintages["items"][0]["token_address"]
    page = bridge.get("/tokenizations", limit=2, offset=1).json()
    assert (page["limit"], page["offset"], len(page["items"])) == (2, 1, 2)
    assert page["total"] >= 3


def test_unknown_ids_are_404_naming_the_id(bridge: BridgeUnderTest) -> None:
    for path, field in [
        ("/tokenizations/nope", "tokenization_id"),
        ("/retirements/999999", "retirement_id"),
        ("/redemptions/999999", "redemption_id"),
        ("/vintages/999999", "vintage_id"),
    ]:
        response = bridge.get(path)
        assert response.status_code == 404, path
        assert response.json()["detail"]["field"] == field


def test_audit_log_names_who_did_what(bridge: BridgeUnderTest) -> None:
    minted = bridge_and_wait(bridge, tokenization(verra_serial(7_000_001, 7_000_002)))
    engine = create_engine(bridge.env["BRIDGE_DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT actor, action FROM audit_log WHERE entity_id = :id ORDER BY id"),
            {"id": minted["id"]},
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("Verra desk", "tokenization.locked"),
        ("sender", "tokenization.minted"),
    ]
    assert Web3.is_checksum_address(minted["beneficiary"])


def test_balances_show_the_minted_tokens(bridge: BridgeUnderTest) -> None:
    minted = bridge_and_wait(
        bridge, tokenization(verra_serial(9_000_001, 9_000_005), beneficiary=BOB_ADDRESS)
    )
    body = bridge.get(f"/balances/{BOB_ADDRESS}").json()
    held = {t["token_address"]: int(t["balance_wei"]) for t in body["tokens"]}
    token = minted["vintage"]["token_address"]
    assert held[token] == balance(bridge, token, BOB_ADDRESS) >= 5 * TONNE


def test_a_mint_into_a_paused_vintage_waits_with_its_serials_held_until_the_admin_unpauses(
    bridge: BridgeUnderTest,
) -> None:
    minted = bridge_and_wait(bridge, tokenization(verra_serial(10_000_001, 10_000_002)))
    token = bridge.chain.vintage(minted["vintage"]["token_address"])
    guardian = 0  # locally the deploy script makes the deployer the guardian
    bridge.transact(guardian, token.functions.pause())
    try:
        response = bridge.post("/tokenizations", tokenization(verra_serial(10_000_003, 10_000_004)))
        assert response.status_code == 201
        path = f"/tokenizations/{response.json()['id']}"
        waiting = bridge.wait_for(path, lambda t: t["waiting_reason"] is not None)
        assert waiting["status"] == "pending" and waiting["tx_hash"] is None
        assert waiting["waiting_reason"] == f"vintage {minted['vintage']['symbol']} paused by the guardian"
        # Held, not failed: its serials stay locked.
        overlap = bridge.post("/tokenizations", tokenization(verra_serial(10_000_004, 10_000_005)))
        assert overlap.status_code == 409
    finally:
        # Only the admin un-pauses, through the timelock (no delay on a local chain).
        timelock = bridge.deployment["roles"]["timelock"]
        as_admin(bridge.w3, timelock, token.address, token.encode_abi("unpause"))
    done = bridge.wait_for(path, lambda t: t["status"] == "minted", timeout=60)
    assert done["waiting_reason"] is None


def test_isometric_blocks_count_kilograms_and_mint_whole_tonnes(bridge: BridgeUnderTest) -> None:
    created = cli(
        "keys", "create", "--operator", "Isometric desk", "--registries", "isometric", env=bridge.env
    )
    key = created.stdout.split("api key:")[1].strip()
    body = tokenization(
        "iss_1KP6EDZ8K1S036PY",
        registry="isometric",
        quantity=2500,
        issued_quantity=19_000,  # kg issued under the id: the bridge numbers them and never holds more
        vintage_start="2025-01-01",
        vintage_end="2025-12-31",
        project={"project_id": "prj_1HHYZFVGW1S044ZY", "category": "carbon_removal"},
    )
    refused = bridge.post("/tokenizations", body, key=key)
    assert refused.status_code == 422
    assert refused.json()["detail"]["field"] == "quantity"

    response = bridge.post("/tokenizations", {**body, "quantity": 3000, "idempotency_key": "iso-3t"}, key=key)
    assert response.status_code == 201, response.text
    minted = bridge.wait_for(
        f"/tokenizations/{response.json()['id']}", lambda t: t["status"] == "minted", key=key
    )
    assert minted["quantity"] == 3
    assert balance(bridge, minted["vintage"]["token_address"], ALICE_ADDRESS) == 3 * TONNE
