"""The page in a real headless Chromium: the injected test wallet, page readiness, screenshots."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from eth_account import Account
from playwright.sync_api import expect
from web3 import Web3

from tests.support.deploying import ANVIL_ACCOUNTS, PROJECT_DIR
from tests.support.service import BridgeUnderTest

#: Screenshots of the main views, kept as test artifacts (CI uploads the folder).
ARTIFACTS = Path(os.environ.get("BRIDGE_ARTIFACTS", PROJECT_DIR / "artifacts")) / "screenshots"


HOLDER, FRIEND = ANVIL_ACCOUNTS[4], ANVIL_ACCOUNTS[5]


WALLET_JS = (Path(__file__).parent / "wallet.js").read_text()


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


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def open_page(page: Any, bridge: BridgeUnderTest, route: str = "") -> None:
    page.goto(f"{bridge.url}/{route}")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    settled(page)


def settled(page: Any) -> None:
    """Waits until the page has drawn its view (it redraws after every transaction)."""
    expect(page.locator("main")).to_have_attribute("aria-busy", "false")
