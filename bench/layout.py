"""The bridge as processes for the issue-15 benchmarks: `carbon-bridge serve` alone (SQLite, one
process), or N API processes behind one port (`bridge.api.server`) beside one `carbon-bridge send` and
one `carbon-bridge listen` (PostgreSQL); optionally one of them under py-spy."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

from bench.chain import BRIDGE, BenchChain
from tests.support.anvil import free_port
from tests.support.deploying import PROJECT_DIR

CARBON_BRIDGE = str(Path(sys.executable).with_name("carbon-bridge"))
PY_SPY = str(Path(sys.executable).with_name("py-spy"))


class Layout:
    """`api_processes=0`: `carbon-bridge serve` with its sender and listener threads (one process).
    Otherwise that many API processes, one sender and one listener, each its own process.

    `profile` names the process to sample with py-spy ("serve", "api", "send"); its collapsed stacks
    go to `<workdir>/<name>-<process>.pyspy`."""

    def __init__(
        self,
        chain: BenchChain,
        workdir: Path,
        name: str,
        *,
        database_url: str,
        mint_batch: int,
        api_processes: int = 0,
        profile: str | None = None,
    ) -> None:
        self.name, self.workdir, self.database_url = name, workdir, database_url
        self.api_processes, self.profile = api_processes, profile
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "BRIDGE_DATABASE_URL": database_url,
            "BRIDGE_RPC_URL": chain.anvil.url,
            "BRIDGE_DEPLOYMENT_FILE": str(workdir / "deployments" / "ethereum-local.json"),
            "BRIDGE_SIGNER_KEY": BRIDGE[1],
            "BRIDGE_CONFIRMATIONS": "0",
            "BRIDGE_POLL_INTERVAL": "0.05",
            "BRIDGE_API_PORT": str(self.port),
            "BRIDGE_MINT_BATCH": str(mint_batch),
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._own_deployment(chain)
        self.profile_file: Path | None = None

    def _own_deployment(self, chain: BenchChain) -> None:
        """The deployment record as a bridge deployed now would have it: its listener starts at the
        current head. The runs before this one on the same Anvil (the raw loop, other layouts) minted
        with the bridge's key outside this layout's database; a bridge that saw them would raise an
        alert for each, and the benchmark would measure that instead."""
        shared = Path(self.env["BRIDGE_DEPLOYMENT_FILE"])
        record = json.loads(shared.read_text())
        record["block"] = chain.w3.eth.block_number
        own = self.workdir / f"{self.name}-deployment.json"
        own.write_text(json.dumps(record, indent=2))
        self.env["BRIDGE_DEPLOYMENT_FILE"] = str(own)

    def _start(self, role: str, args: list[str]) -> None:
        if self.profile == role:
            self.profile_file = self.workdir / f"{self.name}-{role}.pyspy"
            args = [PY_SPY, "record", "--format", "raw", "--subprocesses", "--nonblocking", "--rate", "100"]
            args += ["-o", str(self.profile_file), "--", *self._args[role]]
        log = (self.workdir / f"{self.name}-{role}.log").open("wb")
        self.processes[role] = subprocess.Popen(
            args, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_DIR, start_new_session=True
        )
        log.close()

    def __enter__(self) -> Layout:
        subprocess.run([CARBON_BRIDGE, "migrate"], env=self.env, check=True, capture_output=True)
        keys = subprocess.run(
            [CARBON_BRIDGE, "keys", "create", "--operator", "bench", "--registries", "verra"],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        self.key = keys.stdout.split("api key:")[1].split()[0]
        if self.api_processes == 0:
            self._args = {"serve": [CARBON_BRIDGE, "serve"]}
        else:
            server = [sys.executable, "-m", "bridge.api.server", "--processes", str(self.api_processes)]
            self._args = {
                "api": server,
                "send": [CARBON_BRIDGE, "send"],
                "listen": [CARBON_BRIDGE, "listen"],
            }
        for role, args in self._args.items():
            self._start(role, args)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for role, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{role} exited: {self.log(role)}")
            try:
                if requests.get(self.url + "/health", timeout=1).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"bridge did not start: {self.log(next(iter(self.processes)))}")

    def log(self, role: str) -> str:
        return (self.workdir / f"{self.name}-{role}.log").read_text()[-3000:]

    def __exit__(self, *_: object) -> None:
        # SIGINT to each process group: py-spy writes its samples, uvicorn and the workers stop cleanly.
        for process in self.processes.values():
            os.killpg(process.pid, signal.SIGINT)
        for process in self.processes.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    # --- what the benchmarks read

    def minted(self) -> set[str]:
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                query = text("SELECT id FROM tokenizations WHERE status = 'minted'")
                return {str(row[0]) for row in connection.execute(query)}
        finally:
            engine.dispose()

    def batches(self) -> dict[str, int]:
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                query = "SELECT tx_hash, count(*) FROM tokenizations WHERE status = 'minted' GROUP BY tx_hash"
                rows = connection.execute(text(query)).all()
        finally:
            engine.dispose()
        return {"transactions": len(rows), "largest": max((n for _, n in rows), default=0)}

    def watch_minted(
        self, sent_at: dict[str, float] | None, count: int, lock: threading.Lock, timeout: float = 900
    ) -> dict[str, float]:
        """When each tokenization turned `minted` (every 20 ms); all of them when `sent_at` is None."""
        engine = create_engine(self.database_url)
        minted_at: dict[str, float] = {}
        deadline = time.monotonic() + timeout
        query = text("SELECT id FROM tokenizations WHERE status = 'minted'")
        try:
            while len(minted_at) < count and time.monotonic() < deadline:
                with engine.connect() as connection:
                    rows = connection.execute(query).all()
                now = time.perf_counter()
                with lock:
                    for (tokenization_id,) in rows:
                        key = str(tokenization_id)
                        if (sent_at is None or key in sent_at) and key not in minted_at:
                            minted_at[key] = now
                time.sleep(0.02)
        finally:
            engine.dispose()
        if len(minted_at) < count:
            raise TimeoutError(f"{self.name}: only {len(minted_at)} of {count} minted")
        return minted_at


def health_rate(url: str, clients: int, per_client: int, path: str = "/health") -> float:
    """`GET path`s answered per second from `clients` concurrent clients. `/health` reads the
    database and the chain once each; `/network` reads neither: the framework's own ceiling."""

    def client() -> None:
        with requests.Session() as session:
            for _ in range(per_client):
                assert session.get(url + path, timeout=30).ok

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return round(clients * per_client / (time.perf_counter() - started), 1)


def describe(layout: Layout) -> dict[str, Any]:
    database = "sqlite" if layout.database_url.startswith("sqlite") else "postgresql"
    processes = (
        "one process (serve)" if layout.api_processes == 0 else f"{layout.api_processes} API + send + listen"
    )
    return {"database": database, "processes": processes}
