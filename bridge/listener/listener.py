"""The event listener: `Retired` and `RedemptionRequested` from every vintage token, in order, and
the watch (`bridge.listener.watch`): the factory's events and role changes on every contract of the
bridge, each checked against the bridge's records, raising an alert when none explains it.

It reads from a cursor stored in the database (the next block), stays `confirmations` blocks behind
the head, and commits each batch of applied events and alerts together with the cursor's
compare-and-set advance: killed at any point, it resumes where the last commit left it, and an
event applied twice is a no-op by its chain key (an alert, by its key). Each step also compares the
bridge's account nonce with what the bridge signed (`bridge.listener.nonces`).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3
from web3._utils.events import get_event_data

from bridge.chain.contracts import Chain
from bridge.chain.errors import TRANSIENT
from bridge.chain.topics import (
    REDEMPTION_ABI,
    REDEMPTION_REQUESTED,
    RETIRED,
    RETIRED_ABI,
    WATCHED_BY_TOPIC,
    topic_of,
)
from bridge.db import cursors, outbox
from bridge.db.cursors import EVENTS_CURSOR
from bridge.db.models import Vintage
from bridge.listener.nonces import NonceWatch
from bridge.listener.watch import Watch
from bridge.services import burns
from bridge.units import to_hex

logger = logging.getLogger(__name__)


class DeepReorg(RuntimeError):
    """A block the listener already applied is no longer on the chain."""

    def __init__(self, block: int, applied_hash: str, seen_hash: str) -> None:
        super().__init__(
            f"reorg deeper than the confirmation depth: block {block} was {applied_hash}, now {seen_hash}"
        )
        self.block = block


class Listener:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        chain: Chain,
        *,
        confirmations: int,
        block_batch: int = 500,
        poll_interval: float = 1.0,
    ) -> None:
        self.sessions = sessions
        self.chain = chain
        self.confirmations = confirmations
        self.block_batch = block_batch
        self.poll_interval = poll_interval
        self.start_block = int(chain.deployment["block"])
        self.watch = Watch(chain.deployment, chain.w3.codec)
        self.nonces = NonceWatch(chain, interval=poll_interval)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                caught_up = not self.step()
            except DeepReorg as err:
                # Applied events may have vanished: stop here and let an operator look, rather
                # than follow a chain that contradicts what was already applied.
                logger.critical("listener: %s; not advancing", err)
                caught_up = True
            except TRANSIENT as err:
                logger.warning("listener: chain unavailable (%s); retrying", err)
                caught_up = True
            except Exception:
                logger.exception("listener: unexpected error; retrying")
                caught_up = True
            if caught_up:
                stop.wait(self.poll_interval)

    def catch_up(self) -> None:
        """Applies everything confirmed so far (tests and `reconcile`)."""
        while self.step():
            pass

    def step(self) -> bool:
        """Applies one batch of blocks; False when the cursor is at the confirmed head.

        The chain is read between two short transactions: on SQLite an open transaction holds the
        database's only write lock, and the API would wait for these calls. The cursor's
        compare-and-set makes the second transaction fail if anything moved it in between.
        """
        w3 = self.chain.w3
        self.nonces.check(self.sessions)
        safe_head = w3.eth.block_number - self.confirmations
        with self.sessions() as session:
            cursor = cursors.get_or_create(session, EVENTS_CURSOR, self.start_block)
            from_block, applied_hash = cursor.next_block, cursor.block_hash
            # A burn of tokens whose mint is mined but not yet settled would find no locked serials:
            # never look past the block the sender's unsettled transactions were signed at.
            floor = outbox.floor(session)
            # A vintage's events need its tokens, minted only after its address was recorded here.
            addresses = list(
                session.scalars(select(Vintage.token_address).where(Vintage.token_address.is_not(None)))
            )
            session.commit()
        if applied_hash is not None:
            seen = to_hex(w3.eth.get_block(from_block - 1)["hash"])
            if seen != applied_hash:
                raise DeepReorg(from_block - 1, applied_hash, seen)
        if floor is not None:
            safe_head = min(safe_head, floor)
        if from_block > safe_head:
            return False
        to_block = min(from_block + self.block_batch - 1, safe_head)
        to_hash = to_hex(w3.eth.get_block(to_block)["hash"])
        logs = self._logs([*addresses, *self.watch.addresses], from_block, to_block)
        with self.sessions() as session:
            ordered = sorted(logs, key=lambda entry: (entry["blockNumber"], entry["logIndex"]))
            for log in ordered:
                if not self.watch.handles(log):
                    self._apply(session, log)
            self.watch.apply(session, [log for log in ordered if self.watch.handles(log)])
            if not cursors.advance(session, EVENTS_CURSOR, from_block, to_block + 1, to_hash):
                session.rollback()
                raise RuntimeError("listener: cursor moved under us: is another listener running?")
            session.commit()
        if logs:
            logger.info("listener: blocks %s-%s: %s events", from_block, to_block, len(logs))
        return True

    def _logs(self, addresses: list[str | None], from_block: int, to_block: int) -> list[Any]:
        return list(
            self.chain.w3.eth.get_logs(
                {
                    "fromBlock": from_block,
                    "toBlock": to_block,
                    "address": [Web3.to_checksum_address(a) for a in addresses if a],
                    "topics": [[RETIRED, REDEMPTION_REQUESTED, *WATCHED_BY_TOPIC]],
                }
            )
        )

    def _apply(self, session: Session, log: Any) -> None:
        topic = topic_of(log)
        where: dict[str, Any] = {
            "vintage": Web3.to_checksum_address(log["address"]),
            "tx_hash": to_hex(log["transactionHash"]),
            "log_index": int(log["logIndex"]),
            "block_number": int(log["blockNumber"]),
            "block_hash": to_hex(log["blockHash"]),
        }
        codec = self.chain.w3.codec
        if topic == RETIRED:
            args = get_event_data(codec, RETIRED_ABI, log)["args"]
            burns.apply_retirement(
                session,
                burns.RetiredEvent(
                    **where,
                    holder=args["holder"],
                    beneficiary=args["beneficiary"],
                    certificate_id=int(args["certificateId"]),
                    amount=int(args["amount"]),
                    reason=int(args["reason"]),
                    beneficiary_name=args["beneficiaryName"],
                    reason_text=args["reasonText"],
                ),
            )
        elif topic == REDEMPTION_REQUESTED:
            args = get_event_data(codec, REDEMPTION_ABI, log)["args"]
            burns.apply_redemption(
                session,
                burns.RedemptionEvent(
                    **where,
                    holder=args["holder"],
                    amount=int(args["amount"]),
                    registry_account=args["registryAccount"],
                ),
            )
