"""Tokenizations per second through the HTTP API (request to mined mint), against the raw rate of
signed mint transactions from a tight web3.py loop on the same Anvil, in the same run."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests
from eth_account import Account
from eth_utils import keccak
from sqlalchemy import create_engine, text

from bench.chain import BRIDGE, BenchChain, attributes
from bridge.units import TONNE
from tests.support.anvil import free_port
from tests.support.deploying import ANVIL_ACCOUNTS, PROJECT_DIR

CARBON_BRIDGE = str(Path(sys.executable).with_name("carbon-bridge"))
HOLDER = ANVIL_ACCOUNTS[3][0]


def raw_loop(chain: BenchChain, count: int, window: int | None = None) -> dict[str, Any]:
    """Signs and sends `count` single mints as fast as one loop can, then waits for the last receipt.

    `window`: wait for the receipt of every `window`-th mint before sending more. Anvil's pool slows
    down with thousands of pending transactions (10,000 at once timed out), so long runs keep it short.
    """
    factory = chain.chain.factory
    created = chain.send(BRIDGE, factory.functions.createVintage(attributes("9001", year=2019)))
    vintage = factory.events.VintageCreated().process_receipt(created)[0]["args"]["vintage"]
    account = Account.from_key(BRIDGE[1])
    nonce = chain.w3.eth.get_transaction_count(BRIDGE[0])
    gas_price = chain.w3.eth.gas_price * 2
    started = time.perf_counter()
    last = None
    for i in range(count):
        call = factory.functions.mint(vintage, HOLDER, TONNE, keccak(text=f"raw-{i}"), b"\x01" * 32)
        tx = call.build_transaction(
            {"from": BRIDGE[0], "nonce": nonce + i, "gas": 150_000, "gasPrice": gas_price, "chainId": 31337}
        )
        last = chain.w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
        if window and (i + 1) % window == 0:
            chain.w3.eth.wait_for_transaction_receipt(last, timeout=600)
    chain.w3.eth.wait_for_transaction_receipt(last, timeout=600)
    elapsed = time.perf_counter() - started
    return {
        "count": count,
        "window": window,
        "seconds": round(elapsed, 3),
        "per_second": round(count / elapsed, 1),
    }


class Service:
    """`carbon-bridge serve` (API, sender, listener) on its own SQLite file."""

    def __init__(self, chain: BenchChain, workdir: Path, mint_batch: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = workdir / f"bridge-batch{mint_batch}.db"
        deployment_file = workdir / "deployments" / "ethereum-local.json"
        self.env = {
            **os.environ,
            "BRIDGE_DATABASE_URL": f"sqlite:///{self.db}",
            "BRIDGE_RPC_URL": chain.anvil.url,
            "BRIDGE_DEPLOYMENT_FILE": str(deployment_file),
            "BRIDGE_SIGNER_KEY": BRIDGE[1],
            "BRIDGE_CONFIRMATIONS": "0",
            "BRIDGE_POLL_INTERVAL": "0.05",
            "BRIDGE_API_PORT": str(self.port),
            "BRIDGE_MINT_BATCH": str(mint_batch),
        }
        self.log = (workdir / f"serve-batch{mint_batch}.log").open("wb")

    def __enter__(self) -> Service:
        subprocess.run([CARBON_BRIDGE, "migrate"], env=self.env, check=True, capture_output=True)
        keys = subprocess.run(
            [CARBON_BRIDGE, "keys", "create", "--operator", "bench", "--registries", "verra"],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        self.key = keys.stdout.split("api key:")[1].split()[0]
        self.process = subprocess.Popen(
            [CARBON_BRIDGE, "serve"], env=self.env, stdout=self.log, stderr=subprocess.STDOUT, cwd=PROJECT_DIR
        )
        for _ in range(300):
            try:
                if requests.get(self.url + "/health", timeout=1).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise TimeoutError("bridge did not start")

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def _serial(project: int, start: int, end: int) -> str:
    return f"{project}-{start}-{end}-VCS-VCU-1507-VER-ET-14-{project}-01012020-31122020-1"


def through_api(
    chain: BenchChain, workdir: Path, *, count: int, clients: int, mint_batch: int
) -> dict[str, Any]:
    """`count` tokenizations from `clients` concurrent HTTP clients; latency = POST sent -> mint mined."""
    project = 7000 + mint_batch
    with Service(chain, workdir, mint_batch) as service:
        session = requests.Session()
        headers = {"X-API-Key": service.key}

        def body(i: int) -> dict[str, Any]:
            return {
                "idempotency_key": f"bench-{mint_batch}-{i}",
                "registry": "verra",
                "serial": _serial(project, 1_000_000 + i * 10, 1_000_000 + i * 10 + 4),
                "beneficiary": HOLDER,
                "project": {"name": "Benchmark forest", "category": "forestry", "sectoral_scope": 14},
            }

        # The vintage's token first, so every request measures a mint (not the one-off creation).
        first = session.post(
            service.url + "/tokenizations", json=body(-1), headers=headers, timeout=30
        ).json()
        _watch_minted(service, {first["id"]: 0.0}, 1, threading.Lock())

        sent_at: dict[str, float] = {}
        answered: list[float] = []
        lock = threading.Lock()
        counter = iter(range(count))

        def client() -> None:
            own = requests.Session()
            for i in counter:
                t0 = time.perf_counter()
                response = own.post(service.url + "/tokenizations", json=body(i), headers=headers, timeout=60)
                assert response.status_code == 201, response.text
                with lock:
                    sent_at[response.json()["id"]] = t0
                    answered.append(time.perf_counter())

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for thread in threads:
            thread.start()
        minted_at = _watch_minted(service, sent_at, count, lock)
        for thread in threads:
            thread.join()
        finished = max(minted_at.values())
        latencies = sorted((minted_at[i] - sent_at[i]) * 1000 for i in minted_at)
        batches = _batch_sizes(service)
    return {
        "count": count,
        "clients": clients,
        "mint_batch": mint_batch,
        "seconds": round(finished - started, 3),
        "per_second": round(count / (finished - started), 1),
        # How fast the API itself took the requests (locked and queued, before any mint): the ceiling.
        "accepted_per_second": round(count / (max(answered) - started), 1),
        "latency_ms_p50": round(statistics.median(latencies), 1),
        "latency_ms_p99": round(latencies[int(0.99 * (len(latencies) - 1))], 1),
        "transactions": batches["transactions"],
        "largest_batch": batches["largest"],
    }


def _watch_minted(
    service: Service, sent_at: dict[str, float], count: int, lock: threading.Lock
) -> dict[str, float]:
    """When each tokenization turned `minted`, polled from the bridge's database every 10 ms."""
    engine = create_engine(f"sqlite:///{service.db}")
    minted_at: dict[str, float] = {}
    deadline = time.monotonic() + 600
    try:
        while len(minted_at) < count and time.monotonic() < deadline:
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT id FROM tokenizations WHERE status = 'minted'")).all()
            now = time.perf_counter()
            with lock:
                for (tokenization_id,) in rows:
                    if tokenization_id in sent_at and tokenization_id not in minted_at:
                        minted_at[tokenization_id] = now
            time.sleep(0.01)
    finally:
        engine.dispose()
    if len(minted_at) < count:
        raise TimeoutError(f"only {len(minted_at)} of {count} minted")
    return minted_at


def _batch_sizes(service: Service) -> dict[str, int]:
    engine = create_engine(f"sqlite:///{service.db}")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT tx_hash, count(*) FROM tokenizations WHERE status = 'minted' GROUP BY tx_hash")
        ).all()
    engine.dispose()
    return {"transactions": len(rows), "largest": max(n for _, n in rows)}
