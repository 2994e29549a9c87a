"""The stolen-key drill: the minter key used around the bridge, on Anvil, with the bridge running as
`carbon-bridge serve` (API, sender, listener and guardian) on SQLite and on PostgreSQL.

1. A direct mint above the window's limit reverts (1,000,000 t: the overall limit; one tonne more
   than the vintage may take now: the vintage's).
2. A direct mint under it, into a genuine vintage, is detected within seconds: an alert at
   `GET /alerts`, `GET /health` degraded naming it, minting paused on-chain by the guardian's key,
   `GET /reserves` unbalanced naming the vintage, `carbon-bridge reconcile` exit 1.
3. A tokenization asked for while minting is paused waits (pending). Once the alerts are acknowledged
   and the admin un-pauses through the timelock, the bridge mints it; a mint reusing its lock id with
   another recipient then reverts with `FactoryLockAlreadyMinted`, naming the bridge's order.
4. A vintage created directly with the minter key raises `unexplained_vintage` and pauses minting
   again; acknowledged and un-paused, the bridge mints again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from web3.exceptions import ContractLogicError

from bridge.chain.contracts import decode_revert
from bridge.listener.nonces import minter_of
from bridge.units import TONNE
from tests.support.deploying import ANVIL_ACCOUNTS
from tests.support.harness import Processes, bridge_processes
from tests.support.payloads import ALICE_ADDRESS, outside_attributes, tokenization, verra_serial
from tests.support.polling import minted, post, row, wait_for_get
from tests.support.service import account_index, admin_call

THIEF = ANVIL_ACCOUNTS[5][0]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bridge.db'}"
    return str(request.getfixturevalue("postgres_url"))


def guardian_of(record: dict[str, Any]) -> str:
    roles = record.get("roles") if isinstance(record.get("roles"), dict) else {}
    return str(roles.get("guardian") or record.get("pauser") or record["deployer"])


def serve(bridge: Processes, guardian_key: str) -> None:
    """`carbon-bridge serve` with its workers and the guardian."""
    bridge.start("bridge", "serve", BRIDGE_GUARDIAN_KEY=guardian_key)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(bridge.url + "/health", timeout=1).ok:
                return
        except requests.RequestException:
            time.sleep(0.1)
    raise TimeoutError(bridge.log("bridge"))


def revert_of(call: Any, sender: str) -> str:
    """What the contract answers a transaction of `sender` making `call`: the custom error it reverts with."""
    try:
        call.call({"from": sender})
    except ContractLogicError as err:
        return decode_revert(err.data) or str(err)
    raise AssertionError("the call did not revert")


def open_alerts_until(bridge: Processes, condition: Callable[[list[dict]], bool]) -> list[dict]:
    found = wait_for_get(bridge, "/alerts?open=true&limit=500", lambda page: condition(page["items"]), 30)
    return list(found["items"])


def acknowledge_all(bridge: Processes, note: str) -> None:
    ids = [str(a["id"]) for a in bridge.get("/alerts", open="true", limit=500)["items"]]
    result = bridge.cli("alerts", "ack", *ids, "--note", note, "--by", "drill")
    assert result.returncode == 0, result.stdout + result.stderr


def paused_by_the_guardian(bridge: Processes, alerts: list[dict], guardian: str) -> None:
    """Minting is paused, by a transaction of the guardian's key that one of the alerts records."""
    assert bridge.chain.factory.functions.paused().call()
    pauses = {a["pause_tx_hash"] for a in alerts if a["pause_tx_hash"]}
    assert len(pauses) == 1, alerts
    pause = bridge.w3.eth.get_transaction(pauses.pop())
    assert pause["from"] == guardian and pause["to"] == bridge.chain.factory.address


