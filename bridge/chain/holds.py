"""Writes that must wait rather than fail: minting paused (the factory, or the vintage token), a mint
limit reached, a new vintage's delay not over yet.

Such a revert is the contract containing a stolen key or a hostile burst, not a reason to give the
serials back: the item goes back to `queued`, is not claimed again before its `not_before`
(`bridge.outbox.holds`), and its tokenization says why it waits (`waiting_reason`) while its serials
stay held.
Each hold is tried again after a wait that doubles up to a maximum (a new vintage: until it is
mintable), so a paused factory costs one estimate per item per wait. An operator cancels a waiting
mint, or the admin lifts the pause or raises the limit.

This module reads the chain only; what a hold changes in the database is in `bridge.outbox.holds`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bridge.chain.contracts import Chain

#: The first wait of a hold, in seconds; each further hold of the item doubles it, up to the maximum.
FIRST_WAIT = 1.0
#: What the factory mints or creates: a paused factory holds both.
FACTORY_KINDS = ("mint", "create_vintage")


@dataclass(frozen=True)
class Hold:
    reason: str
    #: Seconds to wait; None: back off (`next_wait`).
    wait: float | None = None
    #: Kinds that all wait now, so the sender holds them without asking the chain; () for this item alone.
    every: tuple[str, ...] = ()


def held_kinds(error: tuple[str, tuple[Any, ...]] | None) -> tuple[str, ...]:
    """The kinds that all wait while the chain answers `error` (a paused factory, an overall limit with
    nothing left): the sender holds them without an estimate each."""
    if error is None:
        return ()
    name, args = error
    if name == "FactoryMintingPaused":
        return FACTORY_KINDS
    if name == "FactoryTotalMintLimitExceeded" and int(args[1]) == 0:
        return ("mint",)
    return ()


def hold_of(chain: Chain, error: tuple[str, tuple[Any, ...]] | None, vintage: str | None) -> Hold | None:
    """The hold a revert with custom error `error` means, for an item of `vintage` (its symbol, when
    it is a mint); None when the write cannot happen, however long it waits."""
    if error is None:
        return None
    name, args = error
    if name == "FactoryMintingPaused":
        return Hold("minting paused by the guardian", every=held_kinds(error))
    if name == "EnforcedPause":
        return Hold(f"vintage {vintage or 'token'} paused by the guardian")
    if name == "FactoryVintageNotYetMintable":
        mintable_at = int(args[1])
        now = int(chain.w3.eth.get_block("latest")["timestamp"])
        when = datetime.fromtimestamp(mintable_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        wait = max(mintable_at - now, 0) + 1
        return Hold(f"vintage {vintage or args[0]} is new: mintable from {when}", wait=wait)
    if name in ("FactoryTotalMintLimitExceeded", "FactoryVintageMintLimitExceeded"):
        overall = name == "FactoryTotalMintLimitExceeded"
        total, per_vintage, window, _ = chain.factory.functions.mintLimits().call()
        limit, scope = (int(total), "overall") if overall else (int(per_vintage), "per vintage")
        requested, available = int(args[-2]), int(args[-1])
        per = _duration(int(window))
        if limit == 0:
            reason = f"mint limit: minting stopped (the {scope} limit is 0 t)"
        elif available > 0 and requested > limit:
            reason = (
                f"mint limit: {requested:,} t is more than the {scope} limit of {limit:,} t per {per}, "
                "and can never fit (cancel it, or the admin raises the limit)"
            )
        else:
            reason = f"mint limit: {available:,} t available of {limit:,} t {scope} per {per}"
        return Hold(reason, every=held_kinds(error))
    return None


def next_wait(hold: Hold, previous: float | None, maximum: float) -> float:
    """Seconds the item waits: the hold's own wait, or double the previous one, from `FIRST_WAIT` up to
    `maximum`."""
    if hold.wait is not None:
        return hold.wait
    return min(max(2 * (previous or 0.0), FIRST_WAIT), maximum)


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"
