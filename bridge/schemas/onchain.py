"""What the chain records, as the API shows it: pools, the network, a wallet's balances."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PoolCriteriaPublic(BaseModel):
    """What a pool accepts; an empty list accepts any."""

    registries: list[str]
    categories: list[str]
    sectoral_scopes: list[int]
    min_vintage_year: int
    required_labels: list[str]


class PoolHoldingPublic(BaseModel):
    token_address: str
    vintage_id: int | None
    symbol: str
    amount_wei: str


class PoolPublic(BaseModel):
    symbol: str
    name: str
    address: str
    total_supply_wei: str
    fee_bps: int
    criteria: PoolCriteriaPublic
    holdings: list[PoolHoldingPublic] = Field(description="Oldest vintage first, the order redemptions take.")


class NetworkPublic(BaseModel):
    """What a wallet and the web page need to talk to the chain the bridge runs on."""

    chain_id: int
    chain_name: str
    rpc_url: str
    confirmations: int
    contracts: dict[str, str]
    pools: dict[str, str]
    retirement_reasons: list[str]


class TokenBalance(BaseModel):
    symbol: str
    token_address: str
    balance_wei: str
    vintage_id: int | None


class Balances(BaseModel):
    address: str
    tokens: list[TokenBalance]
