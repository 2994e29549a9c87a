"""The invariant, checked against the chain and the database after a fault run."""

from __future__ import annotations

import time
from collections import Counter

from sqlalchemy import create_engine, text

from tests.support.harness import Processes


def wait_until_settled(bridge: Processes, timeout: float = 180.0) -> None:
    """No tokenization pending, nothing left in the outbox, and the listener at the head."""
    engine = create_engine(bridge.env["BRIDGE_DATABASE_URL"])
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                pending = connection.execute(
                    text("SELECT count(*) FROM tokenizations WHERE status = 'pending'")
                ).scalar_one()
                unfinished = connection.execute(
                    text("SELECT count(*) FROM outbox WHERE status IN ('queued', 'sent', 'mined')")
                ).scalar_one()
            reserves = bridge.get("/reserves")
            confirmed_head = bridge.w3.eth.block_number - int(bridge.env["BRIDGE_CONFIRMATIONS"])
            if pending == 0 and unfinished == 0 and (reserves["at_block"] or 0) >= confirmed_head:
                return
            time.sleep(0.25)
    finally:
        engine.dispose()
    raise AssertionError(f"bridge did not settle: {pending} pending, {unfinished} unfinished")


def assert_minted_exactly_once(bridge: Processes, accepted: set[str]) -> None:
    """Every accepted tokenization minted once on-chain, and nothing minted that was not accepted."""
    engine = create_engine(bridge.env["BRIDGE_DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, status, lock_id, quantity FROM tokenizations")).all()
    engine.dispose()
    by_id = {row.id: row for row in rows}
    assert accepted <= set(by_id), "an accepted request was lost"
    assert all(row.status == "minted" for row in rows), Counter(row.status for row in rows)

    factory = bridge.chain.factory
    logs = factory.events.Tokenized().get_logs(from_block=int(bridge.deployment["block"]))
    minted = Counter("0x" + bytes(log["args"]["lockId"]).hex() for log in logs)
    assert max(minted.values()) == 1, "a lock minted twice"
    assert set(minted) == {row.lock_id for row in rows}
    amounts = {"0x" + bytes(log["args"]["lockId"]).hex(): log["args"]["amount"] for log in logs}
    assert all(amounts[row.lock_id] == row.quantity * 10**18 for row in rows)


def assert_reserves_balance(bridge: Processes) -> None:
    reserves = bridge.get("/reserves")
    assert reserves["balanced"], reserves
    result = bridge.cli("reconcile")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 mismatches" in result.stdout
