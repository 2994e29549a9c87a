from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from bridge.api import presenters
from bridge.api.deps import ChainDep, SessionDep
from bridge.schemas import HealthPublic, ReservesPublic, error_responses
from bridge.services import alerts, reserves

router = APIRouter(tags=["reserves"])


@router.get(
    "/reserves",
    response_model=ReservesPublic,
    responses=error_responses({409: "`at_block` is after the latest block the bridge vouches for"}),
)
def read_reserves(
    session: SessionDep,
    chain: ChainDep,
    at_block: Annotated[
        int | None,
        Query(
            ge=0,
            description="As the reserves stood at this block; at most the latest the bridge vouches for "
            "(the default).",
        ),
    ] = None,
) -> ReservesPublic:
    """Per vintage: tonnes locked, retired and released, against the on-chain supply, at one block."""
    return presenters.reserves(reserves.compute(session, chain, at_block))


@router.get("/health", response_model=HealthPublic, tags=["health"])
def health(session: SessionDep, chain: ChainDep) -> HealthPublic:
    """Liveness (it answers 200 while the service runs), and `degraded` with the reasons while an alert
    is open, minting is paused on-chain, or the chain cannot be read."""
    return presenters.health(alerts.health(session, chain))
