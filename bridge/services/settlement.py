"""What a settled chain write changes in the database, audited; the sender calls these, the caller
commits (as the listener calls `services.burns` for what it sees on-chain).

Every state change goes through `bridge.db.transitions`. A batch mint settles its tokenizations and
their serial ranges with one query each, not one per item: a bulk import settles 100 mints a commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bridge.db import audit, outbox
from bridge.db.models import OutboxItem, Retirement, SerialRange, Tokenization, Vintage, utcnow
from bridge.db.transitions import move_range, move_retirement, move_tokenization
from bridge.states import OutboxStatus, RangeState, RetirementStatus, TokenizationStatus
from bridge.units import to_hex

ACTOR = "sender"


def record_vintage(session: Session, vintage_pk: int, address: str) -> None:
    """The vintage's token exists at `address`."""
    vintage = session.get_one(Vintage, vintage_pk)
    vintage.token_address = address
    audit.record(
        session,
        actor=ACTOR,
        action="vintage.created",
        entity="vintage",
        entity_id=vintage.id,
        token_address=address,
    )


def record_minted(session: Session, minted: Sequence[tuple[str, Any, int | None]]) -> None:
    """Tokenizations minted: (tokenization id, transaction hash, block) each; their held serials now
    back tokens. One query for the tokenizations and one for their ranges, however many."""
    if not minted:
        return
    ids = [tokenization_id for tokenization_id, _, _ in minted]
    found = {t.id: t for t in session.scalars(select(Tokenization).where(Tokenization.id.in_(ids)))}
    held: dict[str, list[SerialRange]] = {tokenization_id: [] for tokenization_id in ids}
    pending = select(SerialRange).where(
        SerialRange.tokenization_id.in_(ids), SerialRange.state == RangeState.PENDING
    )
    for serial_range in session.scalars(pending):
        held[serial_range.tokenization_id].append(serial_range)
    for tokenization_id, tx_hash, block in minted:
        tokenization = found[tokenization_id]
        if tokenization.status == TokenizationStatus.MINTED:
            continue  # settled already (another sender, or a retry): nothing moves twice
        tokenization.tx_hash = to_hex(tx_hash)
        tokenization.block_number = block
        tokenization.waiting_reason = None
        move_tokenization(
            session,
            tokenization,
            TokenizationStatus.MINTED,
            actor=ACTOR,
            action="tokenization.minted",
            tx_hash=tokenization.tx_hash,
            block=block,
        )
        for serial_range in held[tokenization_id]:
            move_range(session, serial_range, RangeState.LOCKED, actor=ACTOR, tokenization_id=tokenization_id)


def fail_mint(session: Session, item: OutboxItem, reason: str) -> None:
    """The mint will not happen: the serials are freed so the operator can try again."""
    tokenization = session.get_one(Tokenization, item.tokenization_id)
    tokenization.failure_reason = reason
    tokenization.waiting_reason = None
    session.execute(delete(SerialRange).where(SerialRange.tokenization_id == tokenization.id))
    outbox.mark(item, OutboxStatus.FAILED, last_error=reason)
    move_tokenization(
        session,
        tokenization,
        TokenizationStatus.FAILED,
        actor=ACTOR,
        action="tokenization.failed",
        reason=reason,
    )


def record_certified(session: Session, retirement_pk: int, certificate_id: int) -> None:
    """The certificate carries the registry's reference: the retirement is confirmed."""
    retirement = session.get_one(Retirement, retirement_pk)
    if retirement.status == RetirementStatus.CONFIRMED:
        return
    move_retirement(
        session,
        retirement,
        RetirementStatus.CONFIRMED,
        actor=ACTOR,
        action="certificate.updated",
        certificate_id=certificate_id,
    )


def set_block(session: Session, item: OutboxItem, block: int | None) -> None:
    """A mined mint's block changed: a reorg."""
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


def _waiting_on(session: Session, items: Sequence[OutboxItem]) -> list[Tokenization]:
    """The pending tokenizations that wait for `items`: their own (mints), or those of the mints a
    vintage creation among them holds back."""
    own = [item.tokenization_id for item in items if item.kind == "mint" and item.tokenization_id]
    creations = [item.id for item in items if item.kind == "create_vintage"]
    found: list[Tokenization] = []
    if own:
        found += session.scalars(select(Tokenization).where(Tokenization.id.in_(own)))
    if creations:
        query = (
            select(Tokenization)
            .join(OutboxItem, OutboxItem.tokenization_id == Tokenization.id)
            .where(OutboxItem.depends_on.in_(creations), Tokenization.status == TokenizationStatus.PENDING)
        )
        found += session.scalars(query)
    return found


def set_waiting(session: Session, item: OutboxItem, reason: str) -> bool:
    """Names why the tokenizations of a held item wait (audited when it changes); whether it did."""
    changed = False
    for tokenization in _waiting_on(session, [item]):
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


def clear_waiting(session: Session, items: Sequence[OutboxItem]) -> None:
    """The items are signed: nothing holds their tokenizations back any more (one query for all)."""
    if not any(item.not_before is not None or item.last_error for item in items):
        return  # never held: nothing names a reason
    for tokenization in _waiting_on(session, items):
        if tokenization.waiting_reason is not None:
            tokenization.waiting_reason = None
            tokenization.updated_at = utcnow()


def quarantine(session: Session, item: OutboxItem, reason: str, **detail: Any) -> None:
    """Sets a mint aside for good, its serials still held: its lock was consumed by another order.
    Its tokenization stays `pending` (tonnes may exist for its serials) until investigated."""
    outbox.mark(item, OutboxStatus.QUARANTINED, last_error=reason)
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
        **detail,
    )
