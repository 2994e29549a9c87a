from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from bridge.api import presenters
from bridge.api.deps import LiveChainDep, SessionDep
from bridge.schemas import CertificatePublic, PoolPublic, error_responses
from bridge.services import certificates, pools

router = APIRouter(tags=["pools and certificates"])

# Certificate ids are uint256 on-chain but count up from 1; beyond 2**63 none can exist.
CertificateId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/pools", response_model=list[PoolPublic], responses=error_responses({503: "Chain unreadable"}))
def list_pools(session: SessionDep, chain: LiveChainDep) -> list[PoolPublic]:
    """Each commodity pool: its criteria, fee, supply and the vintages it holds (oldest first)."""
    return [presenters.pool(p) for p in pools.list_pools(session, chain)]


@router.get(
    "/certificates/{certificate_id}",
    response_model=CertificatePublic,
    responses=error_responses({404: "No such certificate", 503: "Chain unreadable"}),
)
def read_certificate(
    certificate_id: CertificateId, session: SessionDep, chain: LiveChainDep
) -> CertificatePublic:
    """One retirement certificate as the chain records it, with its registry status."""
    return presenters.certificate(certificates.read_certificate(session, chain, certificate_id))
