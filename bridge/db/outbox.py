"""SQL for the outbox of chain writes and the signer's nonce."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.orm import Session, aliased, object_session

from bridge.db.models import OutboxItem, RawTransaction, SentTransaction, SignerNonce, utcnow
from bridge.db.transitions import move_outbox
from bridge.states import OutboxStatus

logger = logging.getLogger(__name__)


# A dependent item (a mint) waits until what it depends on (its vintage's creation) is settled.
SETTLED = ("mined", "final", "failed")

#: The kinds of item whose transaction changes a supply or the factory's catalogue (see `floor`).
SUPPLY_KINDS = ("mint", "create_vintage")


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    tokenization_id: str | None = None,
    depends_on: int | None = None,
) -> OutboxItem:
    item = new_item(kind, payload, tokenization_id=tokenization_id, depends_on=depends_on)
    session.add(item)
    return item


def new_item(
    kind: str, payload: dict[str, Any], tokenization_id: str | None = None, depends_on: int | None = None
) -> OutboxItem:
    """The item `enqueue` adds, for a caller that adds it with the rows it refers to."""
    return OutboxItem(
        kind=kind,
        payload=json.dumps(payload, sort_keys=True),
        tokenization_id=tokenization_id,
        depends_on=depends_on,
    )


def _lease_ready(
    session: Session, worker: str, lease_seconds: float, limit: int, *conditions: Any
) -> list[OutboxItem]:
    """Leases up to `limit` items meeting `conditions` whose dependency is settled, oldest first.

    An item leased by another live sender is skipped (SKIP LOCKED on PostgreSQL, lease time on
    both); a sender restarted under the same name takes its own leases back at once. A held item
    (`hold`) waits until its `not_before`.
    """
    now = utcnow()
    dependency = aliased(OutboxItem)
    query = (
        select(OutboxItem)
        .outerjoin(dependency, OutboxItem.depends_on == dependency.id)
        .where(
            *conditions,
            or_(OutboxItem.depends_on.is_(None), dependency.status.in_(SETTLED)),
            or_(OutboxItem.not_before.is_(None), OutboxItem.not_before <= now),
            or_(
                OutboxItem.lease_until.is_(None),
                OutboxItem.lease_until < now,
                OutboxItem.lease_owner == worker,
            ),
        )
        .order_by(OutboxItem.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=OutboxItem)
    )
    items = list(session.scalars(query))
    for item in items:
        item.lease_owner = worker
        item.lease_until = now + timedelta(seconds=lease_seconds)
    return items


def claim(
    session: Session,
    worker: str,
    lease_seconds: float,
    limit: int = 1,
    kinds: Sequence[str] | None = None,
) -> list[OutboxItem]:
    """Leases the oldest items that need sending (`queued` and ready, or `sent` and not mined yet),
    of `kinds` only when given (a sender signing with the registrar's key takes only its kind)."""
    conditions = [OutboxItem.status.in_(("queued", "sent"))]
    if kinds is not None:
        conditions.append(OutboxItem.kind.in_(kinds))
    return _lease_ready(session, worker, lease_seconds, limit, *conditions)


def claim_more_mints(
    session: Session, worker: str, lease_seconds: float, *, after: int, limit: int
) -> list[OutboxItem]:
    """Leases up to `limit` more ready mints, never tried before, to send in one batch with item `after`.

    Only first attempts join a batch: a mint that came back from a reverted batch goes alone, so one bad
    order cannot hold the others back twice.
    """
    return _lease_ready(
        session,
        worker,
        lease_seconds,
        limit,
        OutboxItem.kind == "mint",
        OutboxItem.status == "queued",
        OutboxItem.attempts == 0,
        OutboxItem.id > after,
    )


def release(item: OutboxItem) -> None:
    item.lease_owner, item.lease_until = None, None


def hold(item: OutboxItem, reason: str, until: datetime) -> None:
    """Puts a write that must wait back in the queue, not to be claimed before `until`."""
    mark(item, "queued", not_before=until, last_error=f"held: {reason}")
    release(item)


def record_signed(
    session: Session, items: Sequence[OutboxItem], *, nonce: int, tx_hash: str, raw_tx: str, max_fee: int
) -> None:
    """Stores the signed bytes once and a signing of each item in one statement (the caller commits
    them with the items' new hash)."""
    if not items:
        return
    if session.get(RawTransaction, tx_hash) is None:  # the same bytes signed again have the same hash
        session.add(RawTransaction(tx_hash=tx_hash, raw_tx=raw_tx))
    session.execute(
        insert(SentTransaction),
        [
            {"item_id": item.id, "nonce": nonce, "tx_hash": tx_hash, "max_fee_per_gas": max_fee}
            for item in items
        ],
    )


def raw_transactions(session: Session, tx_hashes: Iterable[str]) -> dict[str, str]:
    """The signed bytes of each of these transactions, by hash (one query)."""
    wanted = set(tx_hashes)
    if not wanted:
        return {}
    query = select(RawTransaction.tx_hash, RawTransaction.raw_tx).where(RawTransaction.tx_hash.in_(wanted))
    return {row.tx_hash: row.raw_tx for row in session.execute(query)}


def load(session: Session, item_ids: Sequence[int], *, lock: bool = False) -> list[OutboxItem]:
    """The items of `item_ids` in one query, in id order (locked for the caller when `lock`), read
    afresh: another sender may have moved them since this session last saw them."""
    if not item_ids:
        return []
    query = select(OutboxItem).where(OutboxItem.id.in_(item_ids)).order_by(OutboxItem.id)
    if lock:
        query = query.with_for_update()
    return list(session.scalars(query.execution_options(populate_existing=True)))


def signings(session: Session, item_ids: Sequence[int]) -> dict[int, list[SentTransaction]]:
    """Every signed transaction of each item, oldest first (a replacement adds one per item)."""
    found: dict[int, list[SentTransaction]] = {item_id: [] for item_id in item_ids}
    if not item_ids:
        return found
    query = (
        select(SentTransaction)
        .where(SentTransaction.item_id.in_(item_ids))
        .order_by(SentTransaction.item_id, SentTransaction.id)
    )
    for row in session.scalars(query):
        found[row.item_id].append(row)
    return found


def sent_with(session: Session, tx_hash: str) -> list[OutboxItem]:
    """The `sent` items one signed transaction carries (a batch mint carries several), locked: by
    their latest hash or by any earlier signing of theirs (a replaced transaction may be the one
    mined)."""
    signed = select(SentTransaction.item_id).where(SentTransaction.tx_hash == tx_hash)
    query = (
        select(OutboxItem)
        .where(
            or_(OutboxItem.tx_hash == tx_hash, OutboxItem.id.in_(signed)),
            OutboxItem.status == "sent",
        )
        .order_by(OutboxItem.id)
        .with_for_update()
    )
    return list(session.scalars(query))


def mined_items(session: Session, limit: int = 1000) -> list[OutboxItem]:
    """Mined items not yet final, oldest first, locked for the caller."""
    query = (
        select(OutboxItem)
        .where(OutboxItem.status == "mined")
        .order_by(OutboxItem.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def unfinished(session: Session, kinds: Sequence[str] | None = None) -> int:
    query = select(func.count()).where(OutboxItem.status.in_(("queued", "sent", "mined")))
    if kinds is not None:
        query = query.where(OutboxItem.kind.in_(kinds))
    return int(session.scalar(query) or 0)


def floor(session: Session) -> int | None:
    """The last block the database can vouch for while transactions are unsettled; None when none is.

    A transaction signed at head `h` (`signed_at_block`) can only be mined after block `h`. Until its
    receipt is settled (`sent`), or while a reorg has taken it out of the chain (`mined` with no
    block), the chain may hold a mint the database does not count yet: reserves and the listener
    look no further than the lowest such `h`. Items signed before `signed_at_block` existed are
    ignored.
    """
    value = session.scalar(
        select(func.min(OutboxItem.signed_at_block)).where(
            # Only what changes supplies or the catalogue: a stuck certificate update must not hold
            # the listener and the reserves back.
            OutboxItem.kind.in_(SUPPLY_KINDS),
            OutboxItem.signed_at_block.is_not(None),
            or_(
                OutboxItem.status == "sent",
                and_(OutboxItem.status == "mined", OutboxItem.block_number.is_(None)),
            ),
        )
    )
    return None if value is None else int(value)


def payload_of(item: OutboxItem) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(item.payload)
    return loaded


def take_nonce(session: Session, address: str, chain_pending: int) -> int:
    """Allocates the signer's next nonce (its row stays locked until the caller commits).

    The caller stores the signed transaction in the same commit, so every allocated nonce has a
    signed transaction that some sender will broadcast until it is mined: no gap. The chain's count
    only moves us forward, when something else used the key.
    """
    row = session.get(SignerNonce, address, with_for_update=True)
    if row is None:
        row = SignerNonce(address=address, next_nonce=chain_pending)
        session.add(row)
    if chain_pending > row.next_nonce:
        logger.warning("outbox: %s has used nonces up to %s outside the bridge", address, chain_pending - 1)
    nonce = max(row.next_nonce, chain_pending)
    row.next_nonce = nonce + 1
    return nonce


def elapsed(earlier: datetime, later: datetime) -> float:
    """Seconds from `earlier` to `later`, both UTC (SQLite gives them back without their zone)."""
    return (later.replace(tzinfo=None) - earlier.replace(tzinfo=None)).total_seconds()


def mark(item: OutboxItem, status: str, *, actor: str = "sender", **fields: Any) -> None:
    """Moves the item (`transitions.move_outbox`, which refuses a move its states do not allow) and
    sets `fields`; `updated_at` is when it last moved (a hold's wait is measured from it)."""
    session = object_session(item)
    assert session is not None, "an outbox item is moved inside the session that loaded it"
    move_outbox(session, item, OutboxStatus(status), actor=actor, updated_at=utcnow(), **fields)
