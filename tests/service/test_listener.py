"""The listener in-process, on a database of its own, against the bridge's chain."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bridge.db.migrate import upgrade
from bridge.db.models import ChainCursor, Project, Retirement, Vintage
from bridge.db.session import make_engine, make_session_factory
from bridge.listener.listener import DeepReorg, Listener
from bridge.services.reserves import EVENTS_CURSOR
from bridge.units import TONNE
from tests.support.payloads import ALICE, ALICE_ADDRESS, tokenization, verra_serial
from tests.support.service import BridgeUnderTest, bridge_and_wait


def _listener_on_fresh_database(bridge: BridgeUnderTest, tmp_path: Path, token_address: str, **kwargs):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'listener.db'}"
    upgrade(url)
    sessions = make_session_factory(make_engine(url))
    with sessions() as session:
        project = Project(registry_id=1, project_id="1340", category=1)
        session.add(project)
        session.flush()
        session.add(
            Vintage(
                project_pk=project.id,
                vintage_start=date(2020, 1, 1),
                vintage_end=date(2020, 12, 31),
                key="0x" + "11" * 32,
                token_address=token_address,
            )
        )
        session.commit()
    return sessions, Listener(sessions, bridge.chain, **kwargs)


def _retirements(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Retirement)) or 0)


def test_an_event_waits_for_the_confirmation_depth_and_applies_once(
    bridge: BridgeUnderTest, tmp_path: Path
) -> None:
    minted = bridge_and_wait(bridge, tokenization(verra_serial(11_000_001, 11_000_004)))
    token = bridge.chain.vintage(minted["vintage"]["token_address"])
    sessions, listener = _listener_on_fresh_database(
        bridge, tmp_path, token.address, confirmations=3, block_batch=7
    )
    listener.catch_up()

    receipt = bridge.transact(ALICE, token.functions.retire(TONNE, ALICE_ADDRESS, "Alice", 0, ""))
    listener.catch_up()
    assert _retirements(sessions) == 0, "applied before 3 confirmations"

    for _ in range(3):
        bridge.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    listener.catch_up()
    assert _retirements(sessions) == 1

    # A listener that died after applying but before its cursor moved reads the blocks again:
    # the event's chain key makes the second application a no-op.
    earlier = receipt["blockNumber"] - 2
    earlier_hash = "0x" + bytes(bridge.w3.eth.get_block(earlier - 1)["hash"]).hex()
    with sessions() as session:
        session.execute(
            update(ChainCursor)
            .where(ChainCursor.name == EVENTS_CURSOR)
            .values(next_block=earlier, block_hash=earlier_hash)
        )
        session.commit()
    Listener(sessions, bridge.chain, confirmations=3).catch_up()
    assert _retirements(sessions) == 1


def test_a_reorg_deeper_than_the_depth_stops_the_listener(bridge: BridgeUnderTest, tmp_path: Path) -> None:
    minted = bridge_and_wait(bridge, tokenization(verra_serial(12_000_001, 12_000_002)))
    sessions, listener = _listener_on_fresh_database(
        bridge, tmp_path, minted["vintage"]["token_address"], confirmations=0
    )
    listener.catch_up()
    # Pretend the block it applied last had another hash: the chain now contradicts what was applied.
    with sessions() as session:
        session.execute(
            update(ChainCursor).where(ChainCursor.name == EVENTS_CURSOR).values(block_hash="0x" + "ab" * 32)
        )
        session.commit()
    with pytest.raises(DeepReorg):
        listener.step()
    with sessions() as session:
        assert session.get(ChainCursor, EVENTS_CURSOR).block_hash == "0x" + "ab" * 32  # nothing moved
