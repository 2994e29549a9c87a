"""Alerts: what the chain shows and no bridge record explains, stored once, listed at `GET /alerts`,
degrading `GET /health` until an operator acknowledges it (audited), against the running bridge
(SQLite and PostgreSQL, real Anvil, real HTTP). The rules one by one: a normal flow raises nothing;
the bridge's key used around it, and the admin acting after the deployment, raise one alert each."""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text, update

from bridge.db.migrate import upgrade
from bridge.db.models import Alert, AuditEvent, ChainCursor, Operator, Project, Tokenization, Vintage
from bridge.db.session import make_engine, make_session_factory
from bridge.guardian import Guardian
from bridge.listener.listener import Listener
from bridge.services.reserves import EVENTS_CURSOR
from bridge.units import TONNE
from tests.support.deploying import ANVIL_ACCOUNTS, BRIDGE_ACCOUNT
from tests.support.payloads import (
    ALICE,
    ALICE_ADDRESS,
    BOB_ADDRESS,
    outside_attributes,
    tokenization,
    verra_serial,
)
from tests.support.service import (
    BridgeUnderTest,
    account_index,
    admin_call,
    bridge_and_wait,
    cli,
)

BRIDGE_KEY_HOLDER = next(i for i, (address, _) in enumerate(ANVIL_ACCOUNTS) if address == BRIDGE_ACCOUNT[0])
STRANGER_ADDRESS = ANVIL_ACCOUNTS[5][0]


def _hex(value: Any) -> str:
    return "0x" + bytes(value).hex()


def listener_past(bridge: BridgeUnderTest, block: int) -> None:
    bridge.wait_for("/reserves", lambda r: (r["listener_block"] or 0) >= block, 30)


def alerts_until(bridge: BridgeUnderTest, condition: Any, timeout: float = 30.0, **params: Any) -> list[dict]:
    """Every alert (newest first) once `condition(alerts)` holds."""
    deadline = time.monotonic() + timeout
    found: list[dict] = []
    while time.monotonic() < deadline:
        found = bridge.get("/alerts", limit=500, **params).json()["items"]
        if condition(found):
            return found
        time.sleep(0.2)
    raise AssertionError(f"alerts never satisfied the condition: {found}\n{bridge.log()}")


def audit_rows(bridge: BridgeUnderTest, action: str) -> list[Any]:
    engine = create_engine(bridge.env["BRIDGE_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    text("SELECT actor, entity_id, detail FROM audit_log WHERE action = :a ORDER BY id"),
                    {"a": action},
                )
            )
    finally:
        engine.dispose()


def test_a_normal_tokenization_flow_raises_no_alert_and_health_is_ok(bridge: BridgeUnderTest) -> None:
    minted = bridge_and_wait(bridge, tokenization(verra_serial(21_000_001, 21_000_010)))
    token = bridge.chain.vintage(minted["vintage"]["token_address"])
    retired = bridge.transact(ALICE, token.functions.retire(TONNE, ALICE_ADDRESS, "Alice", 0, ""))
    listener_past(bridge, retired["blockNumber"])
    time.sleep(0.5)  # a few nonce checks too

    assert bridge.get("/alerts").json() == {"items": [], "total": 0, "limit": 50, "offset": 0}
    health = bridge.get("/health", key="").json()
    assert health == {"status": "ok", "reasons": [], "open_alerts": 0, "minting_paused": False}, health


