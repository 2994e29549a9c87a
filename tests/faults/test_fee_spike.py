"""A fee spike no longer stalls the queue: the stuck mint is replaced (same nonce, higher fees), and
whichever of its signings is mined settles it, once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from tests.support.checks import assert_minted_exactly_once, assert_reserves_balance, wait_until_settled
from tests.support.harness import bridge_processes
from tests.support.payloads import tokenization, verra_serial
from tests.support.polling import mint_and_wait, outbox_rows, rpc, wait_for


def test_a_mint_stuck_behind_a_base_fee_spike_is_replaced_with_its_nonce_and_the_queue_moves_on(
    tmp_path: Path,
) -> None:
    with bridge_processes(tmp_path, f"sqlite:///{tmp_path / 'bridge.db'}") as bridge:
        bridge.start_api()
        bridge.start_sender()
        bridge.start_listener()
        first = mint_and_wait(bridge, 1, 10)

        rpc(bridge, "evm_setAutomine", False)
        stuck = bridge.post("/tokenizations", tokenization(verra_serial(20, 29))).json()
        wait_for(lambda: bool(outbox_rows(bridge, f"tokenization_id = '{stuck['id']}' AND status = 'sent'")))
        sent = outbox_rows(bridge, f"tokenization_id = '{stuck['id']}'")[0]
        bid = bridge.w3.eth.get_transaction(sent.tx_hash)["maxFeePerGas"]
        spike = 100 * int(bridge.w3.eth.get_block("latest")["baseFeePerGas"])
        assert spike > bid
        rpc(bridge, "anvil_setNextBlockBaseFeePerGas", hex(spike))
        rpc(bridge, "evm_mine")  # the spike's block: too dear for the signed mint
        assert int(bridge.w3.eth.get_block("latest")["baseFeePerGas"]) == spike
        assert bridge.get(f"/tokenizations/{stuck['id']}")["status"] == "pending"
        rpc(bridge, "evm_setAutomine", True)

        # Requests behind it take later nonces: they wait for it, and it no longer waits for the fees.
        behind = [
            bridge.post("/tokenizations", tokenization(verra_serial(s, s + 4))).json() for s in (40, 50)
        ]
        for created in (stuck, *behind):
            wait_for(
                lambda created=created: bridge.get(f"/tokenizations/{created['id']}")["status"] == "minted"
            )

        engine = create_engine(bridge.env["BRIDGE_DATABASE_URL"])
        with engine.connect() as connection:
            signings = connection.execute(
                text(
                    "SELECT nonce, tx_hash, max_fee_per_gas FROM sent_transactions "
                    "WHERE item_id = :id ORDER BY id"
                ),
                {"id": sent.id},
            ).all()
        engine.dispose()
        assert len({row.tx_hash for row in signings}) >= 2, signings
        assert {row.nonce for row in signings} == {sent.nonce}
        assert int(signings[-1].max_fee_per_gas) >= 2 * spike > bid
        mined = bridge.get(f"/tokenizations/{stuck['id']}")["tx_hash"]
        assert mined != sent.tx_hash and mined in {row.tx_hash for row in signings}
        assert bridge.w3.eth.get_transaction(mined)["nonce"] == sent.nonce
        assert "stuck at nonce" in bridge.log("sender-1", tail=None)

        wait_until_settled(bridge)
        assert_minted_exactly_once(bridge, {first["id"], stuck["id"], *(b["id"] for b in behind)})
        assert_reserves_balance(bridge)
