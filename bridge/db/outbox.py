"""SQL for the outbox of chain writes and the signer's nonce."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.db.models import OutboxItem, SignerNonce, utcnow


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
    """Allocates the signer's next nonce: never below what the chain has seen from it."""
    row = session.get(SignerNonce, address, with_for_update=True)
    if row is None:
        row = SignerNonce(address=address, next_nonce=chain_pending)
        session.add(row)
    nonce = max(row.next_nonce, chain_pending)
    row.next_nonce = nonce + 1
    return nonce


def mark(item: OutboxItem, status: str, **fields: Any) -> None:
    item.status = status
    item.updated_at = utcnow()
    for name, value in fields.items():
        setattr(item, name, value)
