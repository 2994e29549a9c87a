"""Single `POST /tokenizations` from 16 clients with batched mints (issue 15), per layout: SQLite in one
process, and PostgreSQL with 1 and 2 API processes beside one sender and one listener (a fresh
database each). Request -> mined tokenizations/s, the accepted rate, and `GET /health`'s rate from the
same clients against the same layout (measured first, while it is idle)."""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from bench.chain import BenchChain
from bench.layout import Layout, describe, health_rate
from bench.throughput import HOLDER
from tests.support.postgres import fresh_database

# (name, database, API processes: 0 = `serve` with its worker threads)
LAYOUTS = (("sqlite_1", "sqlite", 0), ("postgresql_1", "postgresql", 1), ("postgresql_2", "postgresql", 2))


VINTAGE = "01012020-31122020"


def _body(project: int, i: int) -> dict[str, Any]:
    start = 800_000_000 + project * 1_000_000 + i * 10
    return {
        "idempotency_key": f"scaled-{project}-{i}",
        "registry": "verra",
        "serial": f"{50_000 + project}-{start}-{start + 4}-VCS-VCU-1507-VER-ET-14-{project}-{VINTAGE}-1",
        "beneficiary": HOLDER,
        "project": {"name": "Benchmark forest", "category": "forestry", "sectoral_scope": 14},
    }


def _load(layout: Layout, project: int, *, count: int, clients: int) -> dict[str, Any]:
    headers = {"X-API-Key": layout.key}
    # The vintage's token first, so every measured request is a mint, not the one-off creation.
    first = requests.post(layout.url + "/tokenizations", json=_body(project, -1), headers=headers, timeout=60)
    assert first.status_code == 201, first.text
    layout.watch_minted({first.json()["id"]: 0.0}, 1, threading.Lock())
    sent_at: dict[str, float] = {}
    answered: list[float] = []
    lock = threading.Lock()
    counter = iter(range(count))

    def client() -> None:
        with requests.Session() as session:
            for i in counter:
                t0 = time.perf_counter()
                response = session.post(
                    layout.url + "/tokenizations", json=_body(project, i), headers=headers, timeout=120
                )
                assert response.status_code == 201, response.text
                with lock:
                    sent_at[response.json()["id"]] = t0
                    answered.append(time.perf_counter())

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    minted_at = layout.watch_minted(sent_at, count, lock)
    for thread in threads:
        thread.join()
    finished = max(minted_at.values())
    latencies = sorted((minted_at[i] - sent_at[i]) * 1000 for i in minted_at)
    return {
        "count": count,
        "clients": clients,
        "seconds": round(finished - started, 3),
        "per_second": round(count / (finished - started), 1),
        "accepted_per_second": round(count / (max(answered) - started), 1),
        "latency_ms_p50": round(statistics.median(latencies), 1),
        "latency_ms_p99": round(latencies[int(0.99 * (len(latencies) - 1))], 1),
        **layout.batches(),
    }


def measure(
    chain: BenchChain,
    workdir: Path,
    *,
    count: int,
    clients: int,
    mint_batch: int = 100,
    profile: str | None = None,
) -> dict[str, Any]:
    """Every layout on the same Anvil; `profile` names the layout whose busiest process py-spy samples."""
    results: dict[str, Any] = {}
    for n, (name, database, api_processes) in enumerate(LAYOUTS):
        project = 9500 + n
        if database == "sqlite":
            results[name] = _run(
                chain, workdir, name, f"sqlite:///{workdir / (name + '.db')}", api_processes, mint_batch,
                project, count, clients, profile,
            )  # fmt: skip
            continue
        try:
            with fresh_database(f"bench_{name}") as url:
                results[name] = _run(
                    chain, workdir, name, url, api_processes, mint_batch, project, count, clients, profile
                )
        except pytest.skip.Exception as err:
            results[name] = f"skipped: {err}"
    return results


def _run(
    chain: BenchChain,
    workdir: Path,
    name: str,
    url: str,
    api_processes: int,
    mint_batch: int,
    project: int,
    count: int,
    clients: int,
    profile: str | None,
) -> dict[str, Any]:
    sampled = None
    if profile == name:
        sampled = "serve" if api_processes == 0 else "send"
    layout = Layout(
        chain,
        workdir,
        name,
        database_url=url,
        mint_batch=mint_batch,
        api_processes=api_processes,
        profile=sampled,
    )
    with layout:
        health = health_rate(layout.url, clients, per_client=100)
        bare = health_rate(layout.url, clients, per_client=100, path="/network")
        result = _load(layout, project, count=count, clients=clients)
    result.update(describe(layout), mint_batch=mint_batch, health_per_second=health, network_per_second=bare)
    result["profile_file"] = str(layout.profile_file) if layout.profile_file else None
    return result
