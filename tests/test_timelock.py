"""Separate keys and a timelock as admin, deployed by `ape run deploy` as on a live network.

The Anvil here answers with chain id 1337: the script treats any chain but a local Anvil's 31337 as live,
so it demands a key per power, refuses one address holding two, and the deployer keeps nothing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError

from bridge.chain.contracts import Chain, abi
from bridge.deployment import MINIMUM_RETIREMENT, is_local_chain, shared_holders
from bridge.units import TONNE
from tests.support.anvil import Anvil
from tests.support.deploying import ANVIL_ACCOUNTS, NO_PREDECESSOR, run_deploy, send

DEPLOYER, MINTER, REGISTRAR, GUARDIAN, ADMIN, STRANGER = ANVIL_ACCOUNTS
LIVE_CHAIN_ID = 1337
DELAY = 3600
HOLDERS = {"minter": MINTER, "registrar": REGISTRAR, "guardian": GUARDIAN, "admin": ADMIN}
CARBON_BRIDGE = str(Path(sys.executable).with_name("carbon-bridge"))
HOLDERS_ADDRESSES = {name: account[0] for name, account in HOLDERS.items()}


def _errors() -> dict[str, str]:
    """Custom error selector -> name, over the contracts these tests call."""
    entries = [*abi("VintageFactory"), *abi("CommodityPool"), *abi("BridgeTimelock")]
    errors = {}
    for e in (e for e in entries if e["type"] == "error"):
        signature = f"{e['name']}({','.join(i['type'] for i in e['inputs'])})"
        errors[Web3.keccak(text=signature)[:4].to_0x_hex()] = e["name"]
    return errors


ERRORS = _errors()


def revert_of(call: Any, sender: tuple[str, str]) -> str:
    """The name of the custom error `call` reverts with when `sender` sends it."""
    try:
        call.call({"from": sender[0]})
    except ContractCustomError as error:
        return ERRORS.get(str(error.data)[:10], str(error.data))
    raise AssertionError("the call did not revert")


def rpc(url: str, method: str, *params: Any) -> Any:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    return requests.post(url, json=body, timeout=10).json()


def live_anvil() -> Anvil:
    anvil = Anvil()
    anvil.start()
    rpc(anvil.url, "anvil_setChainId", LIVE_CHAIN_ID)
    return anvil


def holder_options(**holders: tuple[str, str]) -> list[str]:
    return [arg for name, account in holders.items() for arg in (f"--{name}", account[0])]


@dataclass
class Live:
    """The contracts as `ape run deploy` leaves them on a live network, and its Anvil's clock."""

    url: str
    record: dict[str, Any]
    chain: Chain
    timelock: Contract

    @property
    def w3(self) -> Web3:
        return self.chain.w3

    def later(self, seconds: int) -> None:
        rpc(self.url, "evm_increaseTime", seconds)
        rpc(self.url, "evm_mine")

    def operation(self, target: Contract, calldata: str, salt: bytes) -> tuple[Any, ...]:
        return (target.address, 0, calldata, NO_PREDECESSOR, salt)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    anvil = live_anvil()
    try:
        deployments = tmp_path_factory.mktemp("deployments")
        options = holder_options(**HOLDERS)
        limits = ("--mint-limits", "1000,100,3600", "--timelock-delay", str(DELAY))
        result = run_deploy(anvil.url, deployments, *options, *limits)
        assert result.returncode == 0, result.stdout + result.stderr
        record = json.loads((deployments / "ethereum-local.json").read_text())
        chain = Chain(anvil.url, record)
        timelock = chain.w3.eth.contract(address=record["roles"]["timelock"], abi=abi("BridgeTimelock"))
        yield Live(anvil.url, record, chain, timelock)
    finally:
        anvil.stop()


def test_the_record_names_each_holder_and_lists_every_role_granted(live: Live) -> None:
    record = live.record
    assert record["chainId"] == LIVE_CHAIN_ID
    assert record["roles"] == {
        **HOLDERS_ADDRESSES,
        "timelock": record["contracts"]["Timelock"],
    }
    assert record["timelockDelay"] == DELAY
    assert record["vintageMintDelay"] == 3600  # the live default
    assert record["mintLimits"] == {"totalTonnes": 1000, "vintageTonnes": 100, "window": 3600}
    assert live.chain.factory.functions.mintLimits().call() == [1000, 100, 3600, 3600]
    assert live.timelock.functions.getMinDelay().call() == DELAY
    # Every RoleGranted the deployment emitted, on every contract it deployed, and what holds after it.
    contracts = [
        record["contracts"][name] for name in ("Timelock", "VintageFactory", "RetirementCertificate")
    ]
    contracts += record["contracts"]["pools"].values()
    granted, revoked = (
        Web3.keccak(text=f"{event}(bytes32,address,address)").to_0x_hex()
        for event in ("RoleGranted", "RoleRevoked")
    )
    logs = live.w3.eth.get_logs(
        {"fromBlock": 0, "toBlock": record["block"], "address": contracts, "topics": [[granted, revoked]]}
    )
    ever: set[tuple[str, str, str]] = set()
    held: set[tuple[str, str, str]] = set()
    for log in logs:
        grant = (
            log["address"],
            log["topics"][1].to_0x_hex(),
            Web3.to_checksum_address(log["topics"][2][-20:]),
        )
        if log["topics"][0].to_0x_hex() == granted:
            ever.add(grant)
            held.add(grant)
        else:
            held.discard(grant)
    grants = record["grants"]
    assert ever == {(g["address"], g["roleId"], g["account"]) for g in grants}
    assert held == {(g["address"], g["roleId"], g["account"]) for g in grants if not g["renounced"]}
    roles = {(g["contract"], g["role"], g["account"]) for g in grants if not g["renounced"]}
    assert ("VintageFactory", "MINTER_ROLE", MINTER[0]) in roles
    assert ("VintageFactory", "GUARDIAN_ROLE", GUARDIAN[0]) in roles
    assert ("RetirementCertificate", "REGISTRAR_ROLE", REGISTRAR[0]) in roles
    assert ("Timelock", "PROPOSER_ROLE", ADMIN[0]) in roles
    assert ("VintageFactory", "DEFAULT_ADMIN_ROLE", record["roles"]["timelock"]) in roles


