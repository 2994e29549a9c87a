"""Reserves are true at every block: polled during a burst of tokenizations and burns, they never read
unbalanced, and they end balanced at the head (SQLite and PostgreSQL, real Anvil, real HTTP)."""

from __future__ import annotations

import json
import random
import threading
import time
from typing import Any

import requests

from bridge.units import TONNE
from tests.support.payloads import ALICE, ALICE_ADDRESS, BOB_ADDRESS, tokenization
from tests.support.service import BridgeUnderTest, cli

YEARS = (2016, 2017, 2018, 2019)  # one vintage (and token) each, created during the burst


def vintage_serial(year: int, start: int, end: int) -> str:
    """A Verra serial of project 1340 for vintage `year` (one issuance batch per year)."""
    return f"{year}-{start}-{end}-VCS-VCU-1507-VER-ET-14-1340-0101{year}-3112{year}-1"


class Poller:
    """GET /reserves every 100 ms in a thread; keeps every answer."""

    def __init__(self, bridge: BridgeUnderTest) -> None:
        self.bridge = bridge
        self.answers: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Poller:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.is_set():
            response = requests.get(self.bridge.url + "/reserves", timeout=30)
            if response.ok:
                self.answers.append(response.json())
            else:
                self.errors.append(f"{response.status_code} {response.text}")
            self._stop.wait(0.1)


