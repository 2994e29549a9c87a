"""Broadcasting signed transactions and collecting their receipts, outside any database transaction.

The stored bytes go out again until one signing of the nonce is mined (a replacement may be the one):
never a new signing here. A nonce taken by a transaction the bridge did not sign sends the items back
to be signed again, with an alert.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from hexbytes import HexBytes
from sqlalchemy.orm import Session, sessionmaker
from web3.exceptions import TransactionNotFound, Web3RPCError
from web3.types import RPCEndpoint, TxReceipt

from bridge.chain.contracts import Chain
from bridge.db import outbox
from bridge.outbox.replacements import Replacer
from bridge.services import alerts
from bridge.states import OutboxStatus
from bridge.units import to_hex

logger = logging.getLogger(__name__)


@dataclass
class InFlight:
    """One signed transaction being waited for: the items it carries, and every signing of its nonce."""

    item_id: int
    tx_hash: str  # the latest signing: the one broadcast
    raw_tx: str
    nonce: int | None
    hashes: list[str] = field(default_factory=list)  # every signing of the nonce, oldest first


class Broadcaster:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        chain: Chain,
        replacer: Replacer,
        *,
        name: str,
        receipt_timeout: float,
        failpoint: Callable[[str], None],
    ) -> None:
        self.sessions = sessions
        self.chain = chain
        self.replacer = replacer
        self.name = name
        self.receipt_timeout = receipt_timeout
        self.failpoint = failpoint

    def await_receipts(self, item_ids: list[int], fresh: set[int]) -> list[tuple[str, TxReceipt]]:
        """Broadcasts the sent items' latest bytes (all of them, then waits), unless a signing of theirs
        is mined already; the receipts that came. A transaction still pending keeps its items leased
        to this sender, which broadcasts it again next step. Items in `fresh` were signed just now."""
        stored: dict[str, InFlight] = {}
        with self.sessions() as session:
            signings = outbox.signings(session, item_ids)
            items = outbox.load(session, item_ids)
            raw = outbox.raw_transactions(session, {i.tx_hash for i in items if i.tx_hash})
            for item in items:
                if item.status != OutboxStatus.SENT or not item.tx_hash or item.tx_hash not in raw:
                    continue
                flight = stored.setdefault(
                    item.tx_hash, InFlight(item.id, item.tx_hash, raw[item.tx_hash], item.nonce)
                )
                for tx_hash in [row.tx_hash for row in signings[item.id]] + [item.tx_hash]:
                    if tx_hash not in flight.hashes:
                        flight.hashes.append(tx_hash)
            session.commit()
        mined: list[tuple[str, TxReceipt]] = []
        pending: list[InFlight] = []
        for flight in sorted(stored.values(), key=lambda f: (f.nonce is None, f.nonce)):
            found = None if flight.item_id in fresh else self.mined(flight.hashes)
            if found is not None:
                mined.append(found)
            elif self._broadcast(flight):
                self.replacer.broadcast(flight.tx_hash)
                self.failpoint("after_broadcast")
                pending.append(flight)
        return mined + self._wait_for_receipts(pending)

    def rebroadcast(self, item_id: int, raw_tx: str) -> None:
        """The same signed bytes again (a reorg took them out of the chain)."""
        try:
            self.chain.w3.eth.send_raw_transaction(HexBytes(raw_tx))
        except (Web3RPCError, ValueError) as err:
            logger.info("sender %s: re-broadcast of item %s answered %s", self.name, item_id, err)

    def _broadcast(self, flight: InFlight) -> bool:
        """Sends the latest bytes. False if the nonce was taken by a transaction the bridge did not
        sign (the items are queued to be signed again)."""
        try:
            self.chain.w3.eth.send_raw_transaction(HexBytes(flight.raw_tx))
        except (Web3RPCError, ValueError) as err:
            message = str(err).lower()
            if "nonce too low" in message and self._nonce_taken(flight, str(err)):
                return False
            # "already known", a base fee above this bid (replaced next step), and the like.
            logger.info("sender %s: broadcast of item %s answered %s", self.name, flight.item_id, err)
        return True

    def _nonce_taken(self, flight: InFlight, error: str) -> bool:
        """Whether a transaction the bridge did not sign used the nonce: then the items are queued to be
        signed again. Every signing of the nonce is looked at first, as stored now (another sender may
        have replaced the transaction since `flight` was read): whichever is mined settles them."""
        with self.sessions() as session:
            items = outbox.sent_with(session, flight.tx_hash)
            signings = outbox.signings(session, [item.id for item in items])
            stored = [row.tx_hash for rows in signings.values() for row in rows]
            flight.hashes = list(dict.fromkeys(flight.hashes + stored))
            session.commit()
        if not items or self.mined(flight.hashes) is not None:
            return False
        with self.sessions() as session:
            items = [i for i in outbox.sent_with(session, flight.tx_hash) if i.tx_hash in flight.hashes]
            for item in items:
                logger.warning("sender %s: nonce of item %s was taken; re-signing", self.name, item.id)
                outbox.mark(item, OutboxStatus.QUEUED, nonce=None, tx_hash=None, last_error=error)
            if items and flight.nonce is not None:
                alerts.foreign_nonce(
                    session,
                    self.chain.account.address if self.chain.account is not None else "",
                    flight.nonce,
                    seen_by=f"sender {self.name}",
                    items=[item.id for item in items],
                    hashes=flight.hashes,
                )
            session.commit()
        return bool(items)

    def mined(self, tx_hashes: list[str]) -> tuple[str, TxReceipt] | None:
        """The receipt of whichever signing of one nonce is mined (the newest is likeliest)."""
        for tx_hash in reversed(tx_hashes):
            receipt = self._receipt(tx_hash)
            if receipt is not None:
                return tx_hash, receipt
        return None

    def _receipt(self, tx_hash: str) -> TxReceipt | None:
        """The receipt's status, block and hash, without its logs: web3 takes 0.6 s to format the 100
        logs of a batch mint's receipt, which settling never reads (a handler that needs the logs, the
        vintage creation, asks for them)."""
        response = self.chain.w3.provider.make_request(RPCEndpoint("eth_getTransactionReceipt"), [tx_hash])
        raw = response.get("result")
        if not raw:
            if "error" in response:
                raise Web3RPCError(str(response["error"]))
            return None
        fields = {
            "status": int(raw["status"], 16),
            "blockNumber": int(raw["blockNumber"], 16),
            "blockHash": HexBytes(raw["blockHash"]),
            "transactionHash": HexBytes(raw["transactionHash"]),
        }
        return cast(TxReceipt, fields)

    def inclusion(self, tx_hash: str) -> tuple[int, str] | None:
        """(block number, block hash) of the block holding the transaction; None while it is in none."""
        try:
            tx = self.chain.w3.eth.get_transaction(HexBytes(tx_hash))
        except TransactionNotFound:
            return None
        if tx.get("blockHash") is None or tx.get("blockNumber") is None:
            return None
        return int(tx["blockNumber"]), to_hex(tx["blockHash"])

    def _wait_for_receipts(self, flights: list[InFlight]) -> list[tuple[str, TxReceipt]]:
        """The receipts of those transactions that are mined within `receipt_timeout`."""
        found: list[tuple[str, TxReceipt]] = []
        waiting = list(flights)
        deadline = time.monotonic() + self.receipt_timeout
        while waiting:
            for flight in list(waiting):
                mined = self.mined(flight.hashes)
                if mined is None:
                    break  # nonces mine in order: the later ones are not in yet either
                found.append(mined)
                waiting.remove(flight)
            if waiting:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
        return found
