from __future__ import annotations

from fastapi import APIRouter

from bridge.api import presenters
from bridge.api.deps import ChainDep, SessionDep
from bridge.schemas import HealthPublic, ReservesPublic
from bridge.services import alerts, reserves

router = APIRouter(tags=["reserves"])


@router.get("/reserves", response_model=ReservesPublic)
def read_reserves(session: SessionDep, chain: ChainDep) -> ReservesPublic:
    """Per vintage: tonnes locked, retired and released, against the on-chain supply."""
    return presenters.reserves(reserves.compute(session, chain))


@router.get("/health", response_model=HealthPublic, tags=["health"])
def health(session: SessionDep, chain: ChainDep) -> HealthPublic:
    """Liveness (it answers 200 while the service runs), and `degraded` with the reasons while an alert
    is open, minting is paused on-chain, or the chain cannot be read."""
    return presenters.health(alerts.health(session, chain))
