"""Single `POST /tokenizations` from 16 clients with batched mints (issue 15), per layout: SQLite in one
process, and PostgreSQL with 1 and 2 API processes beside one sender and one listener (a fresh
database each). Request -> mined tokenizations/s, the accepted rate, and `GET /health`'s rate from the
same clients against the same layout (measured first, while it is idle).

The requests name blocks of as many issuance batches as there are clients, all of one vintage: 16
clients bridging 16 batches. Each layout runs again with every block of one batch, the worst case:
the batch's lock orders its requests one after the other (it is what keeps two spellings of one unit
from both being locked). The layout that is profiled runs a third time under py-spy, so no measured
rate is one of a process being sampled."""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass
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


def _body(project: int, i: int, batches: int = 1) -> dict[str, Any]:
    start = 800_000_000 + project * 1_000_000 + i * 10
    batch = 50_000 + project if batches == 1 else 5_000_000 + project * 100 + i % batches
    return {
        "idempotency_key": f"scaled-{project}-{i}",
        "registry": "verra",
        "serial": f"{batch}-{start}-{start + 4}-VCS-VCU-1507-VER-ET-14-{project}-{VINTAGE}-1",
        "beneficiary": HOLDER,
        "project": {"name": "Benchmark forest", "category": "forestry", "sectoral_scope": 14},
    }


def _load(layout: Layout, project: int, *, count: int, clients: int, batches: int) -> dict[str, Any]:
    headers = {"X-API-Key": layout.key}
    # The vintage's token first, so every measured request is a mint, not the one-off creation.
    first = requests.post(
        layout.url + "/tokenizations", json=_body(project, -1, batches), headers=headers, timeout=60
    )
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
                    layout.url + "/tokenizations",
                    json=_body(project, i, batches),
                    headers=headers,
                    timeout=120,
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
        "batches": batches,
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
    """Every layout on the same Anvil, each on its own projects; `profile` names the layout whose
    busiest process py-spy samples, in a run of its own."""
    results: dict[str, Any] = {}
    runs = [(name, batches, False) for batches in (clients, 1) for name, _, _ in LAYOUTS]
    if profile is not None:
        runs.append((profile, clients, True))
    for n, (name, batches, profiled) in enumerate(runs):
        database, api_processes = next((d, a) for x, d, a in LAYOUTS if x == name)
        run = Run(name, api_processes, mint_batch, 9500 + n, count, clients, batches, profiled)
        try:
            result = _in_fresh_database(chain, workdir, database, run)
        except pytest.skip.Exception as err:
            results.setdefault(name, f"skipped: {err}")
            continue
        if isinstance(results.get(name), str):
            continue
        if profiled:
            results[name]["profile_file"] = result["profile_file"]
            results[name]["profiled_run"] = {k: result[k] for k in ("per_second", "accepted_per_second")}
        elif batches == 1:
            results[name]["one_batch"] = result
        else:
            results[name] = result
    return results


@dataclass(frozen=True)
class Run:
    name: str
    api_processes: int
    mint_batch: int
    project: int
    count: int
    clients: int
    batches: int
    profiled: bool


def _in_fresh_database(chain: BenchChain, workdir: Path, database: str, run: Run) -> dict[str, Any]:
    if database == "sqlite":
        return _run(chain, workdir, f"sqlite:///{workdir / f'{run.name}-{run.project}.db'}", run)
    with fresh_database(f"bench_{run.name}") as url:
        return _run(chain, workdir, url, run)


def _run(chain: BenchChain, workdir: Path, url: str, run: Run) -> dict[str, Any]:
    sampled = None
    if run.profiled:
        sampled = "serve" if run.api_processes == 0 else "send"
    layout = Layout(
        chain,
        workdir,
        f"{run.name}-{run.project}",
        database_url=url,
        mint_batch=run.mint_batch,
        api_processes=run.api_processes,
        profile=sampled,
    )
    rates: dict[str, Any] = {}
    with layout:
        if run.batches > 1 and not run.profiled:  # the idle rates, once per layout
            rates["health_per_second"] = health_rate(layout.url, run.clients, per_client=100)
            rates["network_per_second"] = health_rate(
                layout.url, run.clients, per_client=100, path="/network"
            )
        result = _load(layout, run.project, count=run.count, clients=run.clients, batches=run.batches)
    result.update(describe(layout), mint_batch=run.mint_batch, **rates)
    result["profile_file"] = str(layout.profile_file) if layout.profile_file else None
    return result
