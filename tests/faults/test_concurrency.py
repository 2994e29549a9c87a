"""Several API and sender processes on one PostgreSQL database."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from tests.support.anvil import free_port
from tests.support.checks import assert_minted_exactly_once, assert_reserves_balance, wait_until_settled
from tests.support.harness import Processes, bridge_processes
from tests.support.payloads import tokenization, verra_serial

CONCURRENT = 24
SPELLINGS = 20


def _two_api_processes(bridge: Processes) -> list[str]:
    """The bridge's API (with its sender and listener) and a second `serve --no-workers`: their URLs."""
    bridge.start_api()
    second = f"http://127.0.0.1:{free_port()}"
    bridge.start("api-2", "serve", "--no-workers", BRIDGE_API_PORT=second.rsplit(":", 1)[1])
    while True:
        try:
            requests.get(second + "/health", timeout=1)
            return [bridge.url, second]
        except requests.RequestException:
            time.sleep(0.1)


def _post_all_at_once(urls: list[str], key: str, bodies: list[dict]) -> list[requests.Response]:
    barrier = threading.Barrier(len(bodies))
    responses: list[requests.Response | None] = [None] * len(bodies)

    def post(i: int) -> None:
        barrier.wait()
        responses[i] = requests.post(
            urls[i % len(urls)] + "/tokenizations", json=bodies[i], headers={"X-API-Key": key}, timeout=60
        )

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r is not None for r in responses)
    return [r for r in responses if r is not None]


def test_concurrent_overlapping_requests_lock_once_across_api_processes(
    tmp_path: Path, postgres_url: str
) -> None:
    with bridge_processes(tmp_path, postgres_url) as bridge:
        urls = _two_api_processes(bridge)

        # 24 requests, all for overlapping parts of one block, at the same moment, through two processes.
        overlapping = [tokenization(verra_serial(1_000 + i, 1_100 + i)) for i in range(CONCURRENT)]
        responses = _post_all_at_once(urls, bridge.api_key, overlapping)
        codes = Counter(r.status_code for r in responses)
        assert codes == {201: 1, 409: CONCURRENT - 1}, codes
        assert all(r.json()["detail"]["conflicting_lock"] for r in responses if r.status_code == 409)

        # 24 disjoint requests of the same issuance at the same moment: all accepted.
        disjoint = [tokenization(verra_serial(10_000 + i * 10, 10_009 + i * 10)) for i in range(CONCURRENT)]
        responses = _post_all_at_once(urls, bridge.api_key, disjoint)
        assert Counter(r.status_code for r in responses) == {201: CONCURRENT}
        print(
            f"{CONCURRENT} overlapping: 1 accepted, {CONCURRENT - 1} refused; {CONCURRENT} disjoint: accepted"
        )


def _spellings_of_units_5000_to_5100(count: int) -> list[str]:
    """`count` serials naming overlapping Verra units 5,000-5,100, each spelled another way: another
    batch id, label flag, range within the block, or the legacy APX form. Verra numbers units
    registry-wide, so these are all the same physical units."""
    spellings = []
    for i in range(count):
        start, end = 5_000 + i, 5_100 - (i % 7)
        if i % 4 == 3:
            spellings.append(f"{7_000 + i}-{start}-{end}-VCU-003-APX-ET-14-1340-01012020-31122020-{i % 2}")
        else:
            spellings.append(
                f"{30_000 + i}-{start}-{end}-VCS-VCU-1507-VER-ET-14-1340-01012020-31122020-{i % 2}"
            )
    return spellings


def test_simultaneous_spellings_of_the_same_units_lock_once_across_api_processes(
    tmp_path: Path, postgres_url: str
) -> None:
    with bridge_processes(tmp_path, postgres_url) as bridge:
        urls = _two_api_processes(bridge)

        # Different batch ids take different batch locks: only the database's exclusion constraint
        # stands between two of them racing past the overlap check.
        bodies = [tokenization(serial) for serial in _spellings_of_units_5000_to_5100(SPELLINGS)]
        responses = _post_all_at_once(urls, bridge.api_key, bodies)
        codes = Counter(r.status_code for r in responses)
        assert codes == {201: 1, 409: SPELLINGS - 1}, [r.text for r in responses if r.status_code != 409]
        winner = next(r.json()["id"] for r in responses if r.status_code == 201)
        refused = [r.json()["detail"]["conflicting_lock"] for r in responses if r.status_code == 409]
        assert {lock["tokenization_id"] for lock in refused} == {winner}
        engine = create_engine(postgres_url)
        with engine.connect() as connection:
            held = connection.execute(text("SELECT count(*) FROM serial_ranges")).scalar_one()
        engine.dispose()
        assert held == 1
        # How many lost the race past the overlap check and were stopped by the constraint instead.
        raced = sum(bridge.log(name, tail=None).count("lost a race") for name in ("api", "api-2"))
        print(
            f"{SPELLINGS} spellings of one block at once through two API processes: 1 lock ({raced} retried)"
        )


