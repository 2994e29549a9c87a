from __future__ import annotations

from fastapi import APIRouter, Request

from bridge.api.deps import LiveChainDep
from bridge.config import Settings
from bridge.schemas import NetworkPublic, error_responses
from bridge.services.burns import REASONS

router = APIRouter(tags=["network"])


@router.get("/network", response_model=NetworkPublic, responses=error_responses({503: "No chain"}))
def read_network(request: Request, chain: LiveChainDep) -> NetworkPublic:
    """The chain and contract addresses, for wallets and the web page."""
    settings: Settings = request.app.state.settings
    return NetworkPublic(
        chain_id=chain.chain_id,
        chain_name=settings.chain_name,
        rpc_url=settings.public_rpc_url or settings.rpc_url,
        confirmations=settings.confirmations,
        contracts={
            "VintageFactory": chain.factory.address,
            "RetirementCertificate": chain.certificate.address,
        },
        pools={symbol: pool.address for symbol, pool in chain.pools.items()},
        retirement_reasons=REASONS,
    )