def test_the_stolen_minter_key_drill(tmp_path: Path, database_url: str) -> None:
    with bridge_processes(tmp_path, database_url) as bridge:
        record = bridge.deployment
        minter, guardian = minter_of(record), guardian_of(record)
        assert minter is not None and minter.lower() != guardian.lower(), (
            "the drill needs a guardian of its own"
        )
        thief_key_holder = account_index(minter)  # the thief holds the minter's key
        serve(bridge, ANVIL_ACCOUNTS[account_index(guardian)][1])
        factory = bridge.chain.factory

        genuine = minted(bridge, post(bridge, tokenization(verra_serial(5_000_001, 5_000_010))))
        token, symbol = genuine["vintage"]["token_address"], genuine["vintage"]["symbol"]
        wait_for_get(
            bridge, "/reserves", lambda r: r["balanced"] is True and r["at_block"] >= genuine["block_number"]
        )
        assert bridge.get("/alerts")["total"] == 0
        assert bridge.get("/health")["status"] == "ok"

        # 1. Above the window's limit: what was a 1,000,000 t theft reverts, and so does one tonne more
        #    than the vintage may take now.
        def mint(tonnes: int, lock_id: bytes | None = None, serial_hash: bytes | None = None) -> Any:
            return factory.functions.mint(
                token, THIEF, tonnes * TONNE, lock_id or os.urandom(32), serial_hash or os.urandom(32)
            )

        total_left, vintage_left = factory.functions.mintCapacity(token).call()
        assert revert_of(mint(1_000_000), minter).startswith(
            f"FactoryTotalMintLimitExceeded(1000000, {total_left})"
        )
        assert revert_of(mint(vintage_left + 1), minter).lower() == (
            f"FactoryVintageMintLimitExceeded({token}, {vintage_left + 1}, {vintage_left})".lower()
        )

        # 2. Under it: detected, and minting paused by the guardian.
        stolen = bridge.transact(thief_key_holder, mint(1_000))
        stolen_tx = "0x" + bytes(stolen["transactionHash"]).hex()

        def explained_and_paused(items: list[dict]) -> bool:
            return any(a["tx_hash"] == stolen_tx for a in items) and any(a["pause_tx_hash"] for a in items)

        alerts = open_alerts_until(bridge, explained_and_paused)
        theft = next(a for a in alerts if a["tx_hash"] == stolen_tx)
        assert theft["kind"] == "unexplained_mint" and theft["detail"]["to"] == THIEF, theft
        nonce = bridge.w3.eth.get_transaction(stolen_tx)["nonce"]
        foreign = wait_for_get(bridge, "/alerts?kind=foreign_nonce", lambda p: p["total"] >= 1, 30)["items"]
        assert nonce in {a["detail"]["nonce"] for a in foreign}, foreign
        paused_by_the_guardian(bridge, open_alerts_until(bridge, explained_and_paused), guardian)

        health = bridge.get("/health")
        assert health["status"] == "degraded" and health["minting_paused"] is True, health
        assert any(r.startswith(f"alert {theft['id']} (unexplained_mint)") for r in health["reasons"]), health
        reserves = wait_for_get(bridge, "/reserves", lambda r: r["at_block"] >= stolen["blockNumber"])
        assert reserves["status"] == "unbalanced", reserves
        assert [r for r in reserves["reasons"] if r.startswith(f"{symbol} ({token})")], reserves["reasons"]
        held = row(reserves, token)
        assert int(held["onchain_supply_wei"]) - int(held["expected_supply_wei"]) == 1_000 * TONNE, held
        reconciled = bridge.cli("reconcile")
        assert reconciled.returncode == 1, reconciled.stdout + reconciled.stderr
        assert symbol in reconciled.stdout and f"ALERT {theft['id']} (unexplained_mint)" in reconciled.stdout

        # 3. While paused a tokenization waits; the thief cannot mint its lock either.
        waiting_id = post(bridge, tokenization(verra_serial(5_000_011, 5_000_014)))
        time.sleep(2)  # the sender has tried, and held it
        waiting = bridge.get(f"/tokenizations/{waiting_id}")
        assert waiting["status"] == "pending", waiting
        lock_id, serial_hash = (
            bytes.fromhex(waiting["lock_id"][2:]),
            bytes.fromhex(waiting["serial_hash"][2:]),
        )
        reuse = mint(4, lock_id, serial_hash)  # to the thief, not to Alice
        assert revert_of(reuse, minter) == "FactoryMintingPaused()"

        # The investigation: acknowledged, then un-paused by the admin, through the timelock.
        acknowledge_all(bridge, "drill: a mint of 1,000 t with the minter key; key rotated")
        health = bridge.get("/health")
        assert health["open_alerts"] == 0 and health["reasons"] == [
            "minting is paused on the factory: the admin un-pauses it, through the timelock"
        ], health
        admin_call(bridge, factory, "unpause")
        assert minted(bridge, waiting_id)["status"] == "minted"
        order = factory.functions.orderHash(token, ALICE_ADDRESS, 4 * TONNE, lock_id, serial_hash).call()
        assert (
            revert_of(reuse, minter) == f"FactoryLockAlreadyMinted(0x{lock_id.hex()}, 0x{bytes(order).hex()})"
        )
        assert not factory.functions.paused().call(), "no open alert: the guardian leaves it un-paused"
        assert bridge.get("/health") == {
            "status": "ok",
            "reasons": [],
            "open_alerts": 0,
            "minting_paused": False,
        }

        # 4. A vintage created with the minter key: detected, and minting paused again.
        attributes = outside_attributes("7771")
        rogue = factory.functions.predictVintageAddress(attributes).call()
        created = bridge.transact(thief_key_holder, factory.functions.createVintage(attributes))
        created_tx = "0x" + bytes(created["transactionHash"]).hex()

        created_nonce = bridge.w3.eth.get_transaction(created_tx)["nonce"]

        def vintage_and_paused(items: list[dict]) -> bool:
            nonces = {a["detail"].get("nonce") for a in items if a["kind"] == "foreign_nonce"}
            return (
                any(a["tx_hash"] == created_tx for a in items)
                and created_nonce in nonces
                and any(a["pause_tx_hash"] for a in items)
            )

        alerts = open_alerts_until(bridge, vintage_and_paused)
        vintage = next(a for a in alerts if a["tx_hash"] == created_tx)
        assert vintage["kind"] == "unexplained_vintage" and vintage["detail"]["vintage"] == rogue, vintage
        paused_by_the_guardian(bridge, alerts, guardian)

        acknowledge_all(bridge, "drill: a vintage created with the minter key")
        admin_call(bridge, factory, "unpause")
        again = minted(bridge, post(bridge, tokenization(verra_serial(5_000_015, 5_000_016))))
        assert again["vintage"]["token_address"] == token
        assert bridge.get("/health")["status"] == "ok"
        # The stolen tonnes are still on-chain, unbacked: the reserves say so until they are burned.
        assert bridge.cli("reconcile").returncode == 1
