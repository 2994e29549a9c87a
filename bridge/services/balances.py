"""A wallet's balances of the bridge's tokens: every vintage token the database knows and every pool,
read from the chain in one `eth_call` (`bridge.chain.lens.read_balances`), not one call per token."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from web3.exceptions import Web3Exception

from bridge.chain.contracts import Chain
from bridge.chain.lens import read_balances
from bridge.db.models import Vintage
from bridge.services.errors import ChainUnavailable
from bridge.services.vintages import symbol


@dataclass(frozen=True)
class TokenBalance:
    symbol: str
    token_address: str
    balance_wei: int
    vintage_id: int | None  # None for a pool token


def of(session: Session, chain: Chain, holder: str) -> list[TokenBalance]:
    """`holder`'s non-zero balances: vintage tokens (oldest vintage first), then the pools in the
    deployment record's order. 503 (`ChainUnavailable`) when the chain cannot be read."""
    held = [
        TokenBalance(symbol(v), v.token_address, 0, v.id)
        for v in session.scalars(
            select(Vintage).where(Vintage.token_address.is_not(None)).order_by(Vintage.id)
        )
        if v.token_address is not None
    ]
    held += [TokenBalance(s, pool.address, 0, None) for s, pool in chain.pools.items()]
    try:
        amounts = read_balances(chain, holder, [t.token_address for t in held])
    except (OSError, ValueError, Web3Exception) as err:
        raise ChainUnavailable(f"could not read balances: {err}") from err
    return [
        TokenBalance(t.symbol, t.token_address, amount, t.vintage_id)
        for t, amount in zip(held, amounts, strict=True)
        if amount
    ]
