"""The reserves view in plain words: balanced, then unbalanced by a token minted outside the bridge
(listed by address), then unknown with the chain down. A bridge of its own: the last two break it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from bridge.units import TONNE
from tests.support.browser import open_page, screenshot, settled
from tests.support.payloads import BOB_ADDRESS, REAL_SERIAL, outside_attributes, tokenization
from tests.support.service import BridgeUnderTest, bridge_and_wait, running_bridge

BRIDGE_KEY_HOLDER = 1  # ANVIL_ACCOUNTS[1] signs for the bridge (tests.support.service.BRIDGE_ACCOUNT)


@pytest.fixture(scope="module")
def bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BridgeUnderTest]:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'bridge.db'}"
    with running_bridge(url, tmp_path_factory.mktemp("bridge")) as under_test:
        yield under_test


def reload(page: Any) -> None:
    """Loads the view again (the same `#/reserves` address would not)."""
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    settled(page)


def test_the_reserves_view_says_balanced_unbalanced_with_the_unknown_token_then_unknown(
    page: Any, bridge: BridgeUnderTest
) -> None:
    bridge_and_wait(bridge, tokenization(REAL_SERIAL))
    bridge.wait_for("/reserves", lambda r: r["balanced"] is True and r["vintages"][0]["locked_tonnes"] == 425)
    open_page(page, bridge, "#/reserves")
    status = page.locator("#reserves-status")
    expect(status).to_contain_text("Balanced at block")
    expect(status).to_have_attribute("data-status", "balanced")
    expect(page.locator("#unknown-vintages table")).to_have_count(0)

    factory = bridge.chain.factory
    rogue = factory.functions.predictVintageAddress(outside_attributes("9991")).call()
    bridge.transact(BRIDGE_KEY_HOLDER, factory.functions.createVintage(outside_attributes("9991")))
    mint = factory.functions.mint(rogue, BOB_ADDRESS, 7 * TONNE, os.urandom(32), os.urandom(32))
    bridge.transact(BRIDGE_KEY_HOLDER, mint)
    bridge.wait_for("/reserves", lambda r: r["status"] == "unbalanced")
    reload(page)
    expect(status).to_contain_text("Unbalanced at block")
    listed = page.locator("#unknown-vintages tr", has_text=rogue)
    expect(listed).to_contain_text("7")
    expect(listed).to_contain_text("unbacked supply")
    expect(page.locator("tr[data-status='balanced']", has_text="VCS-1340-2020")).to_have_count(1)
    screenshot(page, "reserves-unbalanced")

    bridge.anvil.stop()
    reload(page)
    expect(status).to_contain_text("Unknown at block")
    expect(status).to_contain_text("the chain cannot be read")
    expect(status).to_have_attribute("data-status", "unknown")
