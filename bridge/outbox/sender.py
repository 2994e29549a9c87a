"""The outbox sender: turns queued chain writes into transactions, exactly once.

Each step it claims the items it holds the lease of and takes them one stage on: estimate (a call
that would revert is settled without using a nonce), take the next nonce, sign and store the signed
bytes and hash in the same commit, before the first broadcast (`bridge.outbox.signing`); broadcast
and wait for the receipts outside any database transaction (`bridge.outbox.broadcast`); settle the
receipts in one commit (the kind's handler, `bridge.outbox.registry`); and follow mined items until
they are final (`bridge.outbox.finality`).

Without batching it signs up to `pipeline` items with consecutive nonces in one commit. With batching
(`mint_batch` > 1) each ready first-attempt mint takes the ready mints behind it along into one
`mintBatch` transaction, and up to `batches` such transactions are signed, broadcast and settled
together, so the database and the chain see one round trip per step rather than per item or batch.

A write the contracts hold back waits (`bridge.outbox.holds`); a transaction stuck behind a fee spike
is replaced (`bridge.outbox.replacements`); a mint whose lock another order consumed halts the sender.
Several senders (processes, with different names) can share one PostgreSQL queue: leases and SKIP
LOCKED keep them on different items, and the nonce row lock orders their nonces. A sender given
`kinds` takes only those (the registrar's key signs only `confirm_retirement`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session, sessionmaker
from web3.exceptions import ContractLogicError
from web3.types import TxReceipt

from bridge.chain.contracts import Chain
from bridge.chain.errors import TRANSIENT
from bridge.chain.fees import GWEI, FeePolicy
from bridge.db import outbox
from bridge.db.models import OutboxItem
from bridge.outbox.batches import Batcher
from bridge.outbox.broadcast import Broadcaster
from bridge.outbox.finality import Finality
from bridge.outbox.handlers import Context
from bridge.outbox.holds import hold_for, hold_item
from bridge.outbox.registry import MINT, handler_for
from bridge.outbox.replacements import Replacer
from bridge.outbox.signing import Signer
from bridge.states import OutboxStatus

logger = logging.getLogger(__name__)

#: Seconds between two CRITICAL reminders that a halted sender sends nothing.
HALTED_REMINDER = 10.0


def no_failpoint(name: str) -> None:
    """The failpoint hook outside the crash tests (`bridge.testing.failpoints` inside them)."""


class Sender:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        chain: Chain,
        *,
        name: str = "sender-1",
        confirmations: int = 2,
        poll_interval: float = 0.2,
        receipt_timeout: float = 30.0,
        lease_seconds: float = 15.0,
        mint_batch: int = 1,
        pipeline: int = 16,
        batches: int = 4,
        kinds: Sequence[str] | None = None,
        block_batch: int = 500,
        max_fee_per_gas_gwei: float = 500.0,
        hold_max_seconds: float = 30.0,
        failpoint: Callable[[str], None] = no_failpoint,
    ) -> None:
        assert chain.account is not None, "the sender needs a signing account"
        self.sessions = sessions
        self.chain = chain
        self.account = chain.account
        self.name = name
        self.poll_interval = poll_interval
        self.lease_seconds = max(lease_seconds, receipt_timeout + 5)
        self.mint_batch = mint_batch
        self.pipeline = max(pipeline, 1)
        self.kinds = tuple(kinds) if kinds is not None else None
        self.hold_max_seconds = hold_max_seconds
        self.failpoint = failpoint
        self.ctx = Context(chain, name, block_batch)
        self.fees = FeePolicy(chain.w3, cap_wei=int(max_fee_per_gas_gwei * GWEI))
        self.signer = Signer(chain, self.fees)
        self.replacer = Replacer(sessions, chain.w3, self.signer, name=name, receipt_timeout=receipt_timeout)
        self.broadcaster = Broadcaster(
            sessions, chain, self.replacer, name=name, receipt_timeout=receipt_timeout, failpoint=failpoint
        )
        self.finality = Finality(
            sessions,
            chain,
            self.broadcaster,
            name=name,
            confirmations=confirmations,
            poll_interval=poll_interval,
        )
        self.batcher = Batcher(self, mint_batch=mint_batch, batches=max(batches, 1))
        self._last_reminder = float("-inf")

    @property
    def halted(self) -> str | None:
        """Why the sender stopped (a lock consumed by another order); it sends nothing until restarted."""
        return self.ctx.halted

    def run(self, stop: threading.Event) -> None:
        kinds = ", ".join(self.kinds) if self.kinds else "every kind"
        logger.info("sender %s: sending %s as %s", self.name, kinds, self.account.address)
        while not stop.is_set():
            try:
                worked = self.step()
            except TRANSIENT as err:
                logger.warning("sender %s: chain unavailable (%s); retrying", self.name, err)
                worked = False
            except Exception:
                logger.exception("sender %s: unexpected error; retrying", self.name)
                worked = False
            if not worked:
                stop.wait(self.poll_interval)

    def drain(self, timeout: float = 60.0) -> None:
        """Steps until nothing is left to send or confirm (tests and scripts)."""
        deadline = time.monotonic() + timeout
        while True:
            self.step()
            if self.halted is not None:
                raise RuntimeError(self.halted)
            with self.sessions() as session:
                if outbox.unfinished(session, self.kinds) == 0:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError("outbox not drained")
            time.sleep(0.05)

    def step(self) -> bool:
        """Advances the items it claims by one stage (and follows mined ones); False when idle."""
        if self.halted is not None:
            if time.monotonic() - self._last_reminder >= HALTED_REMINDER:
                self._last_reminder = time.monotonic()
                logger.critical(
                    "sender %s: HALTED, sending nothing: %s. Restart it once an operator has investigated.",
                    self.name,
                    self.halted,
                )
            return False
        followed = self.finality.follow()
        with self.sessions() as session:
            claimed = [
                (item.id, item.status)
                for item in outbox.claim(session, self.name, self.lease_seconds, self.pipeline, self.kinds)
            ]
            session.commit()
        if not claimed:
            return followed
        queued = [item_id for item_id, status in claimed if status == OutboxStatus.QUEUED]
        # Items signed before (a restart, or not mined yet) keep their nonces, lower than any new one.
        waiting = [item_id for item_id, status in claimed if status == OutboxStatus.SENT]
        signed = self.batcher.sign(queued)
        if self.halted is not None:
            return True
        self.replacer.replace_stuck(waiting)
        self._settle(self.broadcaster.await_receipts(waiting + signed, fresh=set(signed)))
        return True

    # -- holds and reverts ---------------------------------------------------------------------

    def not_sendable(self, session: Session, item: OutboxItem, err: ContractLogicError, reason: str) -> None:
        """An estimate reverted: the item waits when the contracts hold it back, else it is settled."""
        hold = hold_for(self.ctx, session, item, err)
        if hold is not None:
            hold_item(session, item, hold, maximum=self.hold_max_seconds, sender=self.name)
        else:
            handler_for(item.kind).reverted(self.ctx, session, item, reason)

    def _held_after_revert(self, session: Session, item: OutboxItem) -> bool:
        """Whether a write that reverted on-chain is one the contracts now hold back (paused, say, after
        it was signed): then it waits to be signed again, rather than failing."""
        handler = handler_for(item.kind)
        if not handler.holdable:
            return False
        call = handler.call(self.ctx, session, item)
        if call is None:
            return True  # settled as failed: its vintage has no token
        try:
            self.chain.w3.eth.call(call.params(self.account.address))
            return False  # it would pass now: whatever made it revert, it is not a hold
        except ContractLogicError as err:
            hold = hold_for(self.ctx, session, item, err)
        if hold is None:
            return False
        outbox.mark(item, OutboxStatus.QUEUED, nonce=None, tx_hash=None)
        hold_item(session, item, hold, maximum=self.hold_max_seconds, sender=self.name)
        return True

    # -- settling ------------------------------------------------------------------------------

    def _settle(self, receipts: list[tuple[str, TxReceipt]]) -> None:
        """Records what the mined transactions did, all in one commit."""
        if not receipts:
            return
        with self.sessions() as session:
            for tx_hash, receipt in receipts:
                self.replacer.settled(tx_hash)
                # Every item this transaction carries (several for a batch mint), by any signing of
                # theirs; none if another sender settled it meanwhile.
                items = outbox.sent_with(session, tx_hash)
                for item in items:
                    self.replacer.settled(item.tx_hash or "")
                    self._adopt(session, item, tx_hash)
                if receipt["status"] == 1:
                    by_kind: dict[str, list[OutboxItem]] = defaultdict(list)
                    for item in items:
                        by_kind[item.kind].append(item)
                    for kind, carried in by_kind.items():
                        handler_for(kind).mined(self.ctx, session, carried, receipt)
                elif len(items) > 1:
                    for item in items:
                        MINT.batch_reverted(self.ctx, session, item)
                elif items and not self._held_after_revert(session, items[0]):
                    handler_for(items[0].kind).reverted(self.ctx, session, items[0], "reverted on-chain")
                for item in items:
                    outbox.release(item)
            self.failpoint("before_settle_commit")
            session.commit()

    def _adopt(self, session: Session, item: OutboxItem, tx_hash: str) -> None:
        """Makes the mined signing the item's own (a replaced one may be the one mined): the finality
        pass follows it, and a reorg re-broadcasts its bytes (`raw_transactions`, by its hash)."""
        if item.tx_hash == tx_hash:
            return
        for row in outbox.signings(session, [item.id])[item.id]:
            if row.tx_hash == tx_hash:
                item.tx_hash = tx_hash
                return
