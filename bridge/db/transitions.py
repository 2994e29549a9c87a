"""Every state change of a record goes through here: a move its machine does not allow is refused.

One function per entity. Each checks the move against the entity's table, sets the state and, for
the records operators answer for (tokenizations, serial ranges, retirements, redemptions), writes
the audit row in the caller's transaction. Outbox items are audited only when they leave the happy
path (failed, quarantined): their every other step is on the row itself and in `sent_transactions`,
and an audit row per step would double the writes of a 10,000-block import.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from bridge.db import audit
from bridge.db.models import OutboxItem, Redemption, Retirement, SerialRange, Tokenization, utcnow
from bridge.states import OutboxStatus, RangeState, RedemptionStatus, RetirementStatus, TokenizationStatus

OUTBOX_MOVES: Mapping[OutboxStatus, frozenset[OutboxStatus]] = {
    # queued -> queued: held back (paused, a limit), or released by a batch it did not join.
    OutboxStatus.QUEUED: frozenset(
        {
            OutboxStatus.QUEUED,
            OutboxStatus.SENT,
            OutboxStatus.FAILED,
            OutboxStatus.FINAL,
            OutboxStatus.QUARANTINED,
        }
    ),
    # sent -> queued: its nonce was taken by another transaction, or its batch reverted.
    OutboxStatus.SENT: frozenset(
        {
            OutboxStatus.SENT,
            OutboxStatus.QUEUED,
            OutboxStatus.MINED,
            OutboxStatus.FAILED,
            OutboxStatus.FINAL,
            OutboxStatus.QUARANTINED,
        }
    ),
    # mined -> mined: a reorg moved it (or took it out: block cleared, re-broadcast).
    OutboxStatus.MINED: frozenset({OutboxStatus.MINED, OutboxStatus.FINAL}),
    OutboxStatus.FINAL: frozenset(),
    OutboxStatus.FAILED: frozenset(),
    OutboxStatus.QUARANTINED: frozenset(),
}
TOKENIZATION_MOVES: Mapping[TokenizationStatus, frozenset[TokenizationStatus]] = {
    TokenizationStatus.AWAITING_APPROVAL: frozenset(
        {TokenizationStatus.PENDING, TokenizationStatus.CANCELLED, TokenizationStatus.FAILED}
    ),
    TokenizationStatus.PENDING: frozenset(
        {TokenizationStatus.MINTED, TokenizationStatus.FAILED, TokenizationStatus.CANCELLED}
    ),
    TokenizationStatus.MINTED: frozenset(),
    TokenizationStatus.FAILED: frozenset(),
    TokenizationStatus.CANCELLED: frozenset(),
}
RANGE_MOVES: Mapping[RangeState, frozenset[RangeState]] = {
    RangeState.PENDING: frozenset({RangeState.LOCKED}),
    RangeState.LOCKED: frozenset({RangeState.RETIRED}),
    RangeState.RETIRED: frozenset(),
}
RETIREMENT_MOVES: Mapping[RetirementStatus, frozenset[RetirementStatus]] = {
    RetirementStatus.PENDING_REGISTRY: frozenset({RetirementStatus.CONFIRMING}),
    RetirementStatus.CONFIRMING: frozenset({RetirementStatus.CONFIRMED}),
    RetirementStatus.CONFIRMED: frozenset(),
}
REDEMPTION_MOVES: Mapping[RedemptionStatus, frozenset[RedemptionStatus]] = {
    RedemptionStatus.PENDING_TRANSFER: frozenset({RedemptionStatus.RELEASED}),
    RedemptionStatus.RELEASED: frozenset(),
}


class IllegalTransition(Exception):
    """A move the entity's state machine does not allow: a bug, or a race another writer won."""

    def __init__(self, entity: str, entity_id: object, current: str, target: str) -> None:
        super().__init__(f"{entity} {entity_id}: {current} -> {target} is not a move its states allow")
        self.entity, self.entity_id, self.current, self.target = entity, entity_id, current, target


S = TypeVar("S", bound=StrEnum)


def _check(
    moves: Mapping[S, frozenset[S]], kind: type[S], entity: str, row_id: object, current: str, target: S
) -> None:
    if kind(target) not in moves[kind(current)]:
        raise IllegalTransition(entity, row_id, current, target)


def move_outbox(session: Session, item: OutboxItem, to: OutboxStatus, *, actor: str, **fields: Any) -> None:
    """Moves an outbox item (and sets `fields` on it); audited when it fails or is quarantined."""
    _check(OUTBOX_MOVES, OutboxStatus, "outbox item", item.id, item.status, to)
    previous = item.status
    item.status = to
    for name, value in fields.items():
        setattr(item, name, value)
    if to in (OutboxStatus.FAILED, OutboxStatus.QUARANTINED):
        audit.record(
            session,
            actor=actor,
            action=f"outbox.{to}",
            entity="outbox",
            entity_id=item.id,
            kind=item.kind,
            previous=previous,
            error=item.last_error,
        )


def move_tokenization(
    session: Session,
    tokenization: Tokenization,
    to: TokenizationStatus,
    *,
    actor: str,
    action: str,
    **detail: Any,
) -> None:
    """Moves a tokenization and writes the audit row `action` with `detail`."""
    _check(TOKENIZATION_MOVES, TokenizationStatus, "tokenization", tokenization.id, tokenization.status, to)
    previous = tokenization.status
    tokenization.status = to
    tokenization.updated_at = utcnow()
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="tokenization",
        entity_id=tokenization.id,
        previous_status=previous,
        status=to.value,
        **detail,
    )


def move_range(session: Session, held: SerialRange, to: RangeState, *, actor: str, **detail: Any) -> None:
    _check(RANGE_MOVES, RangeState, "serial range", held.id, held.state, to)
    previous = held.state
    held.state = to
    audit.record(
        session,
        actor=actor,
        action=f"range.{to}",
        entity="serial_range",
        entity_id=held.id,
        previous_state=previous,
        **detail,
    )


def move_retirement(
    session: Session, retirement: Retirement, to: RetirementStatus, *, actor: str, **detail: Any
) -> None:
    _check(RETIREMENT_MOVES, RetirementStatus, "retirement", retirement.id, retirement.status, to)
    previous = retirement.status
    retirement.status = to
    audit.record(
        session,
        actor=actor,
        action=f"retirement.{to}",
        entity="retirement",
        entity_id=retirement.id,
        previous_status=previous,
        **detail,
    )


def move_redemption(
    session: Session, redemption: Redemption, to: RedemptionStatus, *, actor: str, **detail: Any
) -> None:
    _check(REDEMPTION_MOVES, RedemptionStatus, "redemption", redemption.id, redemption.status, to)
    previous = redemption.status
    redemption.status = to
    audit.record(
        session,
        actor=actor,
        action=f"redemption.{to}",
        entity="redemption",
        entity_id=redemption.id,
        previous_status=previous,
        **detail,
    )