def test_the_deployer_keeps_no_role_anywhere(live: Live) -> None:
    renounced = {(g["contract"], g["role"], g["account"]) for g in live.record["grants"] if g["renounced"]}
    assert renounced == {
        ("Timelock", role, DEPLOYER[0]) for role in ("PROPOSER_ROLE", "CANCELLER_ROLE", "EXECUTOR_ROLE")
    }
    for role in ("PROPOSER_ROLE", "CANCELLER_ROLE", "EXECUTOR_ROLE", "DEFAULT_ADMIN_ROLE"):
        role_id = getattr(live.timelock.functions, role)().call()
        assert not live.timelock.functions.hasRole(role_id, DEPLOYER[0]).call()
    assert not live.chain.factory.functions.hasRole(b"\0" * 32, DEPLOYER[0]).call()


def test_a_role_grant_waits_out_the_timelock_delay(live: Live) -> None:
    factory = live.chain.factory
    minter_role = factory.functions.MINTER_ROLE().call()
    grant = live.operation(
        factory, factory.encode_abi("grantRole", [minter_role, STRANGER[0]]), b"grant".ljust(32)
    )
    assert (
        revert_of(live.timelock.functions.schedule(*grant, DELAY - 1), ADMIN) == "TimelockInsufficientDelay"
    )
    send(live.w3, ADMIN, live.timelock.functions.schedule(*grant, DELAY))

    assert revert_of(live.timelock.functions.execute(*grant), ADMIN) == "TimelockUnexpectedOperationState"
    live.later(DELAY - 60)
    assert revert_of(live.timelock.functions.execute(*grant), ADMIN) == "TimelockUnexpectedOperationState"
    live.later(60)
    assert revert_of(live.timelock.functions.execute(*grant), STRANGER) == "AccessControlUnauthorizedAccount"
    send(live.w3, ADMIN, live.timelock.functions.execute(*grant))
    assert factory.functions.hasRole(minter_role, STRANGER[0]).call()


def test_the_admin_key_itself_is_not_the_contracts_admin(live: Live) -> None:
    factory, pool = live.chain.factory, live.chain.pools["CET"]
    minter_role = factory.functions.MINTER_ROLE().call()
    unauthorized = "AccessControlUnauthorizedAccount"
    assert revert_of(factory.functions.grantRole(minter_role, ADMIN[0]), ADMIN) == unauthorized
    assert revert_of(factory.functions.setMintLimits(10**9, 10**9, 1), ADMIN) == unauthorized
    assert revert_of(pool.functions.setFee(0), ADMIN) == unauthorized
    assert revert_of(pool.functions.setAllowListed(STRANGER[0], True), ADMIN) == unauthorized
    # Nor can anyone but the timelock change its delay.
    assert revert_of(live.timelock.functions.updateDelay(0), ADMIN) == "TimelockUnauthorizedCaller"


def test_the_guardian_pauses_and_only_the_timelock_unpauses(live: Live) -> None:
    factory = live.chain.factory
    send(live.w3, GUARDIAN, factory.functions.pause())
    assert factory.functions.paused().call()
    mint = factory.functions.mint(STRANGER[0], MINTER[0], 10**18, b"lock".ljust(32), b"serials".ljust(32))
    assert revert_of(mint, MINTER) == "FactoryMintingPaused"

    assert revert_of(factory.functions.unpause(), GUARDIAN) == "AccessControlUnauthorizedAccount"
    assert revert_of(factory.functions.unpause(), ADMIN) == "AccessControlUnauthorizedAccount"
    assert revert_of(factory.functions.pause(), ADMIN) == "AccessControlUnauthorizedAccount"
    unpause = live.operation(factory, factory.encode_abi("unpause"), b"unpause".ljust(32))
    send(live.w3, ADMIN, live.timelock.functions.schedule(*unpause, DELAY))
    assert revert_of(live.timelock.functions.execute(*unpause), ADMIN) == "TimelockUnexpectedOperationState"
    live.later(DELAY)
    send(live.w3, ADMIN, live.timelock.functions.execute(*unpause))
    assert not factory.functions.paused().call()


