"""The service's settings, from `BRIDGE_*` environment variables (or a `.env` file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent

# Anvil's first two public test keys. Only ever accepted on chain 31337 (see `signer_key_for`).
ANVIL_DEV_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
)
ANVIL_CHAIN_ID = 31337


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BRIDGE_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_DIR / '.run' / 'bridge.db'}",
        description="SQLAlchemy URL; postgresql+psycopg2://... in production.",
    )
    rpc_url: str = "http://127.0.0.1:8545"
    public_rpc_url: str | None = Field(
        default=None, description="The RPC URL wallets and the web page use; unset: rpc_url."
    )
    chain_name: str = Field(default="Anvil (local)", description="The chain's name, as wallets show it.")
    deployment_file: Path = PROJECT_DIR / "deployments" / "ethereum-local.json"
    signer_key: SecretStr | None = Field(
        default=None,
        description="Private key of the bridge account. Unset: Anvil's key #0, on chain 31337 only.",
    )
    confirmations: int = Field(default=2, ge=0, description="Blocks an event waits before it counts.")
    poll_interval: float = Field(default=1.0, gt=0, description="Seconds between chain polls.")
    block_batch: int = Field(default=500, ge=1, description="Blocks per eth_getLogs query.")
    receipt_timeout: float = Field(default=30.0, gt=0, description="Seconds to wait before re-broadcasting.")
    sender_name: str = Field(
        default="sender-1", description="Unique per sender process; a restart under the same name resumes."
    )
    lease_seconds: float = Field(
        default=60.0, gt=0, description="How long a dead sender's items stay leased."
    )
    mint_batch: int = Field(
        default=50, ge=1, le=200, description="Most mints one transaction carries when requests queue up."
    )
    sender_pipeline: int = Field(
        default=16,
        ge=1,
        le=256,
        description="With mint_batch 1: how many items the sender signs in one commit before broadcasting.",
    )
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    run_workers: bool = Field(default=True, description="`serve` also runs the sender and listener.")


@lru_cache
def get_settings() -> Settings:
    return Settings()


def signer_key_for(settings: Settings, chain_id: int) -> str:
    """The bridge's private key; the Anvil default only on a local Anvil chain."""
    if settings.signer_key is not None:
        return settings.signer_key.get_secret_value()
    if chain_id == ANVIL_CHAIN_ID:
        return ANVIL_DEV_KEYS[0]
    raise RuntimeError(f"BRIDGE_SIGNER_KEY is required on chain {chain_id}")
