"""`ape run deploy` as operators run it, against an Anvil of its own."""

import json

import pytest

from bridge.catalog import POOLS
from tests.support.anvil import running_anvil
from tests.support.deploying import ANVIL_ACCOUNTS, run_deploy

DEPLOYER = ANVIL_ACCOUNTS[0][0]


@pytest.fixture
def deployments_dir(tmp_path):
    return tmp_path / "deployments"


def test_deploy_writes_the_deployments_file_and_refuses_a_second_set(deployments_dir):
    with running_anvil() as anvil:
        first = run_deploy(anvil.url, deployments_dir)
        assert first.returncode == 0, first.stdout + first.stderr
        record_path = deployments_dir / "ethereum-local.json"
        record = json.loads(record_path.read_text())
        assert record["chainId"] == 31337
        assert record["ecosystem"] == "ethereum" and record["network"] == "local"
        assert record["deployer"] == DEPLOYER
        assert record["block"] > 0
        assert len(record["gitCommit"]) >= 40
        contracts = record["contracts"]
        assert set(contracts["pools"]) == {spec.symbol for spec in POOLS}
        assert "Deployed on ethereum:local" in first.stdout
        # Locally the deployer may hold every power; the contracts' admin is still the timelock, at once.
        timelock = contracts["Timelock"]
        holders = {"admin": DEPLOYER, "minter": DEPLOYER, "registrar": DEPLOYER, "guardian": DEPLOYER}
        assert record["roles"] == {**holders, "timelock": timelock}
        assert (record["timelockDelay"], record["vintageMintDelay"]) == (0, 0)
        assert record["mintLimits"] == {"totalTonnes": 500_000, "vintageTonnes": 250_000, "window": 86_400}
        admins = {g["contract"]: g["account"] for g in record["grants"] if g["role"] == "DEFAULT_ADMIN_ROLE"}
        assert set(admins.values()) == {timelock}
        assert f"{record['deployTransactions']} transactions, {record['deployGas']:,} gas" in first.stdout
        assert "guardian                     " + DEPLOYER in first.stdout

        second = run_deploy(anvil.url, deployments_dir)
        assert second.returncode == 0, second.stdout + second.stderr
        assert "Already deployed" in second.stdout
        assert "Nothing deployed" in second.stdout
        assert json.loads(record_path.read_text()) == record

    # A fresh chain no longer has those contracts: the script says so and deploys a new set.
    with running_anvil() as anvil:
        third = run_deploy(anvil.url, deployments_dir)
        assert third.returncode == 0, third.stdout + third.stderr
        assert "not on this chain" in third.stdout
        assert "Deployed on ethereum:local" in third.stdout
