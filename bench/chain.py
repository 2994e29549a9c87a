"""A fresh Anvil with the contracts deployed by `ape run deploy`, and signed transactions to it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eth_account import Account

from bridge.chain.contracts import Chain
from tests.support.anvil import Anvil
from tests.support.deploying import ANVIL_ACCOUNTS, PROJECT_DIR, deploy

BRIDGE = ANVIL_ACCOUNTS[1]


class BenchChain:
    def __init__(self, anvil: Anvil, deployment: dict[str, Any]) -> None:
        self.anvil = anvil
        self.deployment = deployment
        self.chain = Chain(anvil.url, deployment)
        self.w3 = self.chain.w3
        self._nonces: dict[str, int] = {}

    def send(self, account: tuple[str, str], call: Any, wait: bool = True) -> Any:
        """Signs `call` with `account` and sends it; the receipt (status checked) when `wait`."""
        address, key = account
        nonce = self._nonces.get(address)
        if nonce is None:
            nonce = self.w3.eth.get_transaction_count(address)
        tx = call.build_transaction({"from": address, "nonce": nonce, "chainId": 31337})
        self._nonces[address] = nonce + 1
        signed = Account.from_key(key).sign_transaction(tx)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        if not wait:
            return tx_hash
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt["status"] == 1, receipt
        return receipt

    def deploy_artifact(self, name: str, account: tuple[str, str]) -> tuple[Any, Any]:
        """Deploys a contract of the compiled project (`.build`); (contract, receipt)."""
        manifest = json.loads((PROJECT_DIR / ".build" / "__local__.json").read_text())
        artifact = manifest["contractTypes"][name]
        factory = self.w3.eth.contract(
            abi=artifact["abi"], bytecode=artifact["deploymentBytecode"]["bytecode"]
        )
        receipt = self.send(account, factory.constructor())
        return self.w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"]), receipt


@contextmanager
def bench_chain(workdir: Path) -> Iterator[BenchChain]:
    anvil = Anvil()
    anvil.start()
    try:
        os.environ.setdefault("APE_FOUNDRY_HOST", "auto")
        roles = ("--minter", BRIDGE[0], "--registrar", BRIDGE[0])
        deployment = deploy(anvil.url, workdir / "deployments", *roles)
        yield BenchChain(anvil, deployment)
    finally:
        anvil.stop()


def attributes(project_id: str, year: int = 2020, category: int = 1, labels: int = 0) -> tuple[Any, ...]:
    """`VintageAttributes` of a Verra forestry project vintage (dates as YYYYMMDD)."""
    return (
        1,
        category,
        14,
        labels,
        year * 10_000 + 101,
        year * 10_000 + 1231,
        b"ET",
        project_id.encode().ljust(32, b"\0"),
        b"VM0015".ljust(32, b"\0"),
    )
