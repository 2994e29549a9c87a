"""Following mined items until they are `confirmations` deep, with their block hash checked; one a
reorg took out of the chain goes out again with the same bytes, until it is mined again.

The chain is read between two short transactions, never inside one: on SQLite an open transaction
holds the database's only write lock, and the API would wait for these calls.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy.orm import Session, sessionmaker

from bridge.chain.contracts import Chain
from bridge.db import outbox
from bridge.db.models import OutboxItem
from bridge.outbox.broadcast import Broadcaster
from bridge.services import settlement
from bridge.states import OutboxStatus
from bridge.units import to_hex

logger = logging.getLogger(__name__)


class Finality:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        chain: Chain,
        broadcaster: Broadcaster,
        *,
        name: str,
        confirmations: int,
        poll_interval: float,
    ) -> None:
        self.sessions = sessions
        self.chain = chain
        self.broadcaster = broadcaster
        self.name = name
        self.confirmations = confirmations
        self.poll_interval = poll_interval
        self._last_pass = 0.0

    def follow(self) -> bool:
        """One pass (at most one per `poll_interval`); whether anything changed."""
        if time.monotonic() - self._last_pass < self.poll_interval:
            return False
        self._last_pass = time.monotonic()
        with self.sessions() as session:
            seen = [(item.id, item.tx_hash, item.block_hash) for item in outbox.mined_items(session)]
            session.commit()
        if not seen:
            return False
        head = self.chain.w3.eth.block_number
        # A batch mint's items share one transaction: one lookup (and one block check) for all. The
        # transaction, not its receipt, tells where it is: a batch's receipt carries 100 logs to decode.
        hashes = {tx_hash for _, tx_hash, _ in seen if tx_hash}
        included = {tx_hash: self.broadcaster.inclusion(tx_hash) for tx_hash in hashes}
        # After a reorg the chain may hold another signing of the same nonce (the replacement, or the
        # transaction it replaced): the item follows that one. Only items whose transaction is not
        # in the chain need their other signings.
        gone = {item_id: tx_hash for item_id, tx_hash, _ in seen if tx_hash and included[tx_hash] is None}
        moved: dict[int, str] = {}
        if gone:
            with self.sessions() as session:
                signings = outbox.signings(session, list(gone))
                session.commit()
            for item_id, gone_hash in gone.items():
                for other_hash in [row.tx_hash for row in signings[item_id]]:
                    if other_hash != gone_hash:
                        if other_hash not in included:
                            included[other_hash] = self.broadcaster.inclusion(other_hash)
                        if included[other_hash] is not None:
                            moved[item_id] = other_hash
        deep = {block for block, _ in filter(None, included.values()) if head - block >= self.confirmations}
        canonical = {block: to_hex(self.chain.w3.eth.get_block(block)["hash"]) for block in deep}
        changed, vanished = False, []
        with self.sessions() as session:
            current = {item.id: item for item in outbox.load(session, [i for i, _, _ in seen], lock=True)}
            for item_id, tx_hash, seen_hash in seen:
                item = current[item_id]
                if (
                    item.status != OutboxStatus.MINED
                    or item.tx_hash != tx_hash
                    or item.block_hash != seen_hash
                ):
                    continue  # settled or moved by someone else meanwhile; the next pass looks again
                if item_id in moved:
                    tx_hash = item.tx_hash = moved[item_id]
                    logger.warning("sender %s: item %s is mined as %s now", self.name, item_id, tx_hash)
                    settlement.set_tx_hash(session, item, tx_hash)
                inclusion = included.get(tx_hash or "")
                if inclusion is None:
                    # Reorganised away: the same signed bytes go out again (same nonce, same hash).
                    logger.warning(
                        "sender %s: item %s vanished from the chain; re-broadcasting", self.name, item.id
                    )
                    self._set_block(session, item, None, None)
                    vanished.append((item.id, item.tx_hash or ""))
                    changed = True
                    continue
                block, block_hash = inclusion
                if block_hash != item.block_hash:
                    self._set_block(session, item, block, block_hash)
                    changed = True
                if canonical.get(block) == block_hash:
                    outbox.mark(item, OutboxStatus.FINAL)
                    changed = True
            session.commit()
        if vanished:
            with self.sessions() as session:
                raw = outbox.raw_transactions(session, {tx_hash for _, tx_hash in vanished})
                session.commit()
            for item_id, tx_hash in vanished:
                self.broadcaster.rebroadcast(item_id, raw[tx_hash])
        return changed

    def _set_block(
        self, session: Session, item: OutboxItem, block: int | None, block_hash: str | None
    ) -> None:
        item.block_number, item.block_hash = block, block_hash
        settlement.set_block(session, item, block)
