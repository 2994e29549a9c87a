"""Processes die at random points; nothing is lost and nothing happens twice.

The short CI setting kills the sender 50 times over 300 tokenizations; set BRIDGE_FAULT_KILLS and
BRIDGE_FAULT_TOKENIZATIONS for a longer run, BRIDGE_FAULT_SEED to replay one.
"""

from __future__ import annotations

import os
import random
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from bridge.units import TONNE
from tests.support.checks import assert_minted_exactly_once, assert_reserves_balance, wait_until_settled
from tests.support.harness import bridge_processes
from tests.support.payloads import ALICE, ALICE_ADDRESS, tokenization, verra_serial

KILLS = int(os.environ.get("BRIDGE_FAULT_KILLS", "50"))
TOKENIZATIONS = int(os.environ.get("BRIDGE_FAULT_TOKENIZATIONS", "300"))
SEED = int(os.environ.get("BRIDGE_FAULT_SEED", str(random.randrange(10**6))))


def test_sender_killed_at_random_points_mints_every_request_exactly_once(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    print(f"seed {SEED}: at least {KILLS} kills over {TOKENIZATIONS} tokenizations")
    # Besides the test's own SIGKILLs at random times, the sender kills itself now and then right
    # after signing, right after broadcasting, and just before committing a receipt: the three
    # windows where a crash could lose or repeat a mint.
    failpoints = "after_sign=0.04,after_broadcast=0.04,before_settle_commit=0.04"
    with bridge_processes(tmp_path, f"sqlite:///{tmp_path / 'bridge.db'}") as bridge:
        bridge.start_api()
        bridge.start_sender(BRIDGE_FAILPOINTS=failpoints)
        bridge.start_listener()
        accepted: set[str] = set()
        errors: list[str] = []

        def client() -> None:
            for i in range(TOKENIZATIONS):
                start = 1_000_000 + i * 100
                body = tokenization(verra_serial(start, start + rng.randrange(1, 50)))
                response = bridge.post("/tokenizations", body)
                if response.status_code not in (200, 201):
                    errors.append(response.text)
                    continue
                accepted.add(response.json()["id"])
                # The same request again (a client retrying) must change nothing.
                if i % 10 == 0:
                    assert bridge.post("/tokenizations", body).json()["id"] == response.json()["id"]
                # Bursts, so the sender has a backlog when it is killed.
                time.sleep(rng.uniform(1.0, 3.0) if i % 20 == 19 else 0.01)

        requests_thread = threading.Thread(target=client)
        requests_thread.start()
        engine = create_engine(bridge.env["BRIDGE_DATABASE_URL"])
        in_flight: list[int] = []
        next_kill = time.monotonic() + rng.uniform(0.9, 2.0)
        while bridge.kills.get("sender-1", 0) < KILLS or requests_thread.is_alive():
            time.sleep(0.05)
            if not bridge.died("sender-1"):
                if time.monotonic() < next_kill:
                    continue
                bridge.kill("sender-1")
            with engine.connect() as connection:
                in_flight.append(
                    connection.execute(text("SELECT count(*) FROM outbox WHERE status = 'sent'")).scalar_one()
                )
            bridge.start_sender(BRIDGE_FAILPOINTS=failpoints)
            if bridge.kills["sender-1"] % 10 == 5:
                # Now and then the API dies too: clients retry with the same idempotency key.
                bridge.kill("api")
                bridge.start_api()
            # The sender needs about a second to start; kill it anywhere in the second after.
            next_kill = time.monotonic() + rng.uniform(0.9, 2.0)
        requests_thread.join()
        engine.dispose()
        bridge.kill("sender-1")
        bridge.start_sender()  # no failpoints: let it finish

        wait_until_settled(bridge)
        assert not errors, errors[:3]
        assert len(accepted) == TOKENIZATIONS
        assert_minted_exactly_once(bridge, accepted)
        assert_reserves_balance(bridge)
        print(
            f"API killed {bridge.kills.get('api', 0)} times; "
            f"sender killed {bridge.kills['sender-1']} times ({bridge.self_kills.get('sender-1', 0)} at "
            f"failpoints), {sum(1 for n in in_flight if n)} with a signed transaction not yet settled; "
            f"{len(accepted)} tokenizations, each minted exactly once"
        )


def test_listener_killed_mid_batch_applies_each_burn_exactly_once(tmp_path: Path) -> None:
    rng = random.Random(SEED + 1)
    database = f"sqlite:///{tmp_path / 'bridge.db'}"
    with bridge_processes(tmp_path, database, block_batch="2") as bridge:
        bridge.start_api()
        bridge.start_sender()
        bridge.start_listener()
        body = tokenization(verra_serial(50_000_001, 50_000_400))
        created = bridge.post("/tokenizations", body).json()
        wait_until_settled(bridge)
        token = bridge.chain.vintage(
            bridge.get(f"/tokenizations/{created['id']}")["vintage"]["token_address"]
        )

        burns = {"Retired": 0, "RedemptionRequested": 0}

        def holder() -> None:
            for i in range(60):
                if i % 6 == 5:
                    bridge.transact(ALICE, token.functions.redeem(TONNE, f"VCS-ACCT-{i}"))
                    burns["RedemptionRequested"] += 1
                else:
                    amount = rng.choice([TONNE, TONNE // 3, 2 * TONNE + 7, TONNE // 2])
                    bridge.transact(ALICE, token.functions.retire(amount, ALICE_ADDRESS, "Alice", 0, ""))
                    burns["Retired"] += 1

        holder_thread = threading.Thread(target=holder)
        holder_thread.start()
        while holder_thread.is_alive():
            time.sleep(rng.uniform(1.0, 2.0))
            bridge.kill("listener")
            bridge.start_listener()
        holder_thread.join()

        wait_until_settled(bridge)
        assert bridge.kills["listener"] >= 3
        retirements = bridge.get("/retirements", limit=500)
        redemptions = bridge.get("/redemptions", limit=500)
        assert retirements["total"] == burns["Retired"]
        assert redemptions["total"] == burns["RedemptionRequested"]
        assert len({r["tx_hash"] for r in retirements["items"]}) == burns["Retired"]
        assert_reserves_balance(bridge)
        print(f"listener killed {bridge.kills['listener']} times during {sum(burns.values())} burns")
