"""The serial ledger side of the reserves at one block: how many units of each vintage were locked,
pending, retired or released at block `at` (`bridge.services.reserves` explains the rules).

The four are what a unit *was* at that block, not a state column: a range retired after `at` was
still locked at `at`, and a range a redemption moved to `released_ranges` counts as released only
from the redemption's block. Each is read with one grouped query per table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session

from bridge.db.models import Redemption, ReleasedRange, Retirement, SerialRange, Tokenization
from bridge.states import RangeState, TokenizationStatus
from bridge.units import TONNE

if TYPE_CHECKING:
    from bridge.services.reserves import VintageReserve

#: What a unit was at the block: held ranges by their state then, and released ranges.
LOCKED = RangeState.LOCKED.value
PENDING = RangeState.PENDING.value
RETIRED = RangeState.RETIRED.value
RELEASED = "released"


def fill_ledger(
    session: Session, reserves: Mapping[int, VintageReserve], per_tonne: Mapping[int, int], at: int
) -> None:
    """Fills the ledger side of every vintage at block `at`: one grouped query per table."""
    mined = and_(
        Tokenization.status == TokenizationStatus.MINTED,
        Tokenization.block_number.is_not(None),
        Tokenization.block_number <= at,
    )
    units: dict[tuple[int, str], int] = defaultdict(int)

    held_state = case(
        (and_(SerialRange.state == RangeState.RETIRED, Retirement.block_number <= at), literal(RETIRED)),
        (and_(SerialRange.state.in_((RangeState.LOCKED, RangeState.RETIRED)), mined), literal(LOCKED)),
        else_=literal(PENDING),
    ).label("at_state")
    for vintage_pk, state, total in session.execute(
        select(
            SerialRange.vintage_pk,
            held_state,
            func.sum(SerialRange.block_end - SerialRange.block_start + 1),
        )
        .join(Tokenization, SerialRange.tokenization_id == Tokenization.id)
        .outerjoin(Retirement, SerialRange.retirement_pk == Retirement.id)
        .group_by(SerialRange.vintage_pk, held_state)
    ):
        units[(vintage_pk, state)] += int(total or 0)

    released_state = case(
        (Redemption.block_number <= at, literal(RELEASED)),
        (mined, literal(LOCKED)),
        else_=literal(PENDING),
    ).label("at_state")
    for vintage_pk, state, total in session.execute(
        select(
            ReleasedRange.vintage_pk,
            released_state,
            func.sum(ReleasedRange.block_end - ReleasedRange.block_start + 1),
        )
        .join(Tokenization, ReleasedRange.tokenization_id == Tokenization.id)
        .join(Redemption, ReleasedRange.redemption_pk == Redemption.id)
        .group_by(ReleasedRange.vintage_pk, released_state)
    ):
        units[(vintage_pk, state)] += int(total or 0)

    # Tonnes are integers in SQL; amounts are decimal text (SQLite would sum them as REAL): Python.
    minted = {
        vintage_pk: int(tonnes or 0)
        for vintage_pk, tonnes in session.execute(
            select(Tokenization.vintage_pk, func.sum(Tokenization.quantity))
            .where(mined)
            .group_by(Tokenization.vintage_pk)
        )
    }
    burned: dict[int, int] = defaultdict(int)
    retired_wei: dict[int, int] = defaultdict(int)
    whole_retired: dict[int, int] = defaultdict(int)
    for vintage_pk, amount, tonnes in session.execute(
        select(Retirement.vintage_pk, Retirement.amount_wei, Retirement.tonnes_retired).where(
            Retirement.block_number <= at
        )
    ):
        burned[vintage_pk] += amount
        retired_wei[vintage_pk] += amount
        whole_retired[vintage_pk] += tonnes
    for vintage_pk, amount in session.execute(
        select(Redemption.vintage_pk, Redemption.amount_wei).where(Redemption.block_number <= at)
    ):
        burned[vintage_pk] += amount

    for vintage_pk, reserve in reserves.items():
        unit = per_tonne[vintage_pk]
        reserve.locked_tonnes = units[(vintage_pk, LOCKED)] // unit
        reserve.pending_tonnes = units[(vintage_pk, PENDING)] // unit
        reserve.retired_tonnes = units[(vintage_pk, RETIRED)] // unit
        reserve.released_tonnes = units[(vintage_pk, RELEASED)] // unit
        reserve.minted_tonnes = minted.get(vintage_pk, 0)
        reserve.accrued_retired_wei = retired_wei[vintage_pk] - whole_retired[vintage_pk] * TONNE
        reserve.expected_supply_wei = reserve.minted_tonnes * TONNE - burned[vintage_pk]
        reserve.ledger_supply_wei = reserve.locked_tonnes * TONNE - reserve.accrued_retired_wei
