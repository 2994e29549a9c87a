"""The bridge as separate processes (API, sender(s), listener) that tests kill and restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from web3 import Web3

from bridge.chain.contracts import Chain
from tests.support.anvil import Anvil, free_port
from tests.support.deploying import PROJECT_DIR, bridge_environment, send_from

CARBON_BRIDGE = str(Path(sys.executable).with_name("carbon-bridge"))


@dataclass
class Processes:
    """A bridge deployment whose parts run as processes: `api`, `listener`, and named senders."""

    workdir: Path
    anvil: Anvil
    deployment: dict[str, Any]
    env: dict[str, str]
    url: str
    api_key: str = ""
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    kills: dict[str, int] = field(default_factory=dict)
    self_kills: dict[str, int] = field(default_factory=dict)

    @property
    def chain(self) -> Chain:
        return Chain(self.anvil.url, self.deployment)

    @property
    def w3(self) -> Web3:
        return self.chain.w3

    def cli(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **self.env, **extra_env}
        return subprocess.run([CARBON_BRIDGE, *args], env=env, capture_output=True, text=True, timeout=300)

    def start(self, name: str, *args: str, **extra_env: str) -> None:
        log = (self.workdir / f"{name}.log").open("ab")
        env = {**os.environ, **self.env, **extra_env}
        self.running[name] = subprocess.Popen(
            [CARBON_BRIDGE, *args], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_DIR
        )

    def start_api(self) -> None:
        self.start("api", "serve", "--no-workers")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/health", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise TimeoutError(self.log("api"))

    def start_sender(self, name: str = "sender-1", **extra_env: str) -> None:
        self.start(name, "send", BRIDGE_SENDER_NAME=name, **extra_env)

    def died(self, name: str) -> bool:
        """Whether the process ended on its own (a failpoint killed it); counted as a kill."""
        process = self.running.get(name)
        if process is None or process.poll() is None:
            return False
        self.running.pop(name)
        self.kills[name] = self.kills.get(name, 0) + 1
        self.self_kills[name] = self.self_kills.get(name, 0) + 1
        return True

    def start_listener(self) -> None:
        self.start("listener", "listen")

    def kill(self, name: str) -> None:
        """SIGKILL: no cleanup, no flush, exactly what a crash does."""
        process = self.running.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.kills[name] = self.kills.get(name, 0) + 1

    def stop_all(self) -> None:
        for name in list(self.running):
            process = self.running.pop(name)
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    def log(self, name: str, tail: int | None = 3000) -> str:
        path = self.workdir / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return text[-tail:] if tail else text

    def post(self, path: str, body: dict[str, Any], retries: int = 50) -> requests.Response:
        """POST like a careful client: on a dropped connection, retry with the same body."""
        for _ in range(retries):
            try:
                return requests.post(
                    self.url + path, json=body, headers={"X-API-Key": self.api_key}, timeout=30
                )
            except requests.RequestException:
                time.sleep(0.2)
        raise TimeoutError(f"POST {path} never answered")

    def get(self, path: str, **params: Any) -> Any:
        # With the key: tokenizations and locks are private to their operator.
        response = requests.get(
            self.url + path, params=params, headers={"X-API-Key": self.api_key}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def transact(self, account_index: int, call: Any) -> Any:
        """Sends a contract call from one of Anvil's accounts (a token holder's wallet)."""
        return send_from(self.w3, account_index, call)


@contextmanager
def bridge_processes(
    workdir: Path, database_url: str, *, confirmations: int = 0, anvil_state: bool = False, **settings: str
) -> Iterator[Processes]:
    """Anvil + contracts deployed by `ape run deploy` + a migrated database + an operator key."""
    anvil = Anvil(state_file=workdir / "anvil-state.json" if anvil_state else None)
    anvil.start()
    processes: Processes | None = None
    try:
        port = free_port()
        deployment, env = bridge_environment(
            anvil.url,
            workdir,
            database_url,
            port,
            confirmations=confirmations,
            **{"receipt_timeout": "3", "lease_seconds": "10", **settings},
        )
        processes = Processes(workdir, anvil, deployment, env, f"http://127.0.0.1:{port}")
        assert processes.cli("migrate").returncode == 0
        created = processes.cli("keys", "create", "--operator", "Faults desk", "--registries", "verra")
        processes.api_key = created.stdout.split("api key:")[1].strip()
        yield processes
    finally:
        if processes is not None:
            processes.stop_all()
        anvil.stop()