def test_off_a_local_anvil_one_address_may_not_hold_two_powers_the_deployer_one(tmp_path: Path) -> None:
    anvil = live_anvil()
    try:
        missing = run_deploy(anvil.url, tmp_path, *holder_options(minter=MINTER, guardian=GUARDIAN))
        assert missing.returncode != 0
        assert "--registrar, --admin required on chain 1337" in missing.stderr

        shared = holder_options(minter=MINTER, registrar=REGISTRAR, guardian=GUARDIAN, admin=GUARDIAN)
        refused = run_deploy(anvil.url, tmp_path, *shared)
        assert refused.returncode != 0
        assert f"guardian and admin are both {GUARDIAN[0]}" in refused.stderr
        assert not (tmp_path / "ethereum-local.json").exists()
        assert rpc(anvil.url, "eth_blockNumber")["result"] == "0x0"  # nothing was sent

        # The deployer may hold one power: it keeps that one and renounces its setup roles.
        accepted = run_deploy(anvil.url, tmp_path, *holder_options(**{**HOLDERS, "minter": DEPLOYER}))
        assert accepted.returncode == 0, accepted.stdout + accepted.stderr
        record = json.loads((tmp_path / "ethereum-local.json").read_text())
        kept = {g["role"] for g in record["grants"] if g["account"] == DEPLOYER[0] and not g["renounced"]}
        assert kept == {"MINTER_ROLE"}
    finally:
        anvil.stop()


def test_only_a_local_anvil_lets_one_address_hold_every_power() -> None:
    assert is_local_chain(True, 31337)
    assert not is_local_chain(True, LIVE_CHAIN_ID)  # Anvil started with another --chain-id
    assert not is_local_chain(False, 31337)  # a live network that happens to use Anvil's id
    one = dict.fromkeys(HOLDERS, MINTER[0])
    assert len(shared_holders(one)) == 6
    assert shared_holders({**one, "admin": ADMIN[0].lower(), "guardian": GUARDIAN[0]}) == [
        ("minter", "registrar")
    ]
    assert shared_holders(HOLDERS_ADDRESSES) == []
    # Addresses compare whatever their case.
    assert shared_holders({**HOLDERS_ADDRESSES, "admin": MINTER[0].lower()}) == [("minter", "admin")]


def _admin_cli(live: Live, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`carbon-bridge admin ...` against the live deployment with the admin's key: the finished process."""
    record = tmp_path / "deployment.json"
    record.write_text(json.dumps(live.record))
    env = {
        **os.environ,
        "BRIDGE_RPC_URL": live.url,
        "BRIDGE_DEPLOYMENT_FILE": str(record),
        "BRIDGE_ADMIN_KEY": ADMIN[1],
    }

    def admin(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CARBON_BRIDGE, "admin", *args], env=env, capture_output=True, text=True)

    return admin


def _salt(scheduled: subprocess.CompletedProcess[str]) -> str:
    """The salt a scheduling run prints, for `--execute`."""
    assert scheduled.returncode == 0, scheduled.stdout + scheduled.stderr
    salt = re.search(r"--execute (0x[0-9a-f]{64})", scheduled.stdout)
    assert salt is not None, scheduled.stdout
    return salt.group(1)


def test_carbon_bridge_admin_unpauses_through_the_timelock_after_delay(live: Live, tmp_path: Path) -> None:
    """The recovery command of the README: schedule, wait out the delay, execute with the printed salt."""
    factory = live.chain.factory
    send(live.w3, GUARDIAN, factory.functions.pause())
    admin = _admin_cli(live, tmp_path)

    scheduled = admin("unpause")
    assert f"ready in {DELAY} s" in scheduled.stdout
    salt = _salt(scheduled)
    assert factory.functions.paused().call()  # nothing happens before the delay

    live.later(DELAY)
    assert "executed: unpause the factory" in admin("unpause", "--execute", salt).stdout
    assert not factory.functions.paused().call()


def test_carbon_bridge_admin_sets_the_minimum_retirement_through_the_timelock(
    live: Live, tmp_path: Path
) -> None:
    certificate = live.chain.certificate
    assert certificate.functions.minimumRetirement().call() == MINIMUM_RETIREMENT
    admin = _admin_cli(live, tmp_path)

    refused = admin("minimum-retirement", "1.5")
    assert refused.returncode == 2 and "at most 1 tonne" in refused.stderr, refused.stderr
    salt = _salt(admin("minimum-retirement", "0.01"))
    assert certificate.functions.minimumRetirement().call() == MINIMUM_RETIREMENT  # not before the delay

    live.later(DELAY)
    executed = admin("minimum-retirement", "0.01", "--execute", salt)
    assert "executed: set the minimum retirement to 0.01 t" in executed.stdout, (
        executed.stdout + executed.stderr
    )
    assert certificate.functions.minimumRetirement().call() == TONNE // 100
