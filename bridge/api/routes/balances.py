"""A wallet's balances of the bridge's tokens, for the web page."""

from __future__ import annotations

from fastapi import APIRouter

from bridge.api import presenters
from bridge.api.deps import LiveChainDep, SessionDep
from bridge.schemas import Address, Balances, error_responses
from bridge.services import balances

router = APIRouter(tags=["balances"])


@router.get(
    "/balances/{address}",
    response_model=Balances,
    responses=error_responses({503: "The chain cannot be read"}),
)
def read_balances(address: Address, session: SessionDep, chain: LiveChainDep) -> Balances:
    """A wallet's vintage and pool token balances, read from the chain in one call (non-zero only)."""
    return presenters.balances(address, balances.of(session, chain, address))
