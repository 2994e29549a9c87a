"""Mints that queue up go out together in one `mintBatch` transaction, still exactly once each."""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.support.checks import assert_minted_exactly_once, assert_reserves_balance, wait_until_settled
from tests.support.deploying import as_admin
from tests.support.harness import Processes, bridge_processes
from tests.support.payloads import tokenization, verra_serial, vintage_serial

QUEUED = 40


def outbox_failed(bridge: Processes) -> list[int]:
    engine = create_engine(bridge.env["BRIDGE_DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id FROM outbox WHERE status = 'failed'")).all()
    engine.dispose()
    return [row.id for row in rows]


def tx_hashes(bridge: Processes) -> dict[str, str]:
    engine = create_engine(bridge.env["BRIDGE_DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, tx_hash, status FROM tokenizations")).all()
    engine.dispose()
    return {row.id: row.tx_hash for row in rows if row.status == "minted"}


def two_vintages_one_paused(bridge: Processes, serial: int) -> str:
    """Runs the bridge until the 2020 and 2021 vintages of one project have their tokens, then stops
    the sender and pauses the 2021 token: its mints queued from now on wait. The paused token."""
    bridge.start_api()
    bridge.start_sender()
    bridge.start_listener()
    # Verra numbers units registry-wide: each vintage's first block has units of its own.
    first = {
        year: bridge.post("/tokenizations", tokenization(vintage_serial(year, unit, unit))).json()
        for year, unit in ((2020, serial), (2021, serial + 1))
    }
    wait_until_settled(bridge)
    paused = bridge.get(f"/tokenizations/{first[2021]['id']}")["vintage"]["token_address"]
    bridge.kill("sender-1")
    bridge.transact(0, bridge.chain.vintage(paused).functions.pause())
    return str(paused)


def unpause(bridge: Processes, token_address: str) -> None:
    """The admin un-pauses, through the timelock (no delay on a local chain)."""
    token = bridge.chain.vintage(token_address)
    as_admin(bridge.w3, bridge.deployment["roles"]["timelock"], token.address, token.encode_abi("unpause"))


def wait_for_statuses(bridge: Processes, ids: list[str], wanted: str) -> list[dict[str, object]]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = [bridge.get(f"/tokenizations/{i}") for i in ids]
        if all(t["status"] == wanted and (wanted != "pending" or t["waiting_reason"]) for t in found):
            return found
        time.sleep(0.2)
    raise AssertionError(f"not all {wanted}: {[t['status'] for t in found]}")


def test_mints_queued_while_no_sender_runs_go_out_in_one_batch(tmp_path: Path) -> None:
    with bridge_processes(tmp_path, f"sqlite:///{tmp_path / 'bridge.db'}", mint_batch="50") as bridge:
        bridge.start_api()
        accepted = set()
        for i in range(QUEUED):
            start = 2_000_000 + i * 100
            response = bridge.post("/tokenizations", tokenization(verra_serial(start, start + i)))
            assert response.status_code == 201, response.text
            accepted.add(response.json()["id"])
        bridge.start_sender()
        bridge.start_listener()
        wait_until_settled(bridge)

        hashes = Counter(tx_hashes(bridge).values())
        # The vintage's creation goes first; then every mint it held back is ready at once.
        assert list(hashes.values()) == [QUEUED], hashes
        receipt = bridge.w3.eth.get_transaction_receipt(next(iter(hashes)))
        gas = receipt["gasUsed"]
        print(f"one mintBatch of {QUEUED}: {gas:,} gas, {gas // QUEUED:,} per mint")
        assert "batch of 40" in bridge.log("sender-1", tail=None)
        assert_minted_exactly_once(bridge, accepted)
        assert_reserves_balance(bridge)


def test_a_batch_that_would_revert_mints_the_good_orders_and_holds_only_the_paused_ones(
    tmp_path: Path,
) -> None:
    with bridge_processes(
        tmp_path, f"sqlite:///{tmp_path / 'bridge.db'}", mint_batch="50", hold_max_seconds="1"
    ) as bridge:
        paused = two_vintages_one_paused(bridge, 3_000_000)

        ids: dict[int, list[str]] = {2020: [], 2021: []}
        for i in range(12):
            year = 2020 if i % 2 else 2021
            start = 4_000_000 + i * 100
            body = tokenization(vintage_serial(year, start, start + 4))
            ids[year].append(bridge.post("/tokenizations", body).json()["id"])
        bridge.start_sender()

        wait_for_statuses(bridge, ids[2020], "minted")
        waiting = wait_for_statuses(bridge, ids[2021], "pending")
        assert all(t["waiting_reason"] == "vintage VCS-1340-2021 paused by the guardian" for t in waiting)
        # A held mint keeps its serials: the paused vintage's new blocks stay locked.
        held = {lock["tokenization_id"] for lock in bridge.get("/locks", limit=500)["items"]}
        assert held >= set(ids[2021])
        assert not outbox_failed(bridge)

        unpause(bridge, paused)
        wait_until_settled(bridge)
        assert not outbox_failed(bridge)
        assert_minted_exactly_once(bridge, set(ids[2020] + ids[2021]))
        assert_reserves_balance(bridge)


def test_without_batching_queued_mints_are_pipelined_one_transaction_each(tmp_path: Path) -> None:
    """Several items signed in one commit with consecutive nonces, broadcast together; one that would
    revert (its vintage paused) waits without a nonce, so the others leave no gap."""
    with bridge_processes(
        tmp_path,
        f"sqlite:///{tmp_path / 'bridge.db'}",
        mint_batch="1",
        sender_pipeline="8",
        hold_max_seconds="1",
    ) as bridge:
        paused = two_vintages_one_paused(bridge, 5_000_000)

        ids: dict[int, list[str]] = {2020: [], 2021: []}
        for i in range(20):
            year = 2021 if i == 5 else 2020
            start = 6_000_000 + i * 100
            ids[year].append(
                bridge.post("/tokenizations", tokenization(vintage_serial(year, start, start))).json()["id"]
            )
        bridge.start_sender()

        minted = wait_for_statuses(bridge, ids[2020], "minted")
        waiting = wait_for_statuses(bridge, ids[2021], "pending")[0]
        assert waiting["waiting_reason"] == "vintage VCS-1340-2021 paused by the guardian"
        nonces = sorted(bridge.w3.eth.get_transaction(t["tx_hash"])["nonce"] for t in minted)
        assert nonces == list(range(nonces[0], nonces[0] + len(minted)))  # one each, no gap
        rounds = re.findall(r"signed items \[([\d, ]+)\]", bridge.log("sender-1", tail=None))
        assert max(len(r.split(",")) for r in rounds) > 1, rounds  # queued items went out together

        unpause(bridge, paused)
        wait_until_settled(bridge)
        assert not outbox_failed(bridge)
        assert_minted_exactly_once(bridge, set(ids[2020] + ids[2021]))
        assert_reserves_balance(bridge)