def test_what_no_record_explains_raises_one_alert_each_and_health_is_degraded_until_acknowledged(
    bridge: BridgeUnderTest,
) -> None:
    factory = bridge.chain.factory
    genuine = bridge_and_wait(bridge, tokenization(verra_serial(22_000_001, 22_000_004)))["vintage"]
    # The bridge's key, used around the bridge: a vintage of its own, and 5 t into a genuine vintage.
    attributes = outside_attributes("8881")
    rogue = factory.functions.predictVintageAddress(attributes).call()
    created = bridge.transact(BRIDGE_KEY_HOLDER, factory.functions.createVintage(attributes))
    lock_id = os.urandom(32)
    mint = factory.functions.mint(genuine["token_address"], BOB_ADDRESS, 5 * TONNE, lock_id, os.urandom(32))
    minted = bridge.transact(BRIDGE_KEY_HOLDER, mint)
    # The admin, after the deployment: a minter granted and revoked, the implementation set again.
    minter_role = factory.functions.MINTER_ROLE().call()
    granted = admin_call(bridge, factory, "grantRole", minter_role, STRANGER_ADDRESS)
    revoked = admin_call(bridge, factory, "revokeRole", minter_role, STRANGER_ADDRESS)
    implementation = factory.functions.implementation().call()
    reset = admin_call(bridge, factory, "setImplementation", implementation)

    expected = {
        ("unexplained_vintage", _hex(created["transactionHash"])),
        ("unexplained_mint", _hex(minted["transactionHash"])),
        ("role_change", _hex(granted["transactionHash"])),
        ("role_change", _hex(revoked["transactionHash"])),
        ("implementation_changed", _hex(reset["transactionHash"])),
    }
    nonces = {bridge.w3.eth.get_transaction(tx["transactionHash"])["nonce"] for tx in (created, minted)}
    found = alerts_until(bridge, lambda items: len(items) >= len(expected) + len(nonces))
    listener_past(bridge, reset["blockNumber"])
    time.sleep(0.5)
    found = bridge.get("/alerts").json()["items"]
    assert {(a["kind"], a["tx_hash"]) for a in found if a["kind"] != "foreign_nonce"} == expected, found
    assert {a["detail"]["nonce"] for a in found if a["kind"] == "foreign_nonce"} == nonces, found
    assert len(found) == len(expected) + len(nonces), "one alert per cause"
    by_tx = {a["tx_hash"]: a for a in found}
    assert by_tx[_hex(created["transactionHash"])]["detail"]["vintage"] == rogue
    assert _hex(lock_id) in by_tx[_hex(minted["transactionHash"])]["message"]
    assert "MINTER_ROLE granted to " + STRANGER_ADDRESS in by_tx[_hex(granted["transactionHash"])]["message"]
    assert all(a["open"] and a["pause_tx_hash"] is None for a in found), "no guardian key: nothing paused"

    health = bridge.get("/health").json()
    assert health["status"] == "degraded" and health["open_alerts"] == len(found), health
    assert {f"alert {a['id']} ({a['kind']})" for a in found} == {r.split(":")[0] for r in health["reasons"]}
    reserves = bridge.get("/reserves").json()
    assert reserves["status"] == "unbalanced", reserves
    assert [r for r in reserves["reasons"] if r.startswith(genuine["symbol"])], reserves["reasons"]
    result = cli("reconcile", env=bridge.env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{len(found)} open alerts" in result.stdout and genuine["symbol"] in result.stdout

    ids = [str(a["id"]) for a in found]
    acked = cli(
        "alerts", "ack", *ids, "--note", "drill: the test's own transactions", "--by", "ops-1", env=bridge.env
    )
    assert acked.returncode == 0, acked.stdout + acked.stderr
    assert bridge.get("/health").json() == {
        "status": "ok",
        "reasons": [],
        "open_alerts": 0,
        "minting_paused": False,
    }
    again = cli("alerts", "ack", ids[0], "--note", "twice", env=bridge.env)
    assert again.returncode == 1 and "acknowledged by ops-1" in again.stderr, again.stderr
    audited = audit_rows(bridge, "alert.acknowledged")
    assert sorted(row.entity_id for row in audited) == sorted(ids)
    assert all(row.actor == "ops-1" and "the test's own transactions" in row.detail for row in audited)
    listed = cli("alerts", "list", env=bridge.env)
    assert f"{len(found)} alerts" in listed.stdout and "acked by ops-1" in listed.stdout, listed.stdout


def test_alerts_are_listed_newest_first_in_pages_and_filtered(bridge: BridgeUnderTest) -> None:
    factory = bridge.chain.factory
    before = bridge.get("/alerts").json()["total"]
    created = bridge.transact(BRIDGE_KEY_HOLDER, factory.functions.createVintage(outside_attributes("8882")))
    alerts_until(bridge, lambda items: len(items) >= before + 2)  # the vintage and the nonce

    everything = bridge.get("/alerts", limit=500).json()
    assert everything["total"] == before + 2
    ids = [a["id"] for a in everything["items"]]
    assert ids == sorted(ids, reverse=True), "newest first"
    pages = [bridge.get("/alerts", limit=3, offset=offset).json() for offset in range(0, len(ids), 3)]
    assert [a["id"] for page in pages for a in page["items"]] == ids
    assert {page["total"] for page in pages} == {len(ids)}

    opened = bridge.get("/alerts", open="true").json()
    assert opened["total"] == 2 and all(a["open"] for a in opened["items"]), opened
    assert {a["kind"] for a in opened["items"]} == {"unexplained_vintage", "foreign_nonce"}
    assert bridge.get("/alerts", open="false").json()["total"] == before
    vintage_alerts = bridge.get("/alerts", kind="unexplained_vintage").json()["items"]
    assert _hex(created["transactionHash"]) in {a["tx_hash"] for a in vintage_alerts}
    one = opened["items"][0]
    assert bridge.get(f"/alerts/{one['id']}").json() == one
    assert bridge.get("/alerts/2147483647").status_code == 404
    assert bridge.get("/alerts", kind="something_else").status_code == 422

    assert (
        cli(
            "alerts", "ack", *(str(a["id"]) for a in opened["items"]), "--note", "paging", env=bridge.env
        ).returncode
        == 0
    )


def _fresh_database(tmp_path: Path, token: str, orders: list[tuple[bytes, str, int, bytes]]):  # type: ignore[no-untyped-def]
    """A database of its own that knows one vintage (at `token`) and a pending tokenization per
    (lock id, beneficiary, tonnes, serial hash)."""
    url = f"sqlite:///{tmp_path / 'watch.db'}"
    upgrade(url)
    sessions = make_session_factory(make_engine(url))
    with sessions() as session:
        operator = Operator(name="Watch desk")
        project = Project(registry_id=1, project_id="1340", category=1)
        session.add_all([operator, project])
        session.flush()
        vintage = Vintage(
            project_pk=project.id,
            vintage_start=date(2020, 1, 1),
            vintage_end=date(2020, 12, 31),
            key="0x" + "22" * 32,
            token_address=token,
        )
        session.add(vintage)
        session.flush()
        for n, (lock_id, beneficiary, tonnes, serial_hash) in enumerate(orders):
            session.add(
                Tokenization(
                    id=f"00000000-0000-0000-0000-{n:012d}",
                    operator_id=operator.id,
                    idempotency_key=f"watch-{n}",
                    request_hash="0" * 64,
                    registry_id=1,
                    serial=f"watch serial {n}",
                    issuance=f"watch issuance {n}",
                    block_start=n * 1000 + 1,
                    block_end=n * 1000 + tonnes,
                    quantity=tonnes,
                    vintage_pk=vintage.id,
                    beneficiary=beneficiary,
                    status="pending",
                    lock_id=_hex(lock_id),
                    serial_hash=_hex(serial_hash),
                )
            )
        session.commit()
    return sessions


def test_a_lock_minted_with_another_order_is_a_mismatch_and_a_listener_restart_adds_no_alert(
    bridge: BridgeUnderTest, tmp_path: Path
) -> None:
    factory = bridge.chain.factory
    token = bridge_and_wait(bridge, tokenization(verra_serial(23_000_001, 23_000_002)))["vintage"][
        "token_address"
    ]
    stolen, honest = (
        (os.urandom(32), ALICE_ADDRESS, 3, os.urandom(32)),
        (os.urandom(32), ALICE_ADDRESS, 2, os.urandom(32)),
    )
    sessions = _fresh_database(tmp_path, token, [stolen, honest])
    # The lock of a pending tokenization, minted to someone else; the other lock, exactly as ordered.
    other = bridge.transact(
        BRIDGE_KEY_HOLDER, factory.functions.mint(token, BOB_ADDRESS, 3 * TONNE, stolen[0], stolen[3])
    )
    same = bridge.transact(
        BRIDGE_KEY_HOLDER, factory.functions.mint(token, honest[1], 2 * TONNE, honest[0], honest[3])
    )

    listener = Listener(sessions, bridge.chain, confirmations=0)
    listener.catch_up()
    with sessions() as session:
        by_tx = {a.tx_hash: a for a in session.scalars(select(Alert))}
        mismatch = by_tx[_hex(other["transactionHash"])]
        assert mismatch.kind == "lock_order_mismatch", mismatch.message
        assert "00000000-0000-0000-0000-000000000000" in mismatch.message and "to differ" in mismatch.message
        assert _hex(same["transactionHash"]) not in by_tx, "a mint of exactly the recorded order is explained"
        count = session.scalar(select(func.count()).select_from(Alert))
        mismatch.acknowledged_at, mismatch.acknowledged_by = mismatch.created_at, "ops-2"
        session.commit()

    # A listener that lost its cursor (a restart from scratch) reads every block again: nothing new,
    # and what was acknowledged stays acknowledged.
    with sessions() as session:
        session.execute(
            update(ChainCursor)
            .where(ChainCursor.name == EVENTS_CURSOR)
            .values(next_block=int(bridge.deployment["block"]), block_hash=None)
        )
        session.commit()
    Listener(sessions, bridge.chain, confirmations=0).catch_up()
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == count
        again = session.scalars(select(Alert).where(Alert.tx_hash == _hex(other["transactionHash"]))).one()
        assert (again.id, again.acknowledged_by) == (mismatch.id, "ops-2")

    # The running bridge knows neither lock: both mints are unexplained there, and their nonces foreign.
    mints = {_hex(other["transactionHash"]), _hex(same["transactionHash"])}
    nonces = {bridge.w3.eth.get_transaction(tx_hash)["nonce"] for tx_hash in mints}
    found = alerts_until(
        bridge,
        lambda items: (
            mints <= {a["tx_hash"] for a in items if a["kind"] == "unexplained_mint"}
            and nonces <= {a["detail"]["nonce"] for a in items if a["kind"] == "foreign_nonce"}
        ),
        open="true",
    )
    ids = [str(a["id"]) for a in found]
    assert cli("alerts", "ack", *ids, "--note", "the test's own mints", env=bridge.env).returncode == 0


def test_the_guardian_pauses_for_alerts_stored_before_it_started_once(
    bridge: BridgeUnderTest, tmp_path: Path
) -> None:
    factory = bridge.chain.factory
    guardian_key = ANVIL_ACCOUNTS[account_index(bridge.deployment["roles"]["guardian"])][1]
    url = f"sqlite:///{tmp_path / 'guardian.db'}"
    upgrade(url)
    sessions = make_session_factory(make_engine(url))
    with sessions() as session:
        # Stored by a listener before the guardian ran (or before it crashed): it must still answer them.
        stored = [
            Alert(key="test:1", kind="unexplained_vintage", message="a vintage"),
            Alert(key="test:2", kind="foreign_nonce", message="a nonce"),
        ]
        session.add_all(stored)
        session.commit()
    with pytest.raises(ValueError, match="minter's key"):
        Guardian(sessions, bridge.chain, BRIDGE_ACCOUNT[1])

    guardian = Guardian(sessions, bridge.chain, guardian_key, poll_interval=0.1)
    tx_hash = guardian.step()
    assert tx_hash is not None and factory.functions.paused().call()
    assert bridge.w3.eth.get_transaction(tx_hash)["from"] == guardian.account.address
    assert guardian.step() is None, "once: the alerts record their pause"
    with sessions() as session:
        assert {a.pause_tx_hash for a in session.scalars(select(Alert))} == {tx_hash}
        audited = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "factory.paused")
        )
        assert audited == 2
        session.add(Alert(key="test:3", kind="role_change", message="later, while paused"))
        session.commit()
    assert guardian.step() is None, "paused already: nothing to send"
    health = bridge.wait_for("/health", lambda h: h["minting_paused"] is True)
    assert health["status"] == "degraded" and health["reasons"][-1].startswith("minting is paused"), health

    admin_call(bridge, factory, "unpause")
    # Un-paused while an alert no pause answered is open: the guardian pauses for it.
    again = guardian.step()
    assert again is not None and again != tx_hash and factory.functions.paused().call()
    admin_call(bridge, factory, "unpause")
    bridge.wait_for("/health", lambda h: h["status"] == "ok")
