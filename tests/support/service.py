"""The bridge as it runs: a private Anvil with the contracts deployed by `ape run deploy`, the
service started with `carbon-bridge serve` on SQLite or PostgreSQL, and real HTTP to it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from web3 import Web3

from bridge.chain.contracts import Chain
from tests.support import deploying
from tests.support.anvil import Anvil, free_port
from tests.support.deploying import ANVIL_ACCOUNTS, PROJECT_DIR, bridge_environment, send_from


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = str(Path(sys.executable).with_name("carbon-bridge"))
    return subprocess.run(
        [binary, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT_DIR,
    )


@dataclass
class BridgeUnderTest:
    """Everything a test needs to drive the running bridge."""

    url: str
    env: dict[str, str]
    anvil: Anvil
    deployment: dict[str, Any]
    api_key: str
    api_key_prefix: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def chain(self) -> Chain:
        return Chain(self.anvil.url, self.deployment)

    @property
    def w3(self) -> Web3:
        return self.chain.w3

    def headers(self, key: str | None = None) -> dict[str, str]:
        """The operator's key by default; `key=""` sends none."""
        if key == "":
            return {}
        return {"X-API-Key": key or self.api_key}

    def post(self, path: str, body: dict[str, Any], key: str | None = None) -> requests.Response:
        return requests.post(self.url + path, json=body, headers=self.headers(key), timeout=30)

    def get(self, path: str, key: str | None = None, **params: Any) -> requests.Response:
        """With the operator's key, as `post` (tokenizations and locks are private); `key=""` sends none."""
        return requests.get(self.url + path, params=params, headers=self.headers(key), timeout=30)

    def wait_for(self, path: str, condition: Any, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        body: Any = None
        while time.monotonic() < deadline:
            response = self.get(path, **params)
            body = response.json()
            if response.ok and condition(body):
                return dict(body)
            time.sleep(0.1)
        raise AssertionError(f"GET {path} never satisfied the condition; last: {body}\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text()[-4000:]

    def transact(self, account_index: int, call: Any) -> Any:
        """Sends a contract call from one of Anvil's accounts (a token holder's wallet)."""
        return send_from(self.w3, account_index, call)


@contextmanager
def running_bridge(database_url: str, workdir: Path) -> Iterator[BridgeUnderTest]:
    """A private Anvil, the contracts deployed by `ape run deploy`, and `carbon-bridge serve`."""
    anvil = Anvil()
    anvil.start()
    try:
        port = free_port()
        deployment, env = bridge_environment(anvil.url, workdir, database_url, port)
        migrated = cli("migrate", env=env)
        assert migrated.returncode == 0, migrated.stderr
        created = cli(
            "keys", "create", "--operator", "Verra desk", "--registries", "verra,gold_standard", env=env
        )
        assert created.returncode == 0, created.stderr
        fields = dict(line.split(":", 1) for line in created.stdout.splitlines())
        log_path = workdir / "serve.log"
        binary = str(Path(sys.executable).with_name("carbon-bridge"))
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [binary, "serve"],
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=PROJECT_DIR,
            )
        under_test = BridgeUnderTest(
            url=f"http://127.0.0.1:{port}",
            env=env,
            anvil=anvil,
            deployment=deployment,
            api_key=fields["api key"].strip(),
            api_key_prefix=fields["prefix"].strip(),
            process=process,
            log_path=log_path,
        )
        _wait_healthy(under_test)
        try:
            yield under_test
        finally:
            process.terminate()
            process.wait(timeout=20)
    finally:
        anvil.stop()


def _wait_healthy(bridge: BridgeUnderTest) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if bridge.process.poll() is not None:
            raise RuntimeError(f"carbon-bridge serve exited:\n{bridge.log()}")
        try:
            if requests.get(bridge.url + "/health", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"bridge did not start:\n{bridge.log()}")


def bridge_and_wait(bridge: BridgeUnderTest, body: dict[str, Any]) -> dict[str, Any]:
    response = bridge.post("/tokenizations", body)
    assert response.status_code == 201, response.text
    return bridge.wait_for(f"/tokenizations/{response.json()['id']}", lambda t: t["status"] == "minted")


def balance(bridge: BridgeUnderTest, token: str, holder: str) -> int:
    return int(bridge.chain.vintage(token).functions.balanceOf(holder).call())


def account_index(address: str) -> int:
    return next(i for i, (a, _) in enumerate(ANVIL_ACCOUNTS) if a.lower() == address.lower())


def admin_call(bridge: Any, contract: Any, function: str, *args: Any) -> Any:
    """`contract.function(*args)` run by the deployment's admin, through its timelock; the receipt."""
    record = bridge.deployment
    admin = ANVIL_ACCOUNTS[account_index(record["roles"]["admin"])]
    calldata = contract.encode_abi(function, args=list(args))
    return deploying.as_admin(bridge.w3, record["contracts"]["Timelock"], contract.address, calldata, admin)
