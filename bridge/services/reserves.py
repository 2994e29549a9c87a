"""Reserves: per vintage, the tonnes the bridge holds against the token's on-chain supply.

For a vintage, at block B (the last block the listener has applied):
    expected supply = tonnes minted by tokenizations confirmed at or before B
                      - amounts retired or redeemed in events at or before B
and that must equal `totalSupply()` read at B (pool holdings are part of the supply). Independently,
the serial ledger must agree: locked tonnes - accrued retired fractions = expected supply now.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session
from web3.exceptions import Web3Exception

from bridge.catalog import Registry
from bridge.chain.contracts import TONNE, Chain
from bridge.db.models import (
    ChainCursor,
    Redemption,
    ReleasedRange,
    Retirement,
    SerialRange,
    Tokenization,
    Vintage,
)
from bridge.serials import units_per_tonne
from bridge.services.vintages import symbol

EVENTS_CURSOR = "vintage-events"


@dataclass
class VintageReserve:
    vintage: Vintage
    locked_tonnes: int = 0
    pending_tonnes: int = 0
    retired_tonnes: int = 0
    released_tonnes: int = 0
    expected_supply_wei: int = 0  # at `at_block`, from tokenizations and burn events
    expected_now_wei: int = 0  # the same over everything applied so far
    ledger_supply_wei: int = 0  # from the serial ledger: locked tonnes less accrued fractions
    onchain_supply_wei: int | None = None
    pool_holdings_wei: dict[str, int] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        return self.onchain_supply_wei == self.expected_supply_wei and self.ledger_consistent

    @property
    def ledger_consistent(self) -> bool:
        return self.ledger_supply_wei == self.expected_now_wei

    @property
    def symbol(self) -> str:
        return symbol(self.vintage)


@dataclass
class Reserves:
    at_block: int | None
    vintages: list[VintageReserve]

    @property
    def balanced(self) -> bool:
        return all(v.balanced for v in self.vintages)

    def mismatches(self) -> list[VintageReserve]:
        return [v for v in self.vintages if not v.balanced]


def compute(session: Session, chain: Chain | None) -> Reserves:
    """Reserves of every vintage with a token; `chain=None` skips the on-chain side."""
    next_block = _cursor(session)
    at_block = next_block - 1 if next_block is not None else None
    vintages = list(
        session.scalars(select(Vintage).where(Vintage.token_address.is_not(None)).order_by(Vintage.id))
    )
    reserves = [_ledger(session, v, at_block) for v in vintages]
    if chain is not None and at_block is not None and at_block >= 0:
        for reserve in reserves:
            _read_chain(chain, reserve, at_block)
    return Reserves(at_block=at_block, vintages=reserves)


def _cursor(session: Session) -> int | None:
    cursor = session.get(ChainCursor, EVENTS_CURSOR)
    return cursor.next_block if cursor else None


def _ledger(session: Session, vintage: Vintage, at_block: int | None) -> VintageReserve:
    reserve = VintageReserve(vintage=vintage)
    per_tonne = units_per_tonne(Registry(vintage.project.registry_id))
    for state, start, end in session.execute(
        select(SerialRange.state, SerialRange.block_start, SerialRange.block_end).where(
            SerialRange.vintage_pk == vintage.id
        )
    ):
        tonnes = (end - start + 1) // per_tonne
        if state == "locked":
            reserve.locked_tonnes += tonnes
        elif state == "pending":
            reserve.pending_tonnes += tonnes
        else:
            reserve.retired_tonnes += tonnes
    for start, end in session.execute(
        select(ReleasedRange.block_start, ReleasedRange.block_end).where(
            ReleasedRange.vintage_pk == vintage.id
        )
    ):
        reserve.released_tonnes += (end - start + 1) // per_tonne
    reserve.ledger_supply_wei = reserve.locked_tonnes * TONNE - vintage.accrued_retired_wei

    limit = at_block if at_block is not None else -1
    minted = list(
        session.execute(
            select(Tokenization.quantity, Tokenization.block_number).where(
                Tokenization.vintage_pk == vintage.id, Tokenization.status == "minted"
            )
        )
    )
    burned = [
        *session.execute(
            select(Retirement.amount_wei, Retirement.block_number).where(Retirement.vintage_pk == vintage.id)
        ),
        *session.execute(
            select(Redemption.amount_wei, Redemption.block_number).where(Redemption.vintage_pk == vintage.id)
        ),
    ]
    reserve.expected_now_wei = sum(q for q, _ in minted) * TONNE - sum(a for a, _ in burned)
    minted_by_then = sum(q for q, b in minted if b is not None and b <= limit)
    burned_by_then = sum(a for a, b in burned if b <= limit)
    reserve.expected_supply_wei = minted_by_then * TONNE - burned_by_then
    return reserve


def _read_chain(chain: Chain, reserve: VintageReserve, at_block: int) -> None:
    assert reserve.vintage.token_address is not None
    token = chain.vintage(reserve.vintage.token_address)
    try:
        reserve.onchain_supply_wei = token.functions.totalSupply().call(block_identifier=at_block)
        for pool_symbol, pool in chain.pools.items():
            held = token.functions.balanceOf(pool.address).call(block_identifier=at_block)
            if held:
                reserve.pool_holdings_wei[pool_symbol] = held
    except (Web3Exception, ValueError, OSError):
        reserve.onchain_supply_wei = None
