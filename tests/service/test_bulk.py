"""`POST /tokenizations/bulk` over real HTTP: each item answered as the single request would have been,
bad items beside good ones, the key's limits per item, and two overlapping bulks racing."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bridge.catalog import Registry
from bridge.db.models import SerialRange
from bridge.db.session import make_engine, make_session_factory
from bridge.services import operators
from bridge.units import TONNE
from tests.support.payloads import ALICE_ADDRESS, tokenization
from tests.support.service import BridgeUnderTest, balance

_operators = itertools.count()


def serial(start: int, end: int, *, batch: int = 19385) -> str:
    return f"{batch}-{start}-{end}-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-1"


@pytest.fixture(scope="module")
def sessions(bridge: BridgeUnderTest) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(bridge.env["BRIDGE_DATABASE_URL"])
    yield make_session_factory(engine)
    engine.dispose()


def new_key(
    sessions: sessionmaker[Session], registries: tuple[Registry, ...] = (Registry.VERRA,), **limits: Any
) -> str:
    with sessions() as session:
        _, secret = operators.create_key(
            session, f"bulk desk {next(_operators)}", list(registries), actor="test", **limits
        )
    return secret


def bulk(bridge: BridgeUnderTest, items: list[Any], key: str | None = None) -> list[dict[str, Any]]:
    response = bridge.post("/tokenizations/bulk", {"items": items}, key=key)
    assert response.status_code == 207, response.text
    body = response.json()
    assert [item["index"] for item in body["items"]] == list(range(len(items)))
    outcomes = [item["outcome"] for item in body["items"]]
    assert (body["created"], body["replayed"], body["refused"]) == (
        outcomes.count("created"),
        outcomes.count("replayed"),
        outcomes.count("refused"),
    )
    return list(body["items"])


def test_each_item_gets_the_answer_a_single_request_would_have(bridge: BridgeUnderTest) -> None:
    earlier = tokenization(serial(30_000_001, 30_000_010))
    first = bridge.post("/tokenizations", earlier)
    assert first.status_code == 201, first.text
    good = [tokenization(serial(30_000_101 + 10 * i, 30_000_110 + 10 * i)) for i in range(3)]
    bad_address = {**tokenization(serial(30_000_201, 30_000_210)), "beneficiary": "0x1234"}
    items: list[Any] = [
        good[0],
        earlier,  # replayed: 200, the first tokenization
        tokenization(serial(30_000_005, 30_000_020)),  # overlaps `earlier`: 409
        {**tokenization("not a serial")},  # 422 naming serial
        bad_address,  # 422 naming beneficiary, as request validation would
        tokenization("ACR-US-1185-2025-3078-1 to 10", registry="acr"),  # key lacks acr: 403
        good[1],
        {**good[1], "serial": serial(30_000_301, 30_000_310)},  # key reused, another block: 409
        good[1],  # the same item again: 200
        {"not": "an item"},
        good[2],
    ]
    results = bulk(bridge, items)
    statuses = [r["status"] for r in results]
    assert statuses == [201, 200, 409, 422, 422, 403, 201, 409, 200, 422, 201], results
    assert results[1]["tokenization"]["id"] == first.json()["id"]
    assert results[2]["error"]["field"] == "serial"
    assert results[2]["error"]["conflicting_lock"]["tokenization_id"] == first.json()["id"]
    assert results[3]["error"]["field"] == "serial"
    assert results[4]["error"]["field"] == "beneficiary"
    assert results[4]["idempotency_key"] is None
    assert results[5]["error"]["field"] == "registry"
    assert results[7]["error"]["field"] == "idempotency_key"
    assert results[8]["tokenization"]["id"] == results[6]["tokenization"]["id"]
    assert results[9]["outcome"] == "refused" and results[9]["error"]["field"] == "idempotency_key"

    # Only the good items hold serials and mint, each exactly its tonnes.
    for result in (results[0], results[6], results[10]):
        minted = bridge.wait_for(
            f"/tokenizations/{result['tokenization']['id']}", lambda t: t["status"] == "minted"
        )
        assert minted["quantity"] == 10
    bridge.wait_for(f"/tokenizations/{first.json()['id']}", lambda t: t["status"] == "minted")
    token = minted["vintage"]["token_address"]
    # `earlier` and the three good ones (other tests of the module mint to Alice later, not before).
    assert balance(bridge, token, ALICE_ADDRESS) == 40 * TONNE

    # Sent again, the whole request replays: nothing more is held or minted.
    again = bulk(bridge, items)
    assert [r["status"] for r in again] == [200, 200, 409, 422, 422, 403, 200, 409, 200, 422, 200]


def test_items_of_one_chunk_meet_as_requests_sent_one_after_the_other(
    bridge: BridgeUnderTest, sessions: sessionmaker[Session]
) -> None:
    """A chunk writes its locks when it ends: until then each item still sees the ones before it."""
    key = new_key(sessions, (Registry.VERRA, Registry.J_CREDIT))
    j_credit_project = {"project_id": "JCL-0077", "name": "Forest management, Nagano", "category": "forestry"}

    def j_credit(serial: str, quantity: int, **extra: Any) -> dict[str, Any]:
        return tokenization(
            serial,
            registry="j_credit",
            quantity=quantity,
            project=j_credit_project,
            vintage_start="2023-04-01",
            vintage_end="2024-03-31",
            **extra,
        )

    other_year = "19500-34000021-34000030-VCS-VCU-1507-VER-ET-14-1340-01012021-31122021-1"
    results = bulk(
        bridge,
        [
            tokenization(serial(34_000_001, 34_000_010, batch=19500)),
            tokenization(serial(34_000_005, 34_000_015, batch=19600)),  # the units of the item before
            tokenization(other_year),  # the first item's batch, described as another vintage
            j_credit("JCL 0077-2023-A", 600, issued_quantity=1000),
            j_credit(" jcl ００77\u20102023\u2013a ", 500),  # the same id: only 400 left
            j_credit("JCL 0077-2023-A", 400),
        ],
        key=key,
    )
    assert [r["status"] for r in results] == [201, 409, 422, 201, 409, 201], results
    first = results[0]["tokenization"]["id"]
    assert results[1]["error"]["conflicting_lock"]["tokenization_id"] == first
    assert results[2]["error"]["field"] == "serial" and first in results[2]["error"]["message"]
    assert results[3]["tokenization"]["serial_identity"]["ranges"] == [[1, 600]]
    assert results[4]["error"]["free"] == 400
    assert results[5]["tokenization"]["serial_identity"]["ranges"] == [[601, 1000]]
    with sessions() as session:
        held = session.scalars(
            select(SerialRange.tokenization_id).where(
                SerialRange.tokenization_id.in_(
                    [r["tokenization"]["id"] for r in results if r["tokenization"]]
                )
            )
        ).all()
    assert len(held) == 3


def test_a_request_of_more_than_1000_items_is_refused_naming_items(bridge: BridgeUnderTest) -> None:
    item = tokenization(serial(31_000_001, 31_000_001))
    for items in ([item] * 1001, []):
        response = bridge.post("/tokenizations/bulk", {"items": items})
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["body", "items"]
    assert bridge.post("/tokenizations/bulk", {"items": [item]}, key="").status_code == 401


def test_the_keys_quota_and_approval_limit_apply_per_item(
    bridge: BridgeUnderTest, sessions: sessionmaker[Session]
) -> None:
    key = new_key(sessions, daily_quota_tonnes=25, approval_above_tonnes=8)
    items = [
        tokenization(serial(32_000_001, 32_000_005)),  # 5 t
        tokenization(serial(32_000_011, 32_000_020)),  # 10 t: above the approval limit, waits
        tokenization(serial(32_000_021, 32_000_035)),  # 15 t: 30 t in all, over the quota
        tokenization(serial(32_000_041, 32_000_050)),  # 10 t: 25 t in all, fits
    ]
    results = bulk(bridge, items, key=key)
    assert [r["status"] for r in results] == [201, 201, 429, 201]
    assert results[1]["tokenization"]["status"] == "awaiting_approval"
    assert results[2]["error"]["field"] == "quantity"
    assert results[2]["error"]["remaining_tonnes"] == 10


def test_two_overlapping_bulks_never_both_lock_a_block(
    bridge: BridgeUnderTest, sessions: sessionmaker[Session]
) -> None:
    """The same 40 blocks (of 8 batches) in opposite orders, each with its own keys, at once."""
    blocks = [serial(33_000_001 + 100 * i, 33_000_050 + 100 * i, batch=20_000 + i % 8) for i in range(40)]
    first = [tokenization(s) for s in blocks]
    second = [tokenization(s) for s in reversed(blocks)]
    with ThreadPoolExecutor(2) as pool:
        one, two = pool.map(lambda items: bulk(bridge, items), [first, second])
    two = list(reversed(two))
    for a, b in zip(one, two, strict=True):
        assert sorted([a["status"], b["status"]]) == [201, 409], (a, b)
    with sessions() as session:
        held = session.scalar(
            select(func.count()).where(SerialRange.block_start.between(33_000_001, 33_004_000))
        )
    assert held == 40
