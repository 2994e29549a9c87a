"""Mints the contracts hold back (factory or vintage paused, a mint limit) wait, serials held; they are
not failed, and they go out once the admin lifts the pause or raises the limit."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tests.support.checks import assert_minted_exactly_once, assert_reserves_balance, wait_until_settled
from tests.support.deploying import as_admin
from tests.support.harness import Processes, bridge_processes
from tests.support.payloads import tokenization, verra_serial, vintage_serial
from tests.support.polling import mint_and_wait, outbox_rows, wait_for

GUARDIAN = 0  # locally the deploy script makes the deployer the guardian, and the timelock's admin


def held(bridge: Processes, tokenization_id: str) -> dict[str, Any]:
    """The tokenization once its mint waits, with a reason."""
    wait_for(lambda: bridge.get(f"/tokenizations/{tokenization_id}")["waiting_reason"] is not None)
    return dict(bridge.get(f"/tokenizations/{tokenization_id}"))


def minted(bridge: Processes, tokenization_id: str) -> dict[str, Any]:
    wait_for(lambda: bridge.get(f"/tokenizations/{tokenization_id}")["status"] == "minted")
    return dict(bridge.get(f"/tokenizations/{tokenization_id}"))


def as_the_admin(bridge: Processes, contract: Any, function: str, *args: Any) -> None:
    """An admin action, through the timelock (no delay on a local chain)."""
    timelock = bridge.deployment["roles"]["timelock"]
    as_admin(bridge.w3, timelock, contract.address, contract.encode_abi(function, args=list(args)))


def failed_items(bridge: Processes) -> int:
    return len(outbox_rows(bridge, "status = 'failed'"))


def audit_actions(bridge: Processes, tokenization_id: str) -> list[str]:
    engine = create_engine(bridge.env["BRIDGE_DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT action FROM audit_log WHERE entity_id = :id ORDER BY id"), {"id": tokenization_id}
        ).all()
    engine.dispose()
    return [row.action for row in rows]


def test_while_the_guardian_pauses_the_factory_mints_and_creations_wait_with_their_serials_held(
    tmp_path: Path,
) -> None:
    with bridge_processes(tmp_path, f"sqlite:///{tmp_path / 'bridge.db'}", hold_max_seconds="1") as bridge:
        bridge.start_api()
        bridge.start_sender()
        bridge.start_listener()
        first = mint_and_wait(bridge, 1, 10)
        factory = bridge.chain.factory
        bridge.transact(GUARDIAN, factory.functions.pause())

        queued = bridge.post("/tokenizations", tokenization(verra_serial(20, 29))).json()
        # A new vintage: its token's creation waits too, and with it the mint behind it.
        new_vintage = bridge.post("/tokenizations", tokenization(vintage_serial(2021, 500, 504))).json()
        for waiting in (held(bridge, queued["id"]), held(bridge, new_vintage["id"])):
            assert waiting["status"] == "pending"
            assert waiting["waiting_reason"] == "minting paused by the guardian"
            assert waiting["tx_hash"] is None
        overlap = bridge.post("/tokenizations", tokenization(verra_serial(25, 34)))
        assert overlap.status_code == 409, "the held mint's serials were freed"
        assert failed_items(bridge) == 0
        item = outbox_rows(bridge, f"tokenization_id = '{queued['id']}'")[0]
        assert item.status == "queued" and item.attempts == 0 and item.not_before is not None
        assert "tokenization.waiting" in audit_actions(bridge, queued["id"])

        as_the_admin(bridge, factory, "unpause")
        for tokenization_id in (queued["id"], new_vintage["id"]):
            assert minted(bridge, tokenization_id)["waiting_reason"] is None
        wait_until_settled(bridge)
        assert failed_items(bridge) == 0
        assert_minted_exactly_once(bridge, {first["id"], queued["id"], new_vintage["id"]})
        assert_reserves_balance(bridge)


def test_a_mint_into_a_paused_vintage_waits_naming_the_vintage_while_other_vintages_mint(
    tmp_path: Path,
) -> None:
    with bridge_processes(
        tmp_path, f"sqlite:///{tmp_path / 'bridge.db'}", mint_batch="1", hold_max_seconds="1"
    ) as bridge:
        bridge.start_api()
        bridge.start_sender()
        bridge.start_listener()
        first = mint_and_wait(bridge, 1, 10)
        other = bridge.post("/tokenizations", tokenization(vintage_serial(2021, 600, 600))).json()
        minted(bridge, other["id"])
        token = bridge.chain.vintage(first["vintage"]["token_address"])
        bridge.transact(GUARDIAN, token.functions.pause())

        paused = bridge.post("/tokenizations", tokenization(verra_serial(20, 29))).json()
        unpaused = bridge.post("/tokenizations", tokenization(vintage_serial(2021, 601, 605))).json()
        waiting = held(bridge, paused["id"])
        assert waiting["status"] == "pending"
        assert waiting["waiting_reason"] == f"vintage {first['vintage']['symbol']} paused by the guardian"
        assert minted(bridge, unpaused["id"])["waiting_reason"] is None
        assert bridge.post("/tokenizations", tokenization(verra_serial(29, 30))).status_code == 409
        assert failed_items(bridge) == 0

        as_the_admin(bridge, token, "unpause")
        assert minted(bridge, paused["id"])["waiting_reason"] is None
        wait_until_settled(bridge)
        assert_minted_exactly_once(bridge, {first["id"], other["id"], paused["id"], unpaused["id"]})
        assert_reserves_balance(bridge)


def test_over_the_mint_limit_mints_wait_and_one_that_can_never_fit_says_so_and_can_be_cancelled(
    tmp_path: Path,
) -> None:
    with bridge_processes(tmp_path, f"sqlite:///{tmp_path / 'bridge.db'}", hold_max_seconds="1") as bridge:
        bridge.start_api()
        bridge.start_sender()
        bridge.start_listener()
        factory = bridge.chain.factory
        as_the_admin(bridge, factory, "setMintLimits", 15, 1_000, 24 * 3600)
        first = mint_and_wait(bridge, 1, 10)  # 10 of the 15 tonnes a day

        over = bridge.post("/tokenizations", tokenization(verra_serial(20, 29))).json()  # 10 t: 5 are left
        never = bridge.post("/tokenizations", tokenization(verra_serial(100, 119))).json()  # 20 t > 15
        reason = held(bridge, over["id"])["waiting_reason"]
        assert re.fullmatch(r"mint limit: [0-5] t available of 15 t overall per 24 h", reason), reason
        reason = held(bridge, never["id"])["waiting_reason"]
        assert reason == (
            "mint limit: 20 t is more than the overall limit of 15 t per 24 h, and can never fit "
            "(cancel it, or the admin raises the limit)"
        )
        assert failed_items(bridge) == 0
        assert bridge.get(f"/tokenizations/{over['id']}")["status"] == "pending"

        # The operator cancels the one that can never fit: its serials are free again.
        cancelled = bridge.post(f"/tokenizations/{never['id']}/cancel", {"reason": "above the daily limit"})
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"
        again = bridge.post("/tokenizations", tokenization(verra_serial(100, 104))).json()  # 5 t

        as_the_admin(bridge, factory, "setMintLimits", 1_000, 1_000, 24 * 3600)
        for tokenization_id in (over["id"], again["id"]):
            assert minted(bridge, tokenization_id)["waiting_reason"] is None
        wait_until_settled(bridge)
        logs = bridge.chain.factory.events.Tokenized().get_logs(from_block=int(bridge.deployment["block"]))
        minted_locks = ["0x" + bytes(log["args"]["lockId"]).hex() for log in logs]
        expected = [
            bridge.get(f"/tokenizations/{i}")["lock_id"] for i in (first["id"], over["id"], again["id"])
        ]
        assert sorted(minted_locks) == sorted(expected)  # each once; the cancelled one never
        assert_reserves_balance(bridge)
