from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from bridge.api.deps import LiveChainDep, SessionDep
from bridge.db.models import Vintage
from bridge.schemas import Address, error_responses
from bridge.services.errors import ChainUnavailable
from bridge.services.vintages import symbol

router = APIRouter(tags=["balances"])


class TokenBalance(BaseModel):
    symbol: str
    token_address: str
    balance_wei: str
    vintage_id: int | None


class Balances(BaseModel):
    address: str
    tokens: list[TokenBalance]


@router.get(
    "/balances/{address}",
    response_model=Balances,
    responses=error_responses({503: "The chain cannot be read"}),
)
def read_balances(address: Address, session: SessionDep, chain: LiveChainDep) -> Balances:
    """A wallet's vintage and pool token balances, read from the chain (non-zero only)."""
    tokens: list[TokenBalance] = []
    try:
        for vintage in session.scalars(select(Vintage).where(Vintage.token_address.is_not(None))):
            assert vintage.token_address is not None
            held = chain.vintage(vintage.token_address).functions.balanceOf(address).call()
            if held:
                tokens.append(
                    TokenBalance(
                        symbol=symbol(vintage),
                        token_address=vintage.token_address,
                        balance_wei=str(held),
                        vintage_id=vintage.id,
                    )
                )
        for pool_symbol, pool in chain.pools.items():
            held = pool.functions.balanceOf(address).call()
            if held:
                tokens.append(
                    TokenBalance(
                        symbol=pool_symbol, token_address=pool.address, balance_wei=str(held), vintage_id=None
                    )
                )
    except (OSError, ValueError) as err:
        raise ChainUnavailable(f"could not read balances: {err}") from err
    return Balances(address=address, tokens=tokens)
