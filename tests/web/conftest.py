"""The web page in a real headless Chromium (Debian's, driven by Playwright), against the bridge as it
runs (`carbon-bridge serve` on SQLite, a private Anvil, the contracts deployed by `ape run deploy`)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import HOLDER, InjectedWallet
from tests.support.service import BridgeUnderTest, running_bridge

playwright_sync = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

# Chromium flags for a machine without a network or a user sandbox.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]


def chromium_path() -> str | None:
    return os.environ.get("BRIDGE_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="package")
def bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BridgeUnderTest]:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'bridge.db'}"
    with running_bridge(url, tmp_path_factory.mktemp("bridge")) as under_test:
        yield under_test


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium: `make test` installs Debian's chromium (tools/ensure-chromium.sh)")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, bridge: BridgeUnderTest) -> Iterator[Any]:
    """A page with no wallet at all: what a visitor without MetaMask sees."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture
def wallet(browser: Any, bridge: BridgeUnderTest) -> Iterator[InjectedWallet]:
    """A page with the holder's test wallet injected, not yet connected."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield InjectedWallet(page, bridge.anvil.url, HOLDER)
    context.close()
