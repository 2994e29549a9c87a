"""The sender's settings guards: too few confirmations off a local Anvil are refused at startup, naming
the setting and why; a registrar key of its own gets a sender of its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import sessionmaker

from bridge.chain.contracts import Chain
from bridge.config import ANVIL_CHAIN_ID, ANVIL_DEV_KEYS, MIN_CONFIRMATIONS, Settings, unsafe_confirmations
from bridge.workers import MINTER_KINDS, REGISTRAR_KINDS, make_registrar_sender, make_sender
from tests.support.deploying import ANVIL_ACCOUNTS

MAINNET = 1
ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3"  # only bound, never called


def record(tmp_path: Path, chain_id: int) -> Path:
    contracts: dict[str, Any] = {"VintageFactory": ADDRESS, "RetirementCertificate": ADDRESS, "pools": {}}
    path = tmp_path / "deployment.json"
    path.write_text(json.dumps({"chainId": chain_id, "block": 1, "contracts": contracts}))
    return path


def test_below_the_minimum_on_a_live_chain_is_refused_with_the_value_the_minimum_and_the_reason() -> None:
    refused = unsafe_confirmations(2, MAINNET)
    assert refused is not None
    assert refused.startswith(
        f"BRIDGE_CONFIRMATIONS=2 is below the minimum of {MIN_CONFIRMATIONS} on chain 1"
    )
    assert "reorg" in refused


def test_the_minimum_on_a_live_chain_and_any_value_on_anvil_are_accepted() -> None:
    assert unsafe_confirmations(MIN_CONFIRMATIONS, MAINNET) is None
    assert unsafe_confirmations(64, MAINNET) is None
    assert unsafe_confirmations(0, ANVIL_CHAIN_ID) is None


def test_the_service_does_not_start_on_a_live_chain_with_too_few_confirmations(tmp_path: Path) -> None:
    settings = Settings(deployment_file=record(tmp_path, MAINNET), confirmations=3)
    with pytest.raises(
        RuntimeError, match=f"BRIDGE_CONFIRMATIONS=3 is below the minimum of {MIN_CONFIRMATIONS}"
    ):
        Chain.from_settings(settings, with_signer=False)


def test_with_a_registrar_key_of_its_own_a_second_sender_signs_the_confirmations(tmp_path: Path) -> None:
    minter, registrar = ANVIL_ACCOUNTS[1], ANVIL_ACCOUNTS[2]
    settings = Settings(
        deployment_file=record(tmp_path, ANVIL_CHAIN_ID),
        signer_key=SecretStr(minter[1]),
        registrar_key=SecretStr(registrar[1]),
    )
    chain = Chain.from_settings(settings)
    sessions = sessionmaker()
    sender, second = make_sender(settings, sessions, chain), make_registrar_sender(settings, sessions, chain)
    assert sender.kinds == MINTER_KINDS and sender.account.address == minter[0]
    assert second is not None and second.kinds == REGISTRAR_KINDS
    assert second.account.address == registrar[0] and second.name != sender.name


def test_without_a_registrar_key_or_with_the_signers_own_one_sender_signs_every_kind(tmp_path: Path) -> None:
    path = record(tmp_path, ANVIL_CHAIN_ID)
    for registrar_key in (None, SecretStr(ANVIL_DEV_KEYS[1])):
        settings = Settings(
            deployment_file=path, signer_key=SecretStr(ANVIL_DEV_KEYS[1]), registrar_key=registrar_key
        )
        chain = Chain.from_settings(settings)
        assert make_sender(settings, sessionmaker(), chain).kinds is None
        assert make_registrar_sender(settings, sessionmaker(), chain) is None
