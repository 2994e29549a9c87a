"""Replacing a transaction stuck behind a fee spike: the same nonce, re-signed with higher fees.

Every signing of an item is stored (`sent_transactions`) before it is broadcast, in the commit that
makes it the item's latest, for every item the transaction carries (a batch carries several); the
sender looks for the receipts of all of them, and whichever is mined settles the items
(`outbox.sent_with` finds them by any). Signing goes through `bridge.outbox.signing`, the one path.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3

from bridge.chain.fees import GWEI, Fees, unsigned
from bridge.db import outbox
from bridge.outbox.signing import Signer
from bridge.states import OutboxStatus

logger = logging.getLogger(__name__)


class Replacer:
    def __init__(
        self, sessions: sessionmaker[Session], w3: Web3, signer: Signer, *, name: str, receipt_timeout: float
    ) -> None:
        self.sessions = sessions
        self.w3 = w3
        self.signer = signer
        self.fees = signer.fees
        self.name = name
        self.receipt_timeout = receipt_timeout
        #: When this process first broadcast each latest transaction (time.monotonic()). A transaction
        #: signed before a crash and never broadcast is not late: its wait starts at its broadcast.
        self.broadcast_at: dict[str, float] = {}

    def broadcast(self, tx_hash: str) -> None:
        self.broadcast_at.setdefault(tx_hash, time.monotonic())

    def settled(self, tx_hash: str) -> None:
        self.broadcast_at.pop(tx_hash, None)

    def replace_stuck(self, item_ids: list[int]) -> None:
        """Re-signs, with the same nonce and higher fees, the sent transactions a fee spike holds up:
        those bidding less than the latest base fee, and the next one in line (its nonce is the
        account's next) when a re-broadcast and a `receipt_timeout` after it did not get it mined."""
        if not item_ids:
            return
        latest: dict[str, tuple[list[int], int, str]] = {}
        with self.sessions() as session:
            signings = outbox.signings(session, item_ids)
            lasts: dict[int, tuple[str, int]] = {}
            for item in outbox.load(session, item_ids):
                rows = signings[item.id]
                if item.status != OutboxStatus.SENT or item.lease_owner != self.name or not rows:
                    continue
                if rows[-1].tx_hash == item.tx_hash:
                    lasts[item.id] = (rows[-1].tx_hash, rows[-1].nonce)
            raw = outbox.raw_transactions(session, {tx_hash for tx_hash, _ in lasts.values()})
            for item_id, (tx_hash, nonce) in lasts.items():
                latest.setdefault(tx_hash, ([], nonce, raw[tx_hash]))[0].append(item_id)
            session.commit()
        if not latest:
            return
        base_fee = self.fees.base_fee()
        next_nonce = self.w3.eth.get_transaction_count(self.signer.account.address, "latest")
        for tx_hash, (ids, nonce, raw_tx) in latest.items():
            if nonce < next_nonce:
                continue  # a signing of this nonce is mined: its receipt settles the items
            old = Fees.of(unsigned(raw_tx))
            waited = time.monotonic() - self.broadcast_at.get(tx_hash, time.monotonic())
            overdue = nonce == next_nonce and waited > 2 * self.receipt_timeout
            if old.mineable(base_fee) and not overdue:
                continue
            fees = self.fees.replacement(old, base_fee)
            if fees is None:
                logger.warning(
                    "sender %s: nonce %s (items %s) is stuck at %s gwei, and a replacement would bid above "
                    "the cap of %s gwei (BRIDGE_MAX_FEE_PER_GAS_GWEI): waiting for fees to fall",
                    self.name,
                    nonce,
                    ids,
                    old.max_fee / GWEI,
                    self.fees.cap / GWEI,
                )
                continue
            self._resign(ids, tx_hash, raw_tx, fees)

    def _resign(self, item_ids: list[int], tx_hash: str, raw_tx: str, fees: Fees) -> None:
        """Stores a replacement of transaction `tx_hash` (committed) before it is broadcast, for every
        item it carries: those claimed (`item_ids`) and the rest of their batch."""
        signed = self.signer.sign(self.signer.replacement(raw_tx, fees))
        with self.sessions() as session:
            items = [item for item in outbox.sent_with(session, tx_hash) if item.tx_hash == tx_hash]
            ours = [item for item in items if item.id in item_ids and item.lease_owner == self.name]
            if not ours:
                session.rollback()  # settled or moved meanwhile
                return
            self.signer.store_replacement(session, items, signed)
            session.commit()
        self.settled(tx_hash)
        logger.warning(
            "sender %s: items %s stuck at nonce %s: replaced %s by %s (max fee %s gwei, tip %s gwei)",
            self.name,
            [item.id for item in items],
            signed.nonce,
            tx_hash,
            signed.tx_hash,
            fees.max_fee / GWEI,
            (fees.tip if fees.tip is not None else fees.max_fee) / GWEI,
        )
