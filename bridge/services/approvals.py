"""Two-person approval, and cancellation, of tokenizations.

A request above its key's `approval_above_tonnes` holds its serials (`awaiting_approval`) but queues
no mint: another key of the same operator, with the `approve` scope, approves it (`pending`, and the
mint is queued as any other). An operator may cancel a tokenization until its mint is signed, which
frees its serials.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bridge.catalog import Registry
from bridge.db import outbox
from bridge.db.models import ApiKey, OutboxItem, SerialRange, Tokenization, utcnow
from bridge.db.transitions import move_tokenization
from bridge.services.errors import Conflict, Forbidden
from bridge.services.tokenizations import get, queue_mint
from bridge.services.vintages import ensure_token
from bridge.states import OutboxStatus, TokenizationStatus

CANCELLED = "cancelled by operator"


def approve(session: Session, key: ApiKey, tokenization_id: str) -> Tokenization:
    """Approves another key's request waiting for approval and queues its mint; the caller's key has
    the approve scope (`deps.ApproveKeyDep`)."""
    get(session, tokenization_id, operator_id=key.operator_id)  # 404 first, without a lock
    tokenization = _locked(session, tokenization_id)  # one of two concurrent approvals sees `pending`
    if tokenization.status != TokenizationStatus.AWAITING_APPROVAL:
        raise Conflict(
            f"tokenization {tokenization_id} is {tokenization.status}, not awaiting approval",
            field="tokenization_id",
            status=tokenization.status,
        )
    if tokenization.api_key_id == key.id:
        raise Forbidden(
            f"API key {key.prefix} asked for tokenization {tokenization_id}: another key must approve it",
            field="X-API-Key",
        )
    if tokenization.registry_id not in key.registry_ids:
        raise Forbidden(
            f"API key {key.prefix} may not bridge {Registry(tokenization.registry_id).name.lower()} credits",
            field="registry",
        )
    tokenization.approved_by_key = key
    tokenization.approved_at = utcnow()
    ensure_token(session, tokenization.vintage)
    queue_mint(session, tokenization)
    move_tokenization(
        session,
        tokenization,
        TokenizationStatus.PENDING,
        actor=key.operator.name,
        action="tokenization.approved",
        requested_by=tokenization.api_key.prefix if tokenization.api_key else None,
        approved_by=key.prefix,
        tonnes=tokenization.quantity,
    )
    session.commit()
    return tokenization


def cancel(session: Session, key: ApiKey, tokenization_id: str, reason: str | None) -> Tokenization:
    """Cancels a tokenization awaiting approval, or pending with its mint never signed: its serials are
    freed and its mint item fails. 409 naming the status otherwise."""
    get(session, tokenization_id, operator_id=key.operator_id)
    for _ in range(3):
        # The mint item before the tokenization, in the order the sender locks them (no deadlock).
        # Under the item's lock the sender cannot sign it: it re-checks the status under that lock.
        items = list(
            session.scalars(
                select(OutboxItem)
                .where(OutboxItem.tokenization_id == tokenization_id, OutboxItem.kind == "mint")
                .with_for_update()
            )
        )
        tokenization = _locked(session, tokenization_id)
        if tokenization.status != TokenizationStatus.PENDING or items:
            break
        session.rollback()  # approved since the items were read: lock its new mint item first
    else:
        raise Conflict(f"tokenization {tokenization_id} is changing; try again", field="tokenization_id")
    previous = tokenization.status
    if previous == TokenizationStatus.PENDING:
        signed = [item for item in items if item.status != OutboxStatus.QUEUED or item.attempts]
        if signed:
            # A mint signed once may still be mined (a re-queued one too): its serials stay held.
            raise Conflict(
                f"tokenization {tokenization_id} is pending and its mint was signed; it cannot be cancelled",
                field="tokenization_id",
                status=previous,
                mint_status=signed[0].status,
            )
    elif previous != TokenizationStatus.AWAITING_APPROVAL:
        raise Conflict(
            f"tokenization {tokenization_id} is {previous}; only one awaiting approval, or pending with its "
            "mint not yet signed, can be cancelled",
            field="tokenization_id",
            status=previous,
        )
    tokenization.failure_reason = f"{CANCELLED}: {reason}" if reason else CANCELLED
    tokenization.waiting_reason = None
    session.execute(delete(SerialRange).where(SerialRange.tokenization_id == tokenization_id))
    for item in items:
        outbox.mark(item, OutboxStatus.FAILED, last_error=CANCELLED)
        outbox.release(item)
    move_tokenization(  # writes previous_status too
        session,
        tokenization,
        TokenizationStatus.CANCELLED,
        actor=key.operator.name,
        action="tokenization.cancelled",
        api_key=key.prefix,
        reason=reason,
        serial=tokenization.serial,
        tonnes=tokenization.quantity,
    )
    session.commit()
    return tokenization


def _locked(session: Session, tokenization_id: str) -> Tokenization:
    """The tokenization's row, locked and read afresh (another transaction may just have changed it)."""
    return session.get_one(Tokenization, tokenization_id, with_for_update=True, populate_existing=True)
