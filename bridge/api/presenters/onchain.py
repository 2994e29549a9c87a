"""What the services read from the chain -> response models: pools, certificates, balances."""

from __future__ import annotations

from bridge.schemas import (
    Balances,
    CertificatePublic,
    PoolCriteriaPublic,
    PoolHoldingPublic,
    PoolPublic,
    TokenBalance,
)
from bridge.services.balances import TokenBalance as Held
from bridge.services.certificates import Certificate
from bridge.services.pools import Pool


def pool(p: Pool) -> PoolPublic:
    c = p.criteria
    return PoolPublic(
        symbol=p.symbol,
        name=p.name,
        address=p.address,
        total_supply_wei=str(p.total_supply_wei),
        fee_bps=p.fee_bps,
        criteria=PoolCriteriaPublic(
            registries=c.registries,
            categories=c.categories,
            sectoral_scopes=c.sectoral_scopes,
            min_vintage_year=c.min_vintage_year,
            required_labels=c.required_labels,
        ),
        holdings=[
            PoolHoldingPublic(
                token_address=h.token_address,
                vintage_id=h.vintage_id,
                symbol=h.symbol,
                amount_wei=str(h.amount_wei),
            )
            for h in p.holdings
        ],
    )


def certificate(c: Certificate) -> CertificatePublic:
    return CertificatePublic(
        id=c.id,
        owner=c.owner,
        vintage=c.vintage,
        vintage_id=c.vintage_id,
        symbol=c.symbol,
        retired_at=c.retired_at,
        reason=c.reason,
        reason_text=c.reason_text,
        beneficiary=c.beneficiary,
        beneficiary_name=c.beneficiary_name,
        details_hash=c.details_hash,
        amount_wei=str(c.amount_wei),
        registry_reference=c.registry_reference,
        retirement_id=c.retirement_id,
        status=c.status,
        tx_hash=c.tx_hash,
        metadata=c.metadata,
    )


def balances(address: str, held: list[Held]) -> Balances:
    return Balances(
        address=address,
        tokens=[
            TokenBalance(
                symbol=t.symbol,
                token_address=t.token_address,
                balance_wei=str(t.balance_wei),
                vintage_id=t.vintage_id,
            )
            for t in held
        ],
    )