def test_two_senders_share_the_queue_without_double_send_or_nonce_gap(
    tmp_path: Path, postgres_url: str
) -> None:
    with bridge_processes(tmp_path, postgres_url) as bridge:
        bridge.start_api()
        bridge.start_sender("sender-a")
        bridge.start_sender("sender-b")
        bridge.start_listener()
        accepted = set()

        def post(i: int) -> None:
            response = bridge.post(
                "/tokenizations", tokenization(verra_serial(100_000 + i * 10, 100_004 + i * 10))
            )
            assert response.status_code == 201, response.text + bridge.log("api")
            accepted.add(response.json()["id"])

        # In waves, until sender-a has won some of the queue from sender-b (which sender claims an item
        # first is a race); then sender-a dies mid-queue, its leased items pass to sender-b when their
        # leases run out, and sender-b alone takes the rest.
        waves = iter(range(0, 80, 5))
        deadline = time.monotonic() + 60
        for start in waves:
            for i in range(start, start + 5):
                post(i)
            time.sleep(0.2)
            if bridge.log("sender-a", tail=None).count(" signed, nonce ") or time.monotonic() > deadline:
                break
        bridge.kill("sender-a")
        for start in waves:
            for i in range(start, start + 5):
                post(i)
        wait_until_settled(bridge)

        assert_minted_exactly_once(bridge, accepted)
        assert_reserves_balance(bridge)
        engine = create_engine(postgres_url)
        with engine.connect() as connection:
            query = "SELECT nonce, tx_hash FROM outbox WHERE nonce IS NOT NULL ORDER BY nonce"
            rows = connection.execute(text(query)).all()
        engine.dispose()
        # A batch mint's items share one transaction: one nonce, one hash, never two hashes per nonce.
        hashes = {row.nonce: {r.tx_hash for r in rows if r.nonce == row.nonce} for row in rows}
        assert all(len(h) == 1 for h in hashes.values()), "two transactions signed with one nonce"
        nonces = sorted(hashes)
        assert nonces == list(range(nonces[0], nonces[0] + len(nonces))), "a nonce was skipped"
        bridge_address = bridge.deployment["roles"]["minter"]
        assert bridge.w3.eth.get_transaction_count(bridge_address) == nonces[-1] + 1
        signed_by = {
            name: bridge.log(name, tail=None).count(" signed, nonce ") for name in ("sender-a", "sender-b")
        }
        assert all(signed_by.values()), signed_by
        print(
            f"{len(rows)} items in {len(nonces)} transactions, nonces {nonces[0]}..{nonces[-1]}, no gap; "
            f"signed by {signed_by}"
        )


def test_first_requests_of_a_new_vintage_queue_its_token_once_across_api_processes(
    tmp_path: Path, postgres_url: str
) -> None:
    """A known vintage is read without its lock; the requests that find it new or without a queued
    token take the lock, so however many arrive at once, one token is created."""
    with bridge_processes(tmp_path, postgres_url) as bridge:
        urls = _two_api_processes(bridge)

        def wave(first_batch: int) -> list[dict]:
            # Each request another batch of the same vintage: no batch lock orders them.
            return [
                tokenization(
                    verra_serial(
                        first_batch * 100 + i * 10, first_batch * 100 + i * 10 + 4, batch=first_batch + i
                    )
                )
                for i in range(CONCURRENT)
            ]

        for first_batch in (40_000, 50_000):  # the vintage new, then known
            responses = _post_all_at_once(urls, bridge.api_key, wave(first_batch))
            assert Counter(r.status_code for r in responses) == {201: CONCURRENT}, [r.text for r in responses]
            assert len({r.json()["vintage"]["id"] for r in responses}) == 1
        engine = create_engine(postgres_url)
        with engine.connect() as connection:
            vintages = connection.execute(text("SELECT count(*) FROM vintages")).scalar_one()
            creations = connection.execute(
                text("SELECT count(*) FROM outbox WHERE kind = 'create_vintage'")
            ).scalar_one()
        engine.dispose()
        assert (vintages, creations) == (1, 1)
