"""SQL for the outbox of chain writes and the signer's nonce."""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.db.models import OutboxItem, SignerNonce, utcnow

logger = logging.getLogger(__name__)


def enqueue(
    session: Session, kind: str, payload: dict[str, Any], tokenization_id: str | None = None
) -> OutboxItem:
    item = OutboxItem(kind=kind, payload=json.dumps(payload, sort_keys=True), tokenization_id=tokenization_id)
    session.add(item)
    return item


def next_item(session: Session) -> OutboxItem | None:
    """The oldest unfinished item, locked for this sender.

    Items go out strictly in order (a mint needs the vintage created before it), so a `sent` item
    blocks the ones behind it until its receipt is in. SKIP LOCKED lets a second sender process wait
    instead of sending the same item; the sender also holds the single-runner lock.
    """
    query = (
        select(OutboxItem)
        .where(OutboxItem.status.in_(("queued", "sent")))
        .order_by(OutboxItem.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return session.scalars(query).first()


def payload_of(item: OutboxItem) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(item.payload)
    return loaded


def take_nonce(session: Session, address: str, chain_pending: int) -> int:
    """Allocates the signer's next nonce and records it (the row is locked until commit).

    Items are sent one at a time and a `sent` item is settled before the next is signed, so the
    chain's pending count is the next free nonce: using it never leaves a gap, even when a signed
    transaction was lost. The stored value only tells when the chain and our record disagree.
    """
    row = session.get(SignerNonce, address, with_for_update=True)
    if row is None:
        row = SignerNonce(address=address, next_nonce=chain_pending)
        session.add(row)
    if row.next_nonce != chain_pending:
        logger.warning(
            "outbox: %s next nonce is %s on chain, %s in our record", address, chain_pending, row.next_nonce
        )
    row.next_nonce = chain_pending + 1
    return chain_pending


def mark(item: OutboxItem, status: str, **fields: Any) -> None:
    item.status = status
    item.updated_at = utcnow()
    for name, value in fields.items():
        setattr(item, name, value)
