from __future__ import annotations

from fastapi import APIRouter

from bridge.api import presenters
from bridge.api.deps import ChainDep, SessionDep
from bridge.schemas import ReservesPublic
from bridge.services import reserves

router = APIRouter(tags=["reserves"])


@router.get("/reserves", response_model=ReservesPublic)
def read_reserves(session: SessionDep, chain: ChainDep) -> ReservesPublic:
    """Per vintage: tonnes locked, retired and released, against the on-chain supply."""
    return presenters.reserves(reserves.compute(session, chain))


@router.get("/health", tags=["health"])
def health() -> dict[str, str]:
    """Liveness."""
    return {"status": "ok"}
