"""The web page in a real headless Chromium (Debian's, driven by Playwright), against the bridge as it
runs (`carbon-bridge serve` on SQLite, a private Anvil, the contracts deployed by `ape run deploy`)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from tests.deploying import ANVIL_ACCOUNTS, PROJECT_DIR
from tests.service.conftest import BridgeUnderTest, running_bridge

playwright_sync = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

#: Screenshots of the main views, kept as test artifacts (CI uploads the folder).
ARTIFACTS = Path(os.environ.get("BRIDGE_ARTIFACTS", PROJECT_DIR / "artifacts")) / "screenshots"
HOLDER, FRIEND = ANVIL_ACCOUNTS[4], ANVIL_ACCOUNTS[5]
WALLET_JS = (Path(__file__).parent / "wallet.js").read_text()
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


class InjectedWallet:
    """The account behind the injected provider: signs what the page asks it to send."""

    def __init__(self, page: Any, rpc_url: str, account: tuple[str, str]) -> None:
        self.page = page
        self.address, self.key = account
        self.w3 = Web3(Web3.HTTPProvider(rpc_url))
        self.sent: list[str] = []
        config = {"address": self.address, "rpcUrl": rpc_url, "chainId": hex(self.w3.eth.chain_id)}
        page.expose_function("__testWalletSign", self.sign_and_send)
        page.add_init_script(WALLET_JS.replace("__WALLET_CONFIG__", json.dumps(config)))

    def sign_and_send(self, request: dict[str, Any]) -> str:
        assert Web3.to_checksum_address(request["from"]) == self.address, request
        tx: dict[str, Any] = {
            "from": self.address,
            "to": Web3.to_checksum_address(request["to"]),
            "data": request.get("data", "0x"),
            "value": int(request.get("value", "0x0"), 16),
            "nonce": self.w3.eth.get_transaction_count(self.address, "pending"),
            "chainId": self.w3.eth.chain_id,
        }
        tx["gas"] = int(request["gas"], 16) if "gas" in request else self.w3.eth.estimate_gas(tx)
        base_fee = self.w3.eth.get_block("latest")["baseFeePerGas"]
        tx["maxPriorityFeePerGas"] = 10**9
        tx["maxFeePerGas"] = 2 * base_fee + 10**9
        signed = Account.from_key(self.key).sign_transaction(tx)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction).to_0x_hex()
        self.sent.append(tx_hash)
        return tx_hash

    def reject_next(self) -> None:
        self.page.evaluate("window.__testWallet.rejectNext = true")

    def watched(self) -> list[dict[str, Any]]:
        watched: list[dict[str, Any]] = self.page.evaluate("window.__testWallet.watched")
        return watched


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


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
