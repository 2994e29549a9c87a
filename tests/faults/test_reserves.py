"""Reserves at one block both sides can vouch for, when the parts of the bridge lag, die or lie.

- right after a tokenization, before the listener has caught up, the new vintage reads supply 0;
- a mint mined before its sender settled it (the sender killed right after broadcasting) is not yet
  counted on either side, and the listener waits for it before applying a burn of those tokens;
- a vintage created and minted outside the bridge unbalances the reserves and is listed, also past
  what one lens call can return;
- with the chain unreachable the reserves are unknown, and `reconcile` exits 2.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from bridge.chain.lens import page_size
from bridge.units import TONNE
from tests.support.deploying import BRIDGE_ACCOUNT
from tests.support.harness import bridge_processes
from tests.support.payloads import (
    ALICE,
    ALICE_ADDRESS,
    BOB_ADDRESS,
    outside_attributes,
    tokenization,
    verra_serial,
)
from tests.support.polling import mine, minted, post, row, wait_for_get

BRIDGE_KEY_HOLDER = 1  # ANVIL_ACCOUNTS[1] is the bridge's signer (tests.support.harness.BRIDGE_ACCOUNT)


def test_right_after_a_tokenization_the_new_vintage_reads_supply_zero_and_its_tonnes_pending(
    tmp_path: Path,
) -> None:
    with bridge_processes(tmp_path, f"sqlite:///{tmp_path / 'bridge.db'}", confirmations=3) as bridge:
        bridge.start_api()
        bridge.start_sender()
        bridge.start_listener()
        first = minted(bridge, post(bridge, tokenization(verra_serial(1_000_001, 1_000_010))))
        token = first["vintage"]["token_address"]

        # The listener is 3 blocks behind: at its block the token did not exist yet.
        reserves = bridge.get("/reserves")
        assert reserves["at_block"] < first["block_number"], reserves
        assert reserves["status"] == "balanced" and reserves["balanced"] is True, reserves
        new = row(reserves, token)
        assert (new["onchain_supply_wei"], new["expected_supply_wei"]) == ("0", "0"), new
        assert (new["pending_tonnes"], new["locked_tonnes"]) == (10, 0), new

        mine(bridge, 3)
        reserves = wait_for_get(bridge, "/reserves", lambda r: r["at_block"] >= first["block_number"])
        assert reserves["balanced"] is True, reserves
        assert row(reserves, token)["onchain_supply_wei"] == str(10 * TONNE)

        # The token exists at the listener's block now; a second mint is after it.
        second = minted(bridge, post(bridge, tokenization(verra_serial(1_000_011, 1_000_015))))
        reserves = bridge.get("/reserves")
        assert reserves["at_block"] < second["block_number"] and reserves["balanced"] is True, reserves
        now = row(reserves, token)
        assert (now["locked_tonnes"], now["pending_tonnes"]) == (10, 5), now
        assert now["onchain_supply_wei"] == str(10 * TONNE), now
        result = bridge.cli("reconcile")
        assert result.returncode == 0, result.stdout + result.stderr


def test_a_mint_mined_before_its_sender_settled_it_is_behind_the_floor_and_burns_wait_for_it(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'bridge.db'}"
    with bridge_processes(tmp_path, url) as bridge:
        bridge.start_api()
        bridge.start_sender()
        bridge.start_listener()
        first = minted(bridge, post(bridge, tokenization(verra_serial(2_000_001, 2_000_010))))
        token = bridge.chain.vintage(first["vintage"]["token_address"])
        wait_for_get(bridge, "/reserves", lambda r: r["balanced"] and r["at_block"] >= first["block_number"])

        # The sender dies right after broadcasting the next mint: Anvil mines it, nobody settles it.
        bridge.kill("sender-1")
        bridge.start_sender(BRIDGE_FAILPOINTS="after_broadcast=1")
        second_id = post(bridge, tokenization(verra_serial(2_000_011, 2_000_016)))
        deadline = time.monotonic() + 60
        while not bridge.died("sender-1"):
            assert time.monotonic() < deadline, bridge.log("sender-1")
            time.sleep(0.1)
        engine = create_engine(url)
        with engine.connect() as connection:
            tx_hash, signed_at, status = connection.execute(
                text("SELECT tx_hash, signed_at_block, status FROM outbox WHERE tokenization_id = :id"),
                {"id": second_id},
            ).one()
        engine.dispose()
        receipt = bridge.w3.eth.wait_for_transaction_receipt(tx_hash)
        assert status == "sent" and receipt["blockNumber"] > signed_at
        assert token.functions.balanceOf(ALICE_ADDRESS).call() == 16 * TONNE  # on-chain, not in the database

        reserves = bridge.get("/reserves")
        assert reserves["floor_block"] == signed_at and reserves["at_block"] <= signed_at, reserves
        assert reserves["balanced"] is True, reserves
        held = row(reserves, token.address)
        assert (held["pending_tonnes"], held["locked_tonnes"]) == (6, 10), held
        assert bridge.cli("reconcile").returncode == 0

        # A burn of all 16 t: the listener must not apply it before the mint of 6 t is recorded.
        burn = bridge.transact(ALICE, token.functions.retire(16 * TONNE, ALICE_ADDRESS, "Alice", 0, ""))
        time.sleep(1.5)  # fifteen listener polls
        assert bridge.get("/retirements")["total"] == 0
        assert bridge.get("/reserves")["listener_block"] <= signed_at

        bridge.start_sender()  # no failpoint: it finds the item sent, sees the receipt, settles it
        assert minted(bridge, second_id)["block_number"] == receipt["blockNumber"]
        reserves = wait_for_get(bridge, "/reserves", lambda r: (r["at_block"] or 0) >= burn["blockNumber"])
        assert reserves["balanced"] is True and reserves["floor_block"] is None, reserves
        settled = row(reserves, token.address)
        assert (settled["locked_tonnes"], settled["retired_tonnes"], settled["pending_tonnes"]) == (0, 16, 0)
        assert settled["onchain_supply_wei"] == "0"
        (retirement,) = bridge.get("/retirements")["items"]
        assert retirement["tonnes_retired"] == 16


def test_a_vintage_minted_outside_the_bridge_unbalances_the_reserves_and_is_listed(tmp_path: Path) -> None:
    with bridge_processes(tmp_path, f"sqlite:///{tmp_path / 'bridge.db'}") as bridge:
        bridge.start_api()
        bridge.start_sender()
        bridge.start_listener()
        known = minted(bridge, post(bridge, tokenization(verra_serial(3_000_001, 3_000_004))))

        # Someone with the bridge's key goes around the bridge: two vintages, one minted 7 t.
        factory = bridge.chain.factory
        assert bridge.chain.w3.eth.account.from_key(BRIDGE_ACCOUNT[1]).address == BRIDGE_ACCOUNT[0]
        predict = factory.functions.predictVintageAddress
        rogue, empty = (predict(outside_attributes(p)).call() for p in ("9991", "9992"))
        bridge.transact(BRIDGE_KEY_HOLDER, factory.functions.createVintage(outside_attributes("9991")))
        bridge.transact(BRIDGE_KEY_HOLDER, factory.functions.createVintage(outside_attributes("9992")))
        mint = bridge.transact(
            BRIDGE_KEY_HOLDER,
            factory.functions.mint(rogue, BOB_ADDRESS, 7 * TONNE, os.urandom(32), os.urandom(32)),
        )

        reserves = wait_for_get(bridge, "/reserves", lambda r: (r["at_block"] or 0) >= mint["blockNumber"])
        assert reserves["status"] == "unbalanced" and reserves["balanced"] is False, reserves
        assert row(reserves, known["vintage"]["token_address"])["status"] == "balanced"
        unknown = {u["token_address"]: u for u in reserves["unknown_vintages"]}
        assert set(unknown) == {rogue, empty}, unknown
        assert (unknown[rogue]["onchain_supply_wei"], unknown[rogue]["balanced"]) == (str(7 * TONNE), False)
        assert (unknown[empty]["onchain_supply_wei"], unknown[empty]["balanced"]) == ("0", True)

        result = bridge.cli("reconcile")
        assert result.returncode == 1, result.stdout + result.stderr
        assert f"MISMATCH {rogue}" in " ".join(result.stdout.split()), result.stdout
        assert "1 mismatches" in result.stdout


def test_more_vintages_than_one_lens_call_can_return_are_all_read_at_one_block(tmp_path: Path) -> None:
    pools = 5
    many = page_size(pools) + 4  # a second call, at the same block
    with bridge_processes(tmp_path, f"sqlite:///{tmp_path / 'bridge.db'}") as bridge:
        bridge.start_api()
        bridge.start_listener()
        assert len(bridge.chain.pools) == pools
        factory = bridge.chain.factory
        created = []
        for i in range(many):
            attributes = outside_attributes(str(20_000 + i))
            created.append(factory.functions.predictVintageAddress(attributes).call())
            bridge.transact(BRIDGE_KEY_HOLDER, factory.functions.createVintage(attributes))
        # Only the last page's last vintage has supply: it must still be found.
        mint = bridge.transact(
            BRIDGE_KEY_HOLDER,
            factory.functions.mint(created[-1], BOB_ADDRESS, 3 * TONNE, os.urandom(32), os.urandom(32)),
        )
        reserves = wait_for_get(bridge, "/reserves", lambda r: (r["at_block"] or 0) >= mint["blockNumber"])
        unknown = {u["token_address"]: u for u in reserves["unknown_vintages"]}
        assert list(unknown) == created, f"{len(unknown)} of {many} read"
        assert reserves["status"] == "unbalanced" and not unknown[created[-1]]["balanced"]
        assert all(unknown[address]["balanced"] for address in created[:-1])


def test_with_the_chain_unreachable_reserves_are_unknown_and_reconcile_exits_2(tmp_path: Path) -> None:
    with bridge_processes(tmp_path, f"sqlite:///{tmp_path / 'bridge.db'}") as bridge:
        bridge.start_api()
        # Before the listener's first block the reserves are read at the block before the deployment,
        # where the factory has no code: nothing, and balanced.
        reserves = bridge.get("/reserves")
        assert reserves["at_block"] == int(bridge.deployment["block"]) - 1, reserves
        assert reserves["status"] == "balanced" and reserves["unknown_vintages"] == [], reserves

        bridge.anvil.stop()
        reserves = bridge.get("/reserves")
        assert reserves["status"] == "unknown" and reserves["balanced"] is None, reserves
        result = bridge.cli("reconcile")
        assert result.returncode == 2, result.stdout + result.stderr
        assert "reserves unknown: the chain cannot be read" in result.stdout
