"""What the sender's outcomes change in the database, audited; the caller commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bridge.db import audit, outbox
from bridge.db.models import OutboxItem, Retirement, SerialRange, Tokenization, Vintage, utcnow

ACTOR = "sender"
#: An outbox status the sender never takes up again: a mint whose lock another order consumed. Its
#: tokenization stays `pending` with its serials held (tonnes may exist for them) until investigated.
QUARANTINED = "quarantined"


def _hex(value: Any) -> str:
    return value if isinstance(value, str) else "0x" + bytes(value).hex()


def record_vintage(session: Session, payload: dict[str, Any], address: str) -> None:
    vintage = session.get_one(Vintage, payload["vintage_pk"])
    vintage.token_address = address
    audit.record(
        session,
        actor=ACTOR,
        action="vintage.created",
        entity="vintage",
        entity_id=vintage.id,
        token_address=address,
    )


def record_minted(session: Session, item: OutboxItem, tx_hash: Any, block: int | None) -> None:
    tokenization = session.get_one(Tokenization, item.tokenization_id)
    tokenization.status = "minted"
    tokenization.tx_hash = _hex(tx_hash) if tx_hash is not None else item.tx_hash
    tokenization.block_number = block
    tokenization.waiting_reason = None
    tokenization.updated_at = utcnow()
    for held in session.scalars(select(SerialRange).where(SerialRange.tokenization_id == tokenization.id)):
        if held.state == "pending":
            held.state = "locked"
    audit.record(
        session,
        actor=ACTOR,
        action="tokenization.minted",
        entity="tokenization",
        entity_id=tokenization.id,
        tx_hash=tokenization.tx_hash,
        block=block,
    )


def fail_mint(session: Session, item: OutboxItem, reason: str) -> None:
    """The mint will not happen: the serials are freed so the operator can try again."""
    tokenization = session.get_one(Tokenization, item.tokenization_id)
    tokenization.status = "failed"
    tokenization.failure_reason = reason
    tokenization.waiting_reason = None
    tokenization.updated_at = utcnow()
    session.execute(delete(SerialRange).where(SerialRange.tokenization_id == tokenization.id))
    outbox.mark(item, "failed", last_error=reason)
    audit.record(
        session,
        actor=ACTOR,
        action="tokenization.failed",
        entity="tokenization",
        entity_id=tokenization.id,
        reason=reason,
    )


def record_certified(session: Session, payload: dict[str, Any]) -> None:
    retirement = session.get_one(Retirement, payload["retirement_pk"])
    retirement.status = "confirmed"
    audit.record(
        session,
        actor=ACTOR,
        action="certificate.updated",
        entity="retirement",
        entity_id=retirement.id,
        certificate_id=payload["certificate_id"],
    )


def set_block(session: Session, item: OutboxItem, block: int | None) -> None:
    """A mined item's block changed: a reorg."""
    if item.kind != "mint" or not item.tokenization_id:
        return
    tokenization = session.get_one(Tokenization, item.tokenization_id)
    tokenization.block_number = block
    audit.record(
        session,
        actor=ACTOR,
        action="tokenization.reorged",
        entity="tokenization",
        entity_id=tokenization.id,
        block=block,
    )


def set_tx_hash(session: Session, item: OutboxItem, tx_hash: str) -> None:
    """After a reorg the chain holds another signing of the mined item's nonce (a replacement, or the
    transaction it replaced): the tokenization names that one."""
    if item.kind != "mint" or not item.tokenization_id:
        return
    tokenization = session.get_one(Tokenization, item.tokenization_id)
    tokenization.tx_hash = tx_hash
    audit.record(
        session,
        actor=ACTOR,
        action="tokenization.remined",
        entity="tokenization",
        entity_id=tokenization.id,
        tx_hash=tx_hash,
    )


def _waiting_on(session: Session, item: OutboxItem) -> list[Tokenization]:
    """The pending tokenizations that wait for `item`: its own, or those of the mints its vintage
    creation holds back."""
    if item.kind == "mint" and item.tokenization_id:
        return [session.get_one(Tokenization, item.tokenization_id)]
    if item.kind == "create_vintage":
        query = (
            select(Tokenization)
            .join(OutboxItem, OutboxItem.tokenization_id == Tokenization.id)
            .where(OutboxItem.depends_on == item.id, Tokenization.status == "pending")
        )
        return list(session.scalars(query))
    return []


def set_waiting(session: Session, item: OutboxItem, reason: str) -> bool:
    """Names why the tokenizations of a held item wait (audited when it changes); whether it did."""
    changed = False
    for tokenization in _waiting_on(session, item):
        if tokenization.waiting_reason != reason:
            tokenization.waiting_reason = reason
            tokenization.updated_at = utcnow()
            audit.record(
                session,
                actor=ACTOR,
                action="tokenization.waiting",
                entity="tokenization",
                entity_id=tokenization.id,
                reason=reason,
            )
            changed = True
    return changed


def clear_waiting(session: Session, item: OutboxItem) -> None:
    """The item is signed: nothing holds its tokenizations back any more."""
    for tokenization in _waiting_on(session, item):
        if tokenization.waiting_reason is not None:
            tokenization.waiting_reason = None
            tokenization.updated_at = utcnow()


def quarantine(session: Session, item: OutboxItem, reason: str) -> None:
    """Sets a mint aside for good, its serials still held: its lock was consumed by another order."""
    outbox.mark(item, QUARANTINED, last_error=reason)
    outbox.release(item)
    tokenization = session.get_one(Tokenization, item.tokenization_id)
    tokenization.waiting_reason = f"quarantined: {reason}; an operator investigates (see the alerts)"
    tokenization.updated_at = utcnow()
    audit.record(
        session,
        actor=ACTOR,
        action="tokenization.quarantined",
        entity="tokenization",
        entity_id=tokenization.id,
        reason=reason,
        lock_id=tokenization.lock_id,
    )
