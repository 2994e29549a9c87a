"""Holding back a write the contracts refuse for now (`bridge.chain.holds` says which refusals are
holds): it goes back to `queued`, is not claimed again before its `not_before`, and its
tokenizations say why they wait while their serials stay held."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session
from web3.exceptions import ContractLogicError

from bridge.chain.contracts import revert_error
from bridge.chain.holds import Hold, hold_of, next_wait
from bridge.db import outbox
from bridge.db.models import OutboxItem, utcnow
from bridge.outbox.handlers import Context
from bridge.outbox.registry import handler_for
from bridge.services import settlement

logger = logging.getLogger(__name__)


def hold_for(ctx: Context, session: Session, item: OutboxItem, err: ContractLogicError) -> Hold | None:
    """The hold an item's reverted call means; None when it is not one the contracts hold back."""
    handler = handler_for(item.kind)
    if not handler.holdable:
        return None
    return hold_of(ctx.chain, revert_error(err.data), handler.hold_subject(session, item))


def hold_item(session: Session, item: OutboxItem, hold: Hold, *, maximum: float, sender: str) -> None:
    """Queues the item again, not to be tried before its wait is over, and names why its tokenizations
    wait; the caller commits."""
    previous = None
    if item.not_before is not None:
        previous = outbox.elapsed(item.updated_at, item.not_before)  # the wait of its last hold
    wait = next_wait(hold, previous, maximum)
    outbox.hold(item, hold.reason, utcnow() + timedelta(seconds=wait))
    if settlement.set_waiting(session, item, hold.reason):
        logger.warning("sender %s: item %s (%s) waits: %s", sender, item.id, item.kind, hold.reason)
