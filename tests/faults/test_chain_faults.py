"""The chain hiccups: the node goes away, drops a transaction, or reorganises recent blocks."""

from __future__ import annotations

import time
from pathlib import Path

from bridge.units import TONNE
from tests.support.checks import assert_minted_exactly_once, assert_reserves_balance, wait_until_settled
from tests.support.harness import bridge_processes
from tests.support.payloads import ALICE, ALICE_ADDRESS, tokenization, verra_serial
from tests.support.polling import mint_and_wait, outbox_rows, rpc, wait_for


def test_requests_are_accepted_while_the_node_is_down_and_minted_once_it_is_back(tmp_path: Path) -> None:
    with bridge_processes(tmp_path, f"sqlite:///{tmp_path / 'bridge.db'}", anvil_state=True) as bridge:
        bridge.start_api()
        bridge.start_sender()
        bridge.start_listener()
        first = mint_and_wait(bridge, 1, 10)

        bridge.anvil.stop()  # Anvil writes its state file on the way out
        accepted = {first["id"]}
        for i in range(10):
            response = bridge.post("/tokenizations", tokenization(verra_serial(100 + i * 10, 105 + i * 10)))
            assert response.status_code == 201, response.text
            accepted.add(response.json()["id"])
        time.sleep(2)
        assert bridge.get("/tokenizations", status="pending")["total"] == 10

        bridge.anvil.start()  # same port, same state: the chain picks up where it stopped
        wait_until_settled(bridge)
        assert_minted_exactly_once(bridge, accepted)
        assert_reserves_balance(bridge)


def test_a_transaction_dropped_from_the_mempool_is_sent_again_with_the_same_nonce(tmp_path: Path) -> None:
    with bridge_processes(tmp_path, f"sqlite:///{tmp_path / 'bridge.db'}") as bridge:
        bridge.start_api()
        bridge.start_sender()
        bridge.start_listener()
        first = mint_and_wait(bridge, 1, 10)

        rpc(bridge, "evm_setAutomine", False)
        created = bridge.post("/tokenizations", tokenization(verra_serial(20, 29))).json()
        wait_for(
            lambda: bool(outbox_rows(bridge, f"tokenization_id = '{created['id']}' AND status = 'sent'"))
        )
        sent = outbox_rows(bridge, f"tokenization_id = '{created['id']}'")[0]
        assert rpc(bridge, "anvil_dropTransaction", sent.tx_hash) == sent.tx_hash
        rpc(bridge, "evm_setAutomine", True)

        # The sender's next attempt broadcasts the very same signed bytes.
        wait_for(lambda: bridge.get(f"/tokenizations/{created['id']}")["status"] == "minted")
        minted = bridge.get(f"/tokenizations/{created['id']}")
        assert minted["tx_hash"] == sent.tx_hash
        assert bridge.w3.eth.get_transaction(sent.tx_hash)["nonce"] == sent.nonce
        wait_until_settled(bridge)
        assert_minted_exactly_once(bridge, {first["id"], created["id"]})
        assert_reserves_balance(bridge)


def test_a_shallow_reorg_remints_once_and_vanished_burns_are_never_applied(tmp_path: Path) -> None:
    with bridge_processes(tmp_path, f"sqlite:///{tmp_path / 'bridge.db'}", confirmations=3) as bridge:
        bridge.start_api()
        bridge.start_sender()
        bridge.start_listener()
        first = mint_and_wait(bridge, 1, 10)
        for _ in range(4):
            rpc(bridge, "evm_mine")
        token = bridge.chain.vintage(first["vintage"]["token_address"])
        snapshot = rpc(bridge, "evm_snapshot")

        second = mint_and_wait(bridge, 20, 29)
        bridge.transact(ALICE, token.functions.retire(TONNE, ALICE_ADDRESS, "Alice", 0, ""))
        mined_at = second["block_number"]
        # Two blocks deep, under the depth of 3: the mint is not final, the retirement not applied.
        assert bridge.get("/retirements")["total"] == 0

        rpc(bridge, "evm_revert", snapshot)  # both blocks vanish: a reorg of depth 2
        for _ in range(6):
            rpc(bridge, "evm_mine")
            time.sleep(0.3)

        wait_until_settled(bridge)
        remined = bridge.get(f"/tokenizations/{second['id']}")
        receipt = bridge.w3.eth.get_transaction_receipt(second["tx_hash"])
        assert receipt["status"] == 1 and remined["block_number"] == receipt["blockNumber"]
        assert mined_at is not None
        assert bridge.get("/retirements")["total"] == 0, "a retirement from a vanished block was applied"
        assert token.functions.balanceOf(ALICE_ADDRESS).call() == 20 * TONNE
        assert_minted_exactly_once(bridge, {first["id"], second["id"]})
        assert_reserves_balance(bridge)
        assert "vanished from the chain" in bridge.log("sender-1")
