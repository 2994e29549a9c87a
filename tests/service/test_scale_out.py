"""The production layout on one machine: two API processes behind one port, one `carbon-bridge send`,
one `carbon-bridge listen`, PostgreSQL, a real Anvil. Tokenizations posted through the one port, from
several clients at once and with retried requests, are all minted, each exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from bridge.chain.contracts import Chain
from bridge.units import TONNE
from tests.support.anvil import Anvil, free_port
from tests.support.deploying import ANVIL_ACCOUNTS, PROJECT_DIR, deploy
from tests.support.postgres import fresh_database
from tests.support.service import cli

BRIDGE_ACCOUNT = ANVIL_ACCOUNTS[1]
HOLDER = ANVIL_ACCOUNTS[3][0]
PROJECTS = ("3101", "3102", "3103")  # three vintages: their creations race the mints too
PER_PROJECT = 12


def _serial(project: str, i: int) -> str:
    # One VCU number space for every project: the blocks of different projects must not overlap either.
    start = 5_000_000 + (PROJECTS.index(project) * PER_PROJECT + i) * 100
    return f"{project}-{start}-{start + 9}-VCS-VCU-1507-VER-ET-14-{project}-01012020-31122020-1"


def _body(project: str, i: int) -> dict[str, Any]:
    return {
        "idempotency_key": f"scale-{project}-{i}",
        "registry": "verra",
        "serial": _serial(project, i),
        "beneficiary": HOLDER,
        "project": {"name": f"Scale-out forest {project}", "category": "forestry", "sectoral_scope": 14},
    }


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT_DIR)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _workers(pid: int) -> list[int]:
    """The worker processes uvicorn spawned under `pid` (Linux /proc; not multiprocessing's tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                spawned = b"spawn_main" in (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and spawned:
                found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    workdir = tmp_path_factory.mktemp("scale-out")
    with ExitStack() as stack:
        url = stack.enter_context(fresh_database("bridge_scale"))
        anvil = Anvil()
        anvil.start()
        stack.callback(anvil.stop)
        roles = ("--minter", BRIDGE_ACCOUNT[0], "--registrar", BRIDGE_ACCOUNT[0])
        deployment = deploy(anvil.url, workdir / "deployments", *roles)
        port = free_port()
        env = {
            "BRIDGE_DATABASE_URL": url,
            "BRIDGE_RPC_URL": anvil.url,
            "BRIDGE_DEPLOYMENT_FILE": str(workdir / "deployments" / "ethereum-local.json"),
            "BRIDGE_SIGNER_KEY": BRIDGE_ACCOUNT[1],
            "BRIDGE_CONFIRMATIONS": "0",
            "BRIDGE_POLL_INTERVAL": "0.1",
            "BRIDGE_MINT_BATCH": "10",
        }
        assert cli("migrate", env=env).returncode == 0
        created = cli("keys", "create", "--operator", "Scale desk", "--registries", "verra", env=env)
        assert created.returncode == 0, created.stderr
        key = dict(line.split(":", 1) for line in created.stdout.splitlines())["api key"].strip()
        full_env = {**os.environ, **env}
        binary = str(Path(sys.executable).with_name("carbon-bridge"))
        api_args = [sys.executable, "-m", "bridge.api.server", "--processes", "2", "--port", str(port)]
        api = stack.enter_context(_process(api_args, full_env, workdir / "api.log"))
        stack.enter_context(_process([binary, "send"], full_env, workdir / "send.log"))
        stack.enter_context(_process([binary, "listen"], full_env, workdir / "listen.log"))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert api.poll() is None, (workdir / "api.log").read_text()
            try:
                if requests.get(base + "/health", timeout=1).ok and len(_workers(api.pid)) >= 2:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        else:
            raise TimeoutError((workdir / "api.log").read_text())
        yield {"url": base, "key": key, "api": api, "deployment": deployment, "anvil": anvil, "dir": workdir}


def test_two_api_processes_one_sender_one_listener_mint_each_once(layout: dict[str, Any]) -> None:
    base, headers = layout["url"], {"X-API-Key": layout["key"]}
    assert len(_workers(layout["api"].pid)) == 2, "uvicorn should run two API worker processes"
    bodies = [_body(project, i) for i in range(PER_PROJECT) for project in PROJECTS]

    def post(body: dict[str, Any]) -> tuple[int, str]:
        with requests.Session() as session:
            response = session.post(base + "/tokenizations", json=body, headers=headers, timeout=60)
        return response.status_code, response.json()["id"]

    # Eight clients, every request sent twice (a retry that may land on the other process).
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(post, bodies + bodies))
    first, retried = answers[: len(bodies)], answers[len(bodies) :]
    assert {status for status, _ in first + retried} <= {200, 201}
    ids = [tokenization_id for _, tokenization_id in first]
    assert ids == [tokenization_id for _, tokenization_id in retried], "a retry named another tokenization"
    assert len(set(ids)) == len(bodies)
    assert sorted(status for status, _ in answers).count(201) == len(bodies)

    deadline = time.monotonic() + 120
    pending = set(ids)
    minted: dict[str, dict[str, Any]] = {}
    while pending and time.monotonic() < deadline:
        for tokenization_id in list(pending):
            got = requests.get(f"{base}/tokenizations/{tokenization_id}", headers=headers, timeout=30).json()
            if got["status"] == "minted":
                minted[tokenization_id] = got
                pending.discard(tokenization_id)
        time.sleep(0.2)
    logs = "\n".join((layout["dir"] / f"{n}.log").read_text()[-2000:] for n in ("api", "send", "listen"))
    assert not pending, f"{len(pending)} of {len(ids)} never minted\n{logs}"

    chain = Chain(layout["anvil"].url, layout["deployment"])
    logs_on_chain = chain.factory.events.Tokenized().get_logs(from_block=0)
    lock_ids = ["0x" + bytes(log["args"]["lockId"]).hex() for log in logs_on_chain]
    assert len(lock_ids) == len(set(lock_ids)) == len(bodies), "a lock minted twice, or one never"
    assert set(lock_ids) == {t["lock_id"] for t in minted.values()}
    assert sum(log["args"]["amount"] for log in logs_on_chain) == 10 * TONNE * len(bodies)
    tokens = {t["vintage"]["token_address"] for t in minted.values()}
    assert len(tokens) == len(PROJECTS)
    supply = sum(chain.vintage(token).functions.totalSupply().call() for token in tokens)
    assert supply == 10 * TONNE * len(bodies)


def test_sqlite_refuses_several_api_processes(tmp_path: Path) -> None:
    from bridge.api.server import ServeError, check_layout
    from bridge.config import Settings

    sqlite = Settings(database_url=f"sqlite:///{tmp_path / 'bridge.db'}", run_workers=False)
    with pytest.raises(ServeError, match="needs PostgreSQL"):
        check_layout(sqlite, 2)
    check_layout(sqlite, 1)
    postgres = Settings(database_url="postgresql+psycopg2://u@h/db", run_workers=True)
    with pytest.raises(ServeError, match="--no-workers"):
        check_layout(postgres, 2)
    check_layout(postgres.model_copy(update={"run_workers": False}), 2)
