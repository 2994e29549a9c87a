"""A lock is bound to its order: a mint whose lock another order consumed (a stolen minter key minting to
itself) is quarantined, never retried, with its serials held; an alert is raised and the sender halts."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

from hexbytes import HexBytes
from sqlalchemy import create_engine, text

from bridge.chain.orders import order_hash
from bridge.units import TONNE
from tests.support.deploying import ANVIL_ACCOUNTS
from tests.support.harness import Processes, bridge_processes
from tests.support.payloads import tokenization, verra_serial
from tests.support.polling import mint_and_wait, outbox_rows, wait_for

MINTER = 1  # the bridge's own account: the stolen key
THIEF = ANVIL_ACCOUNTS[5][0]


def test_the_order_hash_the_sender_computes_is_the_factorys(factory: Any, accounts: Any) -> None:
    vintage, to = accounts[3].address, accounts[4].address
    lock_id, serial_hash = os.urandom(32), os.urandom(32)
    on_chain = bytes(factory.orderHash(vintage, to, 7 * TONNE, lock_id, serial_hash))
    assert order_hash(vintage, to, 7 * TONNE, lock_id, serial_hash) == on_chain
    assert order_hash(vintage, THIEF, 7 * TONNE, lock_id, serial_hash) != on_chain


def alerts_of(bridge: Processes, kind: str) -> list[Any]:
    engine = create_engine(bridge.env["BRIDGE_DATABASE_URL"])
    with engine.connect() as connection:
        rows = list(connection.execute(text("SELECT * FROM alerts WHERE kind = :kind"), {"kind": kind}))
    engine.dispose()
    return rows


def test_a_lock_its_own_order_consumed_already_settles_as_minted_with_that_mint(tmp_path: Path) -> None:
    """The same order minted outside this sender (another sender, or a run that crashed before it
    recorded its receipt): the mint is settled with that transaction, and nothing mints twice."""
    with bridge_processes(tmp_path, f"sqlite:///{tmp_path / 'bridge.db'}", block_batch="3") as bridge:
        bridge.start_api()
        bridge.start_sender()
        bridge.start_listener()
        first = mint_and_wait(bridge, 1, 10)
        bridge.kill("sender-1")

        queued = bridge.post("/tokenizations", tokenization(verra_serial(20, 29))).json()
        factory, token = bridge.chain.factory, first["vintage"]["token_address"]
        lock_id, serial_hash = HexBytes(queued["lock_id"]), HexBytes(queued["serial_hash"])
        order = (token, queued["beneficiary"], 10 * TONNE, lock_id, serial_hash)
        receipt = bridge.transact(MINTER, factory.functions.mint(*order))
        for _ in range(12):  # the mint lies several `block_batch` ranges below the head
            bridge.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

        bridge.start_sender()
        wait_for(lambda: bridge.get(f"/tokenizations/{queued['id']}")["status"] == "minted")
        minted = bridge.get(f"/tokenizations/{queued['id']}")
        assert minted["tx_hash"] == "0x" + bytes(receipt["transactionHash"]).hex()
        assert minted["block_number"] == receipt["blockNumber"]
        item = outbox_rows(bridge, f"tokenization_id = '{queued['id']}'")[0]
        assert item.status == "final" and item.last_error.startswith("lock had minted before")
        assert "HALTED" not in bridge.log("sender-1", tail=None)
        logs = factory.events.Tokenized().get_logs(
            from_block=int(bridge.deployment["block"]), argument_filters={"lockId": lock_id}
        )
        assert len(logs) == 1


def test_a_lock_consumed_by_another_order_quarantines_the_mint_raises_an_alert_and_halts_the_sender(
    tmp_path: Path,
) -> None:
    with bridge_processes(tmp_path, f"sqlite:///{tmp_path / 'bridge.db'}") as bridge:
        bridge.start_api()
        bridge.start_sender()
        bridge.start_listener()
        first = mint_and_wait(bridge, 1, 10)
        bridge.kill("sender-1")  # the next request's mint waits in the queue

        victim = bridge.post("/tokenizations", tokenization(verra_serial(20, 29))).json()
        factory, token = bridge.chain.factory, first["vintage"]["token_address"]
        lock_id, serial_hash = HexBytes(victim["lock_id"]), HexBytes(victim["serial_hash"])
        # With the bridge's stolen key, a thief mints against the request's lock, to itself.
        bridge.transact(MINTER, factory.functions.mint(token, THIEF, 10 * TONNE, lock_id, serial_hash))

        bridge.start_sender()
        where = f"tokenization_id = '{victim['id']}'"
        wait_for(lambda: outbox_rows(bridge, where)[0].status == "quarantined")
        item = outbox_rows(bridge, where)[0]
        assert item.attempts == 0 and item.tx_hash is None  # the bridge never signed it
        assert item.last_error == "lock consumed by another order"
        wait_for(lambda: "HALTED" in bridge.log("sender-1"))
        log = bridge.log("sender-1", tail=None)
        assert re.search(
            f"CRITICAL .*lock {victim['lock_id']} of tokenization .* consumed by another order", log
        )
        mismatch = [a for a in alerts_of(bridge, "lock_order_mismatch") if a.key.endswith(victim["lock_id"])]
        assert len(mismatch) == 1 and "consumed by another order" in mismatch[0].message

        held = bridge.get(f"/tokenizations/{victim['id']}")
        assert held["status"] == "pending" and held["tx_hash"] is None
        assert held["waiting_reason"].startswith("quarantined: lock consumed by another order")
        assert bridge.post("/tokenizations", tokenization(verra_serial(25, 26))).status_code == 409

        # Halted: it sends nothing more until an operator restarts it.
        later = bridge.post("/tokenizations", tokenization(verra_serial(40, 44))).json()
        time.sleep(3)
        assert bridge.get(f"/tokenizations/{later['id']}")["status"] == "pending"
        assert outbox_rows(bridge, f"tokenization_id = '{later['id']}'")[0].attempts == 0

        # After the investigation, a restart sends the rest; the quarantined mint stays set aside.
        bridge.kill("sender-1")
        bridge.start_sender()
        wait_for(lambda: bridge.get(f"/tokenizations/{later['id']}")["status"] == "minted")
        assert outbox_rows(bridge, where)[0].status == "quarantined"
        assert bridge.get(f"/tokenizations/{victim['id']}")["status"] == "pending"
        logs = factory.events.Tokenized().get_logs(
            from_block=int(bridge.deployment["block"]), argument_filters={"lockId": lock_id}
        )
        assert [log["args"]["to"] for log in logs] == [THIEF]  # once, the thief's: never the bridge's
