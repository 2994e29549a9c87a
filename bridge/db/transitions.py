"""Every state change of a record goes through here: a move its machine does not allow is refused.

One function per entity. Each checks the move against the entity's table before it changes anything
(a refused move raises `IllegalTransition` and leaves the row as it was), sets the state and, for the
records operators answer for (tokenizations, serial ranges, retirements, redemptions), writes the
audit row in the caller's transaction. Outbox items are audited only when they leave the happy path
(failed, quarantined): their every other step is on the row itself and in `sent_transactions`, and
an audit row per step would double the writes of a 10,000-block import.

Creating a record in its first state is not a move (a tokenization created `pending` or
`awaiting_approval`, its ranges `pending`, a range split off a `locked` one): those are set directly.
Deleting one is not either: ranges of a cancelled or failed tokenization are deleted, and a redeemed
range moves to `released_ranges`. The README ("State machines") draws each table with its causes.
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
    # Approved by a second key, or cancelled by the operator (it has no mint item that could fail).
    TokenizationStatus.AWAITING_APPROVAL: frozenset(
        {TokenizationStatus.PENDING, TokenizationStatus.CANCELLED}
    ),
    # Minted (its receipt, or its lock found consumed by its own order), failed (reverted), or
    # cancelled before its mint was signed. A quarantined mint leaves its tokenization pending.
    TokenizationStatus.PENDING: frozenset(
        {TokenizationStatus.MINTED, TokenizationStatus.FAILED, TokenizationStatus.CANCELLED}
    ),
    TokenizationStatus.MINTED: frozenset(),
    TokenizationStatus.FAILED: frozenset(),
    TokenizationStatus.CANCELLED: frozenset(),
}
RANGE_MOVES: Mapping[RangeState, frozenset[RangeState]] = {
    # Its tokenization minted; then a retirement burned its tonnes (a redemption deletes it instead).
    RangeState.PENDING: frozenset({RangeState.LOCKED}),
    RangeState.LOCKED: frozenset({RangeState.RETIRED}),
    RangeState.RETIRED: frozenset(),
}
RETIREMENT_MOVES: Mapping[RetirementStatus, frozenset[RetirementStatus]] = {
    # The operator retired the serials at the registry; then the certificate carries the reference.
    RetirementStatus.PENDING_REGISTRY: frozenset({RetirementStatus.CONFIRMING}),
    RetirementStatus.CONFIRMING: frozenset({RetirementStatus.CONFIRMED}),
    RetirementStatus.CONFIRMED: frozenset(),
}
REDEMPTION_MOVES: Mapping[RedemptionStatus, frozenset[RedemptionStatus]] = {
    # The operator moved the released serials to the holder's registry account.
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
    """Raises `IllegalTransition` unless `current -> target` is in `moves` (nothing is changed yet)."""
    try:
        allowed = kind(target) in moves[kind(current)]
    except ValueError:  # a value the enum does not know: the database refuses it, so do we
        allowed = False
    if not allowed:
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


def move_range(
    session: Session,
    held: SerialRange,
    to: RangeState,
    *,
    actor: str,
    action: str | None = None,
    **detail: Any,
) -> None:
    """Moves a held serial range; audited as `action` (default `range.<state>`) with `detail`."""
    _check(RANGE_MOVES, RangeState, "serial range", held.id, held.state, to)
    previous = held.state
    held.state = to
    audit.record(
        session,
        actor=actor,
        action=action or f"range.{to}",
        entity="serial_range",
        entity_id=held.id,
        previous_state=previous,
        **detail,
    )


def move_retirement(
    session: Session,
    retirement: Retirement,
    to: RetirementStatus,
    *,
    actor: str,
    action: str | None = None,
    **detail: Any,
) -> None:
    """Moves a retirement; audited as `action` (default `retirement.<status>`) with `detail`.

    The existing names stay: the operator's confirmation (-> confirming) is `retirement.confirmed`,
    the certificate's update (-> confirmed) is `certificate.updated`.
    """
    _check(RETIREMENT_MOVES, RetirementStatus, "retirement", retirement.id, retirement.status, to)
    previous = retirement.status
    retirement.status = to
    audit.record(
        session,
        actor=actor,
        action=action or f"retirement.{to}",
        entity="retirement",
        entity_id=retirement.id,
        previous_status=previous,
        **detail,
    )


def move_redemption(
    session: Session,
    redemption: Redemption,
    to: RedemptionStatus,
    *,
    actor: str,
    action: str | None = None,
    **detail: Any,
) -> None:
    """Moves a redemption; audited as `action` (default `redemption.<status>`) with `detail`."""
    _check(REDEMPTION_MOVES, RedemptionStatus, "redemption", redemption.id, redemption.status, to)
    previous = redemption.status
    redemption.status = to
    audit.record(
        session,
        actor=actor,
        action=action or f"redemption.{to}",
        entity="redemption",
        entity_id=redemption.id,
        previous_status=previous,
        **detail,
    )
