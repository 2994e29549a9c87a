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

# Fewest BRIDGE_CONFIRMATIONS accepted off Anvil. Ethereum's reorgs since the Merge have been 1-2 blocks
# deep; the deepest the beacon chain saw was 7 (May 2022, before proposer boost). 12 blocks (about 2.5
# min) stays above all of them. An L2 block is only as final as its sequencer's promise until its batch
# lands on L1, so the same floor applies there. Fewer would count mints and burns a reorg can still undo.
MIN_CONFIRMATIONS = 12


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
    guardian_key: SecretStr | None = Field(
        default=None,
        description=(
            "Private key of an account with GUARDIAN_ROLE (not the signer's): an alert pauses minting "
            "with it. Unset: alerts pause nothing."
        ),
    )
    registrar_key: SecretStr | None = Field(
        default=None,
        description=(
            "Private key of the account with REGISTRAR_ROLE on the certificate: a second sender confirms "
            "registry retirements with it. Unset (or the signer's): the one sender signs every kind."
        ),
    )
    confirmations: int = Field(
        default=2,
        ge=0,
        description=f"Blocks an event waits before it counts; at least {MIN_CONFIRMATIONS} off Anvil.",
    )
    poll_interval: float = Field(default=1.0, gt=0, description="Seconds between chain polls.")
    block_batch: int = Field(default=500, ge=1, description="Blocks per eth_getLogs query.")
    receipt_timeout: float = Field(default=30.0, gt=0, description="Seconds to wait before re-broadcasting.")
    max_fee_per_gas_gwei: float = Field(
        default=500.0,
        gt=0,
        description=(
            "The most the sender bids per gas (maxFeePerGas), in gwei: above it, a transaction stuck behind "
            "a fee spike waits rather than being replaced. Raise it on chains priced higher (Polygon)."
        ),
    )
    hold_max_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Longest wait before a held mint (paused, over a limit) is tried again.",
    )
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
    failpoints: str = Field(
        default="",
        description=(
            "Testing only: `name=chance,...` makes the sender kill itself at those points (the crash "
            "tests). Empty in production: `bridge.testing` is not even imported."
        ),
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


def unsafe_confirmations(confirmations: int, chain_id: int) -> str | None:
    """Why `confirmations` is refused on chain `chain_id` (too few off Anvil); None when it is safe."""
    if chain_id == ANVIL_CHAIN_ID or confirmations >= MIN_CONFIRMATIONS:
        return None
    return (
        f"BRIDGE_CONFIRMATIONS={confirmations} is below the minimum of {MIN_CONFIRMATIONS} on chain "
        f"{chain_id}: a mint or a burn fewer blocks deep can still be undone by a reorg (the beacon chain "
        "has reorganised 7 blocks; an L2 block is only as final as its sequencer until it lands on L1)"
    )