def test_reserves_never_read_unbalanced_during_a_burst_and_end_balanced_at_the_head(
    bridge: BridgeUnderTest,
) -> None:
    rng = random.Random(7)
    gnt = bridge.chain.pools["GNT"]
    submitted: list[str] = []

    def submit(count: int, offset: int) -> None:
        for i in range(count):
            start = 1_000_000 + (offset + i) * 100
            body = tokenization(vintage_serial(YEARS[i % len(YEARS)], start, start + rng.randrange(2, 30)))
            response = bridge.post("/tokenizations", body)
            assert response.status_code == 201, response.text
            submitted.append(response.json()["id"])

    def minted(tokenization_id: str) -> dict[str, Any]:
        return bridge.wait_for(f"/tokenizations/{tokenization_id}", lambda t: t["status"] == "minted", 60)

    with Poller(bridge) as poller:
        submit(12, 0)  # four new vintages: their tokens are created, then minted, while we poll
        tokens = {}
        for tokenization_id in submitted[:4]:
            t = minted(tokenization_id)
            tokens[t["vintage"]["symbol"]] = bridge.chain.vintage(t["vintage"]["token_address"])
        submit(12, 12)  # more mints queue up while the holder burns
        for round_ in range(3):
            for symbol, token in sorted(tokens.items()):
                held = token.functions.balanceOf(ALICE_ADDRESS).call()
                if held < 4 * TONNE:
                    continue
                # Whole tonnes and fractions retired (fractions accrue), whole tonnes redeemed.
                amount = TONNE + rng.choice([0, TONNE // 4, TONNE // 2])
                bridge.transact(ALICE, token.functions.retire(amount, ALICE_ADDRESS, "Alice", 0, symbol))
                bridge.transact(ALICE, token.functions.redeem(TONNE, "VERRA-ACCOUNT-42"))
                if round_ == 0:
                    bridge.transact(ALICE, token.functions.approve(gnt.address, TONNE))
                    bridge.transact(ALICE, gnt.functions.deposit(token.address, TONNE))
                    bridge.transact(ALICE, token.functions.transfer(BOB_ADDRESS, TONNE // 3))
            submit(4, 24 + 4 * round_)
        for tokenization_id in submitted:
            minted(tokenization_id)
        time.sleep(0.5)

        def at_head(r: dict[str, Any]) -> bool:
            return r["at_block"] is not None and r["at_block"] >= bridge.w3.eth.block_number

        final = bridge.wait_for("/reserves", lambda r: r["balanced"] is True and at_head(r), 60)

    assert not poller.errors, poller.errors[:3]
    assert len(poller.answers) >= 20, len(poller.answers)
    wrong = [a for a in poller.answers if a["status"] != "balanced" or a["balanced"] is not True]
    assert not wrong, json.dumps(wrong[0], indent=1)
    # The polls saw the bridge move: blocks advanced and new vintages appeared mid-burst.
    assert len({a["at_block"] for a in poller.answers}) > 5
    assert min(len(a["vintages"]) for a in poller.answers) < len(YEARS) <= len(final["vintages"])

    assert final["status"] == "balanced" and final["unknown_vintages"] == []
    rows = {v["symbol"]: v for v in final["vintages"]}
    for symbol, token in tokens.items():
        row = rows[symbol]
        assert row["status"] == "balanced" and row["pending_tonnes"] == 0, row
        assert int(row["onchain_supply_wei"]) == token.functions.totalSupply().call() > 0
        assert row["onchain_supply_wei"] == row["expected_supply_wei"] == row["ledger_supply_wei"]
        assert row["retired_tonnes"] >= 1 and row["released_tonnes"] >= 1, row
        assert int(row["pool_holdings_wei"]["GNT"]) == token.functions.balanceOf(gnt.address).call()

    result = cli("reconcile", env=bridge.env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 mismatches" in result.stdout


def test_reserves_at_a_past_block_are_what_they_were_then(bridge: BridgeUnderTest) -> None:
    created = bridge.post("/tokenizations", tokenization(vintage_serial(2015, 9_000_001, 9_000_010)))
    assert created.status_code == 201, created.text
    minted = bridge.wait_for(f"/tokenizations/{created.json()['id']}", lambda t: t["status"] == "minted", 60)
    token = bridge.chain.vintage(minted["vintage"]["token_address"])
    mint_block = minted["block_number"]
    retire = bridge.transact(ALICE, token.functions.retire(5 * TONNE // 2, ALICE_ADDRESS, "Alice", 0, "2015"))
    redeem = bridge.transact(ALICE, token.functions.redeem(3 * TONNE, "VERRA-ACCOUNT-42"))
    retired_at, redeemed_at = retire["blockNumber"], redeem["blockNumber"]
    latest = bridge.wait_for("/reserves", lambda r: (r["at_block"] or 0) >= redeemed_at, 60)["at_block"]

    def row_at(block: int) -> dict[str, Any]:
        response = bridge.get("/reserves", at_block=block)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["at_block"] == block and answer["status"] == "balanced", answer
        (row,) = [v for v in answer["vintages"] if v["token_address"] == minted["vintage"]["token_address"]]
        assert row["status"] == "balanced" and row["onchain_supply_wei"] == row["expected_supply_wei"], row
        return row

    def terms(row: dict[str, Any]) -> tuple[int, ...]:
        keys = ("pending_tonnes", "locked_tonnes", "retired_tonnes", "released_tonnes")
        return (*(row[k] for k in keys), int(row["accrued_retired_wei"]), int(row["expected_supply_wei"]))

    assert terms(row_at(mint_block - 1)) == (10, 0, 0, 0, 0, 0)  # the mint not mined yet
    assert terms(row_at(mint_block)) == (0, 10, 0, 0, 0, 10 * TONNE)
    assert terms(row_at(retired_at)) == (0, 8, 2, 0, TONNE // 2, 15 * TONNE // 2)
    assert terms(row_at(redeemed_at)) == (0, 5, 2, 3, TONNE // 2, 9 * TONNE // 2)

    later = requests.get(bridge.url + "/reserves", params={"at_block": latest + 1_000}, timeout=30)
    assert later.status_code == 409 and later.json()["detail"]["field"] == "at_block", later.text
    assert later.json()["detail"]["latest_block"] >= latest

    result = cli("reconcile", "--at-block", str(retired_at), env=bridge.env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"at block {retired_at} " in result.stdout and "0 mismatches" in result.stdout
    refused = cli("reconcile", "--at-block", str(latest + 1_000), env=bridge.env)
    assert refused.returncode == 2 and "--at-block" in refused.stderr, refused.stdout + refused.stderr
