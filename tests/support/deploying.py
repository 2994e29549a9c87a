"""Runs `ape run deploy` as operators do, against a given RPC URL; acts as the admin through its timelock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from eth_account import Account
from web3 import Web3

from bridge.chain.contracts import abi

PROJECT_DIR = Path(__file__).resolve().parents[2]
NO_PREDECESSOR = b"\0" * 32

# Anvil's public test accounts (mnemonic "test test ... junk"): index -> (address, key).
ANVIL_ACCOUNTS = [
    (
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    ),
    (
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    ),
    (
        "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
        "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    ),
    (
        "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
        "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    ),
    (
        "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
        "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    ),
    (
        "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
        "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    ),
]


def run_deploy(rpc_url: str, deployments_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "APE_FOUNDRY_HOST": rpc_url, "BRIDGE_DEPLOYMENTS_DIR": str(deployments_dir)}
    ape = str(Path(sys.executable).with_name("ape"))
    command = [ape, "run", "deploy", "--network", "ethereum:local:foundry", "--account", "TEST::0", *extra]
    return subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300)


def deploy(rpc_url: str, deployments_dir: Path, *extra: str) -> dict[str, Any]:
    result = run_deploy(rpc_url, deployments_dir, *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    record: dict[str, Any] = json.loads((deployments_dir / "ethereum-local.json").read_text())
    return record


def send(w3: Web3, account: tuple[str, str], call: Any) -> Any:
    """Signs `call` with one of Anvil's accounts, sends it, and returns its successful receipt."""
    address, key = account
    tx = call.build_transaction({"from": address, "nonce": w3.eth.get_transaction_count(address)})
    signed = Account.from_key(key).sign_transaction(tx)
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))
    assert receipt["status"] == 1, receipt
    return receipt


def as_admin(
    w3: Web3, timelock: str, target: str, calldata: bytes | str, admin: tuple[str, str] = ANVIL_ACCOUNTS[0]
) -> Any:
    """Runs one admin action as the deploy script set it up: scheduled and executed through the timelock.

    Only with the local delay of 0 (`admin` is the deployer, account #0, unless told otherwise); a fresh
    salt each time, so the same action (pause, un-pause, pause again) can be scheduled twice.
    """
    contract = w3.eth.contract(address=Web3.to_checksum_address(timelock), abi=abi("BridgeTimelock"))
    operation = (Web3.to_checksum_address(target), 0, calldata, NO_PREDECESSOR, os.urandom(32))
    send(w3, admin, contract.functions.schedule(*operation, 0))
    return send(w3, admin, contract.functions.execute(*operation))


#: The bridge's own signer in every test deployment: minter and registrar.
BRIDGE_ACCOUNT = ANVIL_ACCOUNTS[1]


def send_from(w3: Web3, account_index: int, call: Any) -> Any:
    """Sends a contract call from one of Anvil's accounts (a holder's wallet, or a thief's); the
    receipt, which must be a success."""
    return send(w3, ANVIL_ACCOUNTS[account_index], call)


def bridge_environment(
    rpc_url: str, workdir: Path, database_url: str, port: int, *, confirmations: int = 0, **settings: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """The contracts deployed by `ape run deploy`, and the BRIDGE_* variables of a bridge that signs
    with its one key (minter and registrar) and polls fast; `settings` adds or overrides some."""
    bridge_roles = ("--minter", BRIDGE_ACCOUNT[0], "--registrar", BRIDGE_ACCOUNT[0])
    deployment = deploy(rpc_url, workdir / "deployments", *bridge_roles)
    env = {
        "BRIDGE_DATABASE_URL": database_url,
        "BRIDGE_RPC_URL": rpc_url,
        "BRIDGE_DEPLOYMENT_FILE": str(workdir / "deployments" / "ethereum-local.json"),
        "BRIDGE_SIGNER_KEY": BRIDGE_ACCOUNT[1],
        "BRIDGE_CONFIRMATIONS": str(confirmations),
        "BRIDGE_POLL_INTERVAL": "0.1",
        "BRIDGE_API_PORT": str(port),
        **{f"BRIDGE_{name.upper()}": value for name, value in settings.items()},
    }
    return deployment, env
