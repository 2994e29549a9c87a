"""What each commodity pool accepts and holds, read from the chain (the pools are the record)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from web3.exceptions import Web3Exception

from bridge.catalog import Category, Registry, unmask
from bridge.chain.contracts import Chain
from bridge.db.models import Vintage
from bridge.services.errors import ChainUnavailable
from bridge.services.vintages import label_names, symbol

_REGISTRY_IDS = {int(r) for r in Registry}
_CATEGORY_IDS = {int(c) for c in Category}


@dataclass(frozen=True)
class PoolCriteria:
    """What a pool accepts, by name; an empty list accepts any."""

    registries: list[str]
    categories: list[str]
    sectoral_scopes: list[int]
    min_vintage_year: int
    required_labels: list[str]


@dataclass(frozen=True)
class PoolHolding:
    token_address: str
    vintage_id: int | None  # None for a token the bridge has no vintage of
    symbol: str
    amount_wei: int


@dataclass(frozen=True)
class Pool:
    symbol: str
    name: str
    address: str
    total_supply_wei: int
    fee_bps: int
    criteria: PoolCriteria
    holdings: list[PoolHolding]  # oldest vintage first, the order redemptions take


def list_pools(session: Session, chain: Chain) -> list[Pool]:
    try:
        return [_pool(session, chain, pool_symbol) for pool_symbol in chain.pools]
    except (OSError, ValueError, Web3Exception) as err:
        raise ChainUnavailable(f"could not read the pools: {err}") from err


def _pool(session: Session, chain: Chain, pool_symbol: str) -> Pool:
    pool = chain.pools[pool_symbol]
    registries, categories, scopes, min_year, labels = pool.functions.criteria().call()
    held = pool.functions.vintages().call()
    by_address = {
        v.token_address: v for v in session.scalars(select(Vintage).where(Vintage.token_address.in_(held)))
    }
    holdings = []
    for address in held:
        vintage = by_address.get(address)
        holdings.append(
            PoolHolding(
                token_address=address,
                vintage_id=vintage.id if vintage else None,
                symbol=symbol(vintage) if vintage else chain.vintage(address).functions.symbol().call(),
                amount_wei=chain.vintage(address).functions.balanceOf(pool.address).call(),
            )
        )
    return Pool(
        symbol=pool_symbol,
        name=pool.functions.name().call(),
        address=pool.address,
        total_supply_wei=pool.functions.totalSupply().call(),
        fee_bps=pool.functions.feeBps().call(),
        criteria=PoolCriteria(
            registries=[Registry(i).name.lower() for i in unmask(registries) if i in _REGISTRY_IDS],
            categories=[Category(i).name.lower() for i in unmask(categories) if i in _CATEGORY_IDS],
            sectoral_scopes=unmask(scopes),
            min_vintage_year=min_year,
            required_labels=label_names(labels),
        ),
        holdings=holdings,
    )
