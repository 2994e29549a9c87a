"""Fixtures shared by every test: the contracts deployed by the same code operators use."""

from __future__ import annotations

import pytest

from bridge.deployment import deploy_all

_GAS: dict[str, int] = {}


@pytest.fixture(scope="session")
def gas_table() -> dict[str, int]:
    """Operation name -> full-transaction gas, printed at the end of the run."""
    return _GAS


def pytest_terminal_summary(terminalreporter):
    if not _GAS:
        return
    terminalreporter.section("gas per operation (full transaction)")
    width = max(len(name) for name in _GAS)
    for name, gas in _GAS.items():
        terminalreporter.write_line(f"{name:<{width}}  {gas:>9,}")


@pytest.fixture(scope="session")
def deployer(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def bridge_account(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def pauser(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def alice(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def bob(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def stranger(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def deployment(project, deployer, bridge_account, pauser):
    # No timelock: the contract tests act as the default admin directly (tests/test_timelock.py covers it).
    return deploy_all(
        project,
        deployer,
        minter=bridge_account.address,
        registrar=bridge_account.address,
        guardian=pauser.address,
        admin=deployer.address,
        timelock_delay=None,
        admin_delay=0,
    )


@pytest.fixture(scope="session")
def factory(deployment):
    return deployment.factory


@pytest.fixture(scope="session")
def certificate(deployment):
    return deployment.certificate


@pytest.fixture(scope="session")
def pools(deployment):
    return deployment.pools
