"""`ape run deploy` as operators run it, against an Anvil of its own."""

import json

import pytest

from bridge.catalog import POOLS
from tests.anvil import running_anvil
from tests.deploying import run_deploy


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
        assert record["deployer"] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        assert record["block"] > 0
        assert len(record["gitCommit"]) >= 40
        contracts = record["contracts"]
        assert set(contracts["pools"]) == {spec.symbol for spec in POOLS}
        assert "Deployed on ethereum:local" in first.stdout

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
