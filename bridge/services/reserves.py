"""Reserves: per vintage, the tonnes the bridge holds against the token's on-chain supply, at one block.

Everything is read at block X, the last block both sides can vouch for:
    X = min(the listener's applied block (cursor next_block - 1), outbox.floor)
The floor is the chain head at which the oldest unsettled transaction was signed: a mint mined but not
yet settled by the sender is on the chain and not in the database, but it was mined after its floor.

At X, per vintage (tonnes of Isometric-style registries are counted in units, `units_per_tonne`):
    locked    ranges whose tokenization was mined at or before X and that were not retired or released
              at or before X (a range retired or released after X was still locked at X)
    pending   ranges whose mint is not mined, was mined after X, or was reorganised out
    retired   ranges retired by a retirement at or before X; released: by a redemption at or before X
    expected supply = tonnes minted by tokenizations mined at or before X
                      - amounts of the retirements and redemptions at or before X
    ledger supply   = locked tonnes - the fractions of a tonne retired but not yet whole at X
and both must equal `totalSupply()` at X (pool holdings are part of the supply), read with the reserves
lens (`bridge.chain.lens`), which also lists the factory's vintages at X: one the database does not
know, with a supply, makes the reserves unbalanced. A vintage whose token was created after X reads 0.

The database side is read in one snapshot (REPEATABLE READ on PostgreSQL: under READ COMMITTED each
statement sees its own, and a sender's commit between two queries would show a false imbalance), with
grouped queries; the chain side after it, in one `eth_call` at X. `status` is `unknown` when the chain
cannot be read and the database alone shows nothing wrong.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from eth_abi.exceptions import DecodingError
from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager
from web3.exceptions import Web3Exception

from bridge.catalog import Registry
from bridge.chain.contracts import Chain
from bridge.chain.lens import read_vintages
from bridge.db import outbox
from bridge.db.cursors import EVENTS_CURSOR
from bridge.db.models import ChainCursor, Vintage
from bridge.serials import units_per_tonne
from bridge.services.errors import Conflict
from bridge.services.ledger import fill_ledger
from bridge.services.vintages import symbol
from bridge.units import TONNE

logger = logging.getLogger(__name__)


Status = Literal["balanced", "unbalanced", "unknown"]

# What the chain side raises when the node is down, restarting or answers nonsense.
_UNREADABLE = (Web3Exception, ValueError, OSError, DecodingError)  # OSError: connection, timeout


@dataclass
class VintageReserve:
    vintage: Vintage
    symbol: str = ""
    locked_tonnes: int = 0
    pending_tonnes: int = 0
    retired_tonnes: int = 0
    released_tonnes: int = 0
    minted_tonnes: int = 0  # by tokenizations mined at or before `at_block`
    accrued_retired_wei: int = 0  # retired at or before `at_block`, not yet a whole tonne
    expected_supply_wei: int = 0  # at `at_block`, from tokenizations and burn events
    ledger_supply_wei: int = 0  # from the serial ledger: locked tonnes less accrued fractions
    onchain_supply_wei: int | None = None  # None: the chain was not read
    pool_holdings_wei: dict[str, int] = field(default_factory=dict)

    @property
    def ledger_consistent(self) -> bool:
        return self.ledger_supply_wei == self.expected_supply_wei

    @property
    def status(self) -> Status:
        if not self.ledger_consistent:
            return "unbalanced"
        if self.onchain_supply_wei is None:
            return "unknown"
        return "balanced" if self.onchain_supply_wei == self.expected_supply_wei else "unbalanced"

    @property
    def balanced(self) -> bool | None:
        return _as_bool(self.status)


@dataclass
class UnknownVintage:
    """A token the factory lists at `at_block` that the database has no vintage for."""

    token_address: str
    onchain_supply_wei: int
    pool_holdings_wei: dict[str, int] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        """Supply nobody locked tonnes for breaks the invariant; an empty token does not."""
        return self.onchain_supply_wei == 0


@dataclass
class Reserves:
    at_block: int | None
    vintages: list[VintageReserve]
    unknown_vintages: list[UnknownVintage] = field(default_factory=list)
    listener_block: int | None = None
    floor_block: int | None = None
    chain_read: bool = False
    chain_error: str | None = None

    @property
    def status(self) -> Status:
        if self.mismatches() or any(not u.balanced for u in self.unknown_vintages):
            return "unbalanced"
        return "balanced" if self.chain_read else "unknown"

    @property
    def balanced(self) -> bool | None:
        """True, False, or None when the chain could not be read (and the database shows nothing wrong)."""
        return _as_bool(self.status)

    def mismatches(self) -> list[VintageReserve]:
        return [v for v in self.vintages if v.status == "unbalanced"]

    def reasons(self) -> list[str]:
        """What unbalances the reserves, naming each vintage (its symbol and token, or its token)."""
        found = []
        for v in self.mismatches():
            side, held = ("serial ledger", v.ledger_supply_wei)
            if v.ledger_consistent:
                side, held = ("on-chain supply", v.onchain_supply_wei or 0)
            expected = _t(v.expected_supply_wei)
            found.append(
                f"{v.symbol} ({v.vintage.token_address}): {side} {_t(held)} t, {expected} t expected"
            )
        unknown = [u for u in self.unknown_vintages if not u.balanced]
        return found + [
            f"{u.token_address}: unknown to the bridge, holds {_t(u.onchain_supply_wei)} t" for u in unknown
        ]


def _t(wei: int) -> str:
    return format((Decimal(wei) / TONNE).normalize(), "f")


def _as_bool(status: Status) -> bool | None:
    return None if status == "unknown" else status == "balanced"


def compute(session: Session, chain: Chain | None, at_block: int | None = None) -> Reserves:
    """Reserves of every vintage at one block; `chain=None` skips the on-chain side.

    By default the block is the latest the database vouches for (the listener's, or the floor of
    unsettled transactions below it); `at_block` asks for an earlier one, as things stood then. A
    block after that is refused (Conflict naming `at_block`, as the bridge has not followed it yet:
    its events would be missing).

    The database is read in a transaction of its own, which this ends before reading the chain (on
    SQLite a transaction holds the write lock): pass a session with no transaction open.
    """
    default_block = int(chain.deployment["block"]) - 1 if chain is not None else None
    result = _read_database(session, default_block, at_block)
    if chain is None:
        result.chain_error = "the service runs without a chain connection"
    elif result.at_block is not None:
        _read_chain(chain, result)
    return result


def _read_database(session: Session, default_block: int | None, requested: int | None) -> Reserves:
    started = not session.in_transaction()
    if started and session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    try:
        cursor = session.get(ChainCursor, EVENTS_CURSOR)
        # Before the listener's first step its cursor would start at the deployment block.
        listener_block = cursor.next_block - 1 if cursor is not None else default_block
        floor = outbox.floor(session)
        candidates = [b for b in (listener_block, floor) if b is not None]
        at_block = min(candidates) if listener_block is not None else None
        if requested is not None:
            if at_block is None or requested > at_block:
                unsettled = "" if floor is None else f", unsettled transactions from {floor}"
                raise Conflict(
                    f"at_block {requested} is after block {at_block}, the last the bridge vouches for "
                    f"(listener at {listener_block}{unsettled})",
                    field="at_block",
                    latest_block=at_block,
                )
            at_block = requested
        vintages = list(
            session.scalars(
                # Vintages whose token is still being created too: their tonnes are pending.
                select(Vintage)
                .join(Vintage.project)
                .options(contains_eager(Vintage.project))  # the symbols need it: no query per project
                .order_by(Vintage.id)
            )
        )
        reserves = {v.id: VintageReserve(vintage=v, symbol=symbol(v)) for v in vintages}
        per_tonne = {v.id: units_per_tonne(Registry(v.project.registry_id)) for v in vintages}
        if at_block is not None:
            fill_ledger(session, reserves, per_tonne, at_block)
        result = Reserves(
            at_block=at_block,
            vintages=list(reserves.values()),
            listener_block=listener_block,
            floor_block=floor,
        )
    finally:
        if started:
            session.commit()  # read only: ends the snapshot (objects stay loaded)
    return result


def _read_chain(chain: Chain, result: Reserves) -> None:
    """Supplies and pool holdings at `result.at_block` (one lens call); unknown vintages listed."""
    assert result.at_block is not None
    try:
        onchain = read_vintages(chain, result.at_block)
    except _UNREADABLE as err:
        logger.warning("reserves: the chain cannot be read at block %s: %s", result.at_block, err)
        result.chain_error = str(err) or type(err).__name__
        return
    result.chain_read = True
    known: set[str] = set()
    for reserve in result.vintages:
        token = reserve.vintage.token_address
        address = chain.w3.to_checksum_address(token) if token is not None else None
        if address is not None:
            known.add(address)
        seen = onchain.get(address) if address is not None else None
        # Not listed at that block (or not created yet): the token had no supply then.
        reserve.onchain_supply_wei = seen.total_supply_wei if seen else 0
        reserve.pool_holdings_wei = dict(seen.pool_holdings_wei) if seen else {}
    result.unknown_vintages = [
        UnknownVintage(address, seen.total_supply_wei, dict(seen.pool_holdings_wei))
        for address, seen in onchain.items()
        if address not in known
    ]
