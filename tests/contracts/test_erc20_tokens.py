"""Every ERC-20 of the project against the one shared behaviour suite (`erc20_behaviour.py`)."""

from __future__ import annotations

import pytest

from bridge.catalog import Label
from bridge.units import TONNE
from tests.contracts.erc20_behaviour import ERC20Behaviour, Erc20Case
from tests.support.vintages import create_vintage, mint


class TestVintageToken(ERC20Behaviour):
    """A factory clone: name, symbol and permit domain come from its clone arguments and constructor."""

    @pytest.fixture
    def erc20(self, project, factory, bridge_account, alice):
        token = create_vintage(project, factory, bridge_account)
        mint(factory, bridge_account, token, alice, 100)
        return Erc20Case(token, alice, 100 * TONNE, "Carbon Vintage VCS-1748-2016", "VCS-1748-2016")


class TestPoolToken(ERC20Behaviour):
    """A commodity pool's own token (CET), minted one for one by a deposit of an eligible vintage."""

    @pytest.fixture
    def erc20(self, project, factory, bridge_account, pools, alice):
        vintage = create_vintage(project, factory, bridge_account, labels=Label.CORSIA_ELIGIBLE)
        mint(factory, bridge_account, vintage, alice, 100)
        pool = pools["CET"]
        vintage.approve(pool, 40 * TONNE, sender=alice)
        pool.deposit(vintage, 40 * TONNE, sender=alice)
        return Erc20Case(pool, alice, 40 * TONNE, "CORSIA Eligible Token", "CET")
