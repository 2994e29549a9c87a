"""The outbox sender: turns queued chain writes into transactions, exactly once.

For each item it holds the lease of: estimate (a call that would revert is settled without using a
nonce), take the next nonce, sign, and store the signed bytes and hash in the same commit, before the
first broadcast. Then broadcast and wait for the receipt outside any database transaction,
re-broadcasting the same bytes (same hash: never a second transaction) until it is mined; the receipt
and the database change it implies commit together (`mined`). A finality pass then follows mined items
until they are `confirmations` deep: one whose block was reorganised away is broadcast again, with the
same bytes, until it is mined again. The contract's one-mint-per-lock rule is the last line of defence:
a mint that reverts because its lock already minted is settled as minted, never sent again.

Without batching the sender pipelines: it signs the ready items it claims (up to `pipeline`) with
consecutive nonces in one commit, broadcasts them all, then settles their receipts in one commit, so
the database and the chain see one round trip per step rather than per item.

Several senders (processes, with different names) can share one PostgreSQL queue: leases and
SKIP LOCKED keep them on different items, and the nonce row lock orders their nonces.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import threading
import time
from typing import Any

from eth_account.datastructures import SignedTransaction
from hexbytes import HexBytes
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker
from web3.exceptions import ContractLogicError, TransactionNotFound, Web3Exception
from web3.types import TxReceipt

from bridge.chain.contracts import TONNE, Chain, decode_revert
from bridge.db import audit, outbox
from bridge.db.models import OutboxItem, Retirement, SerialRange, Tokenization, Vintage, utcnow

logger = logging.getLogger(__name__)

ACTOR = "sender"
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
# Errors from an RPC that is down or restarting: the item stays where it is and is retried.
TRANSIENT = (ConnectionError, OSError, TimeoutError, Web3Exception)


def _hex(value: Any) -> str:
    return "0x" + bytes(value).hex()


def _parse_failpoints(spec: str) -> dict[str, float]:
    points: dict[str, float] = {}
    for part in filter(None, spec.split(",")):
        name, _, chance = part.partition("=")
        points[name.strip()] = float(chance or 1)
    return points


# Fault injection for the crash tests: BRIDGE_FAILPOINTS="after_sign=0.05,after_broadcast=0.05" makes
# the sender SIGKILL itself with that chance at that point. Unset in production: a dict lookup.
_FAILPOINTS = _parse_failpoints(os.environ.get("BRIDGE_FAILPOINTS", ""))


def _failpoint(name: str) -> None:
    chance = _FAILPOINTS.get(name)
    if chance is not None and random.random() < chance:
        logger.warning("failpoint %s: killing this process", name)
        os.kill(os.getpid(), signal.SIGKILL)


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
    ) -> None:
        assert chain.account is not None, "the sender needs a signing account"
        self.sessions = sessions
        self.chain = chain
        self.account = chain.account
        self.name = name
        self.confirmations = confirmations
        self.poll_interval = poll_interval
        self.receipt_timeout = receipt_timeout
        self.lease_seconds = max(lease_seconds, receipt_timeout + 5)
        self.mint_batch = mint_batch
        self.pipeline = max(pipeline, 1)
        self._last_finality_pass = 0.0

    def run(self, stop: threading.Event) -> None:
        logger.info("sender %s: sending as %s", self.name, self.account.address)
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
            with self.sessions() as session:
                if outbox.unfinished(session) == 0:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError("outbox not drained")
            time.sleep(0.05)

    def step(self) -> bool:
        """Advances the items it claims by one stage (and follows mined ones); False when idle.

        Without batching it claims up to `pipeline` items, signs them all in one commit, broadcasts
        them, and settles their receipts in one commit; with batching it claims one item, which takes
        the ready mints behind it along.
        """
        followed = self._finality_pass()
        with self.sessions() as session:
            limit = 1 if self.mint_batch > 1 else self.pipeline
            claimed = [
                (item.id, item.status) for item in outbox.claim(session, self.name, self.lease_seconds, limit)
            ]
            session.commit()
        if not claimed:
            return followed
        queued = [item_id for item_id, status in claimed if status == "queued"]
        # Items signed before (a restart, or not mined yet) keep their nonces, lower than any new one.
        waiting = [item_id for item_id, status in claimed if status == "sent"]
        if self.mint_batch > 1:
            signed = [item_id for item_id in queued if self._sign(item_id)]
        else:
            signed = self._sign_all(queued)
        self._settle(self._await_receipts(waiting + signed, fresh=set(signed)))
        return True

    # -- signing -------------------------------------------------------------------------------

    def _sign(self, item_id: int) -> bool:
        """Signs and stores the transaction (committed); False if the item was settled instead.

        A mint takes along the other mints ready behind it (up to `mint_batch`) in one `mintBatch`
        transaction: every item of the batch stores the same nonce, hash and bytes.
        """
        with self.sessions() as session:
            item = session.get_one(OutboxItem, item_id, with_for_update=True)
            if item.status != "queued" or item.lease_owner != self.name:
                return False
            group, gas = [item], None
            try:
                call = self._contract_call(session, item)
                if call is None:
                    session.commit()
                    return False
                if item.kind == "mint" and self.mint_batch > 1 and item.attempts == 0:
                    group, call, gas = self._batch(session, item, call)
                # Estimate before taking a nonce: a call that would revert must not leave a gap.
                if gas is None:
                    gas = call.estimate_gas({"from": self.account.address})
            except ContractLogicError as err:
                self._settle_reverted(session, item, _revert_reason(err))
                session.commit()
                return False
            chain_pending = self.chain.w3.eth.get_transaction_count(self.account.address, "pending")
            head = self.chain.w3.eth.block_number  # the transaction can only be mined after it
            nonce = outbox.take_nonce(session, self.account.address, chain_pending)
            tx = call.build_transaction(
                {
                    "from": self.account.address,
                    "nonce": nonce,
                    "gas": gas + gas // 5,
                    "chainId": self.chain.chain_id,
                }
            )
            self._store_signed(group, tx, head)
            session.commit()
            logger.info(
                "sender %s: item %s (%s%s) signed, nonce %s",
                self.name,
                item_id,
                item.kind,
                f", batch of {len(group)}" if len(group) > 1 else "",
                nonce,
            )
            _failpoint("after_sign")
            return True

    def _sign_all(self, item_ids: list[int]) -> list[int]:
        """Signs the queued items in one commit, nonces in item order; the ids it signed.

        The chain is asked (gas estimates, fees, the pending nonce) between two short transactions,
        never inside one; the second re-checks that each item is still queued and leased to us.
        """
        if not item_ids:
            return []
        calls: dict[int, Any] = {}
        with self.sessions() as session:
            for item_id in item_ids:
                item = session.get_one(OutboxItem, item_id)
                if item.status == "queued" and item.lease_owner == self.name:
                    call = self._contract_call(session, item)  # None: settled as failed
                    if call is not None:
                        calls[item_id] = call
            session.commit()
        if not calls:
            return []
        fees = self._fees()
        built: dict[int, dict[str, Any]] = {}
        reverted: dict[int, str] = {}
        for item_id, call in calls.items():
            try:
                gas = call.estimate_gas({"from": self.account.address})
            except ContractLogicError as err:
                reverted[item_id] = _revert_reason(err)
                continue
            built[item_id] = call.build_transaction(
                {
                    "from": self.account.address,
                    "nonce": 0,  # taken below, under the nonce row's lock
                    "gas": gas + gas // 5,
                    "chainId": self.chain.chain_id,
                    **fees,
                }
            )
        chain_pending = self.chain.w3.eth.get_transaction_count(self.account.address, "pending")
        head = self.chain.w3.eth.block_number  # none of these transactions can be mined before it
        signed_ids: list[int] = []
        with self.sessions() as session:
            for item_id in calls:
                item = session.get_one(OutboxItem, item_id, with_for_update=True)
                if item.status != "queued" or item.lease_owner != self.name:
                    continue
                if item_id in reverted:
                    self._settle_reverted(session, item, reverted[item_id])
                    continue
                tx = built[item_id]
                tx["nonce"] = outbox.take_nonce(session, self.account.address, chain_pending)
                self._store_signed([item], tx, head)
                signed_ids.append(item_id)
            session.commit()
        if signed_ids:
            logger.info("sender %s: signed items %s", self.name, signed_ids)
            _failpoint("after_sign")
        return signed_ids

    def _fees(self) -> dict[str, int]:
        """EIP-1559 fees for the transactions signed now: one lookup for all of them."""
        w3 = self.chain.w3
        base = w3.eth.get_block("latest").get("baseFeePerGas")
        if base is None:  # a chain without EIP-1559
            return {"gasPrice": int(w3.eth.gas_price)}
        tip = int(w3.eth.max_priority_fee)
        return {"maxFeePerGas": 2 * int(base) + tip, "maxPriorityFeePerGas": tip}

    def _store_signed(self, group: list[OutboxItem], tx: dict[str, Any], head: int) -> None:
        """Signs `tx` and stores its bytes and hash on every item it carries (the caller commits),
        with `head`, the chain head read before signing: the earliest a signing of the item could be
        mined is the block after the lowest head it was ever signed at (`outbox.floor`)."""
        signed: SignedTransaction = self.account.sign_transaction(tx)
        for member in group:
            earlier = member.signed_at_block
            outbox.mark(
                member,
                "sent",
                nonce=tx["nonce"],
                tx_hash=_hex(signed.hash),
                raw_tx=_hex(signed.raw_transaction),
                attempts=member.attempts + 1,
                signed_at_block=head if earlier is None else min(earlier, head),
            )

    def _batch(
        self, session: Session, item: OutboxItem, single: Any
    ) -> tuple[list[OutboxItem], Any, int | None]:
        """The ready mints behind `item` joined into one `mintBatch` call, with its gas estimate; `item`
        alone (and the others released) when there are none, or when the batch would revert."""
        others = outbox.claim_more_mints(
            session, self.name, self.lease_seconds, after=item.id, limit=self.mint_batch - 1
        )
        group, orders = [item], [self._mint_order(session, item)]
        for other in others:
            order = self._mint_order(session, other)
            if order is None:
                outbox.release(other)  # its vintage failed: the single path settles it
                continue
            group.append(other)
            orders.append(order)
        if len(group) == 1:
            return group, single, None
        call = self.chain.factory.functions.mintBatch(orders)
        try:
            return group, call, call.estimate_gas({"from": self.account.address})
        except ContractLogicError as err:
            logger.warning(
                "sender %s: batch of %s would revert (%s); minting singly", self.name, len(group), err
            )
            for other in group[1:]:
                outbox.release(other)
            return [item], single, None

    def _mint_order(self, session: Session, item: OutboxItem) -> tuple[Any, ...] | None:
        """The factory's `MintOrder` for a mint item; None while its vintage has no token."""
        payload = outbox.payload_of(item)
        vintage = session.get_one(Vintage, payload["vintage_pk"])
        if vintage.token_address is None:
            return None
        return (
            vintage.token_address,
            payload["to"],
            payload["tonnes"] * TONNE,
            HexBytes(payload["lock_id"]),
            HexBytes(payload["serial_hash"]),
        )

    def _contract_call(self, session: Session, item: OutboxItem) -> Any:
        payload = outbox.payload_of(item)
        if item.kind == "create_vintage":
            a = payload["attributes"]
            attributes = (
                a["registry"],
                a["category"],
                a["sectoralScope"],
                a["labels"],
                a["vintageStart"],
                a["vintageEnd"],
                bytes.fromhex(a["country"]),
                bytes.fromhex(a["projectId"]),
                bytes.fromhex(a["methodology"]),
            )
            return self.chain.factory.functions.createVintage(attributes)
        if item.kind == "mint":
            order = self._mint_order(session, item)
            if order is None:
                self._fail_mint(session, item, "the vintage token could not be created")
                return None
            return self.chain.factory.functions.mint(*order)
        if item.kind == "confirm_retirement":
            return self.chain.certificate.functions.confirmRegistryRetirement(
                payload["certificate_id"], payload["reference"]
            )
        raise ValueError(f"unknown outbox kind {item.kind}")

    # -- receipts ------------------------------------------------------------------------------

    def _await_receipts(self, item_ids: list[int], fresh: set[int]) -> list[tuple[str, TxReceipt]]:
        """Broadcasts the sent items' stored bytes (all of them, then waits), unless mined already;
        the receipts that came. A transaction still pending keeps its items leased to this sender,
        which broadcasts it again next step. Items in `fresh` were signed just now: none is mined."""
        with self.sessions() as session:
            stored: dict[str, tuple[int, str]] = {}
            for item_id in item_ids:
                item = session.get_one(OutboxItem, item_id)
                if item.status == "sent" and item.tx_hash and item.raw_tx:
                    stored.setdefault(item.tx_hash, (item_id, item.raw_tx))
        mined: list[tuple[str, TxReceipt]] = []
        pending: list[str] = []
        for tx_hash, (item_id, raw_tx) in stored.items():
            receipt = None if item_id in fresh else self._receipt(tx_hash)
            if receipt is not None:
                mined.append((tx_hash, receipt))
            elif self._broadcast(item_id, raw_tx, tx_hash):
                _failpoint("after_broadcast")
                pending.append(tx_hash)
        return mined + self._wait_for_receipts(pending)

    def _settle(self, receipts: list[tuple[str, TxReceipt]]) -> None:
        """Records what the mined transactions did, all in one commit."""
        if not receipts:
            return
        with self.sessions() as session:
            for tx_hash, receipt in receipts:
                # Every item this transaction carries (several for a batch mint); none if another
                # sender settled it meanwhile.
                items = outbox.sent_with(session, tx_hash)
                for item in items:
                    if receipt["status"] == 1:
                        self._settle_success(session, item, receipt)
                    elif len(items) > 1:
                        self._settle_reverted_batch(session, item)
                    else:
                        self._settle_reverted(session, item, "reverted on-chain", receipt)
                    outbox.release(item)
            _failpoint("before_settle_commit")
            session.commit()

    def _broadcast(self, item_id: int, raw_tx: str, tx_hash: str) -> bool:
        """Sends the stored bytes. False if the nonce was taken by another transaction (re-queued)."""
        try:
            self.chain.w3.eth.send_raw_transaction(HexBytes(raw_tx))
        except ValueError as err:
            message = str(err).lower()
            if "nonce too low" in message and self._receipt(tx_hash) is None:
                # Something else used this nonce: these bytes can never be mined, so sign again.
                with self.sessions() as session:
                    item = session.get_one(OutboxItem, item_id, with_for_update=True)
                    if item.status == "sent":
                        logger.warning(
                            "sender %s: nonce of item %s was taken; re-signing", self.name, item_id
                        )
                        outbox.mark(
                            item, "queued", nonce=None, tx_hash=None, raw_tx=None, last_error=str(err)
                        )
                    session.commit()
                return False
            # "already known" and the like: the node has these very bytes.
            logger.info("sender %s: broadcast of item %s answered %s", self.name, item_id, err)
        return True

    def _receipt(self, tx_hash: str) -> TxReceipt | None:
        try:
            return self.chain.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
        except TransactionNotFound:
            return None

    def _inclusion(self, tx_hash: str) -> tuple[int, str] | None:
        """(block number, block hash) of the block holding the transaction; None while it is in none."""
        try:
            tx = self.chain.w3.eth.get_transaction(HexBytes(tx_hash))
        except TransactionNotFound:
            return None
        if tx.get("blockHash") is None or tx.get("blockNumber") is None:
            return None
        return int(tx["blockNumber"]), _hex(tx["blockHash"])

    def _wait_for_receipts(self, tx_hashes: list[str]) -> list[tuple[str, TxReceipt]]:
        """The receipts of those transactions that are mined within `receipt_timeout`."""
        found: list[tuple[str, TxReceipt]] = []
        waiting = list(tx_hashes)
        deadline = time.monotonic() + self.receipt_timeout
        while waiting:
            for tx_hash in list(waiting):
                receipt = self._receipt(tx_hash)
                if receipt is None:
                    break  # nonces mine in order: the later ones are not in yet either
                found.append((tx_hash, receipt))
                waiting.remove(tx_hash)
            if waiting:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
        return found

    def _settle_success(self, session: Session, item: OutboxItem, receipt: TxReceipt) -> None:
        payload = outbox.payload_of(item)
        block, block_hash = int(receipt["blockNumber"]), _hex(receipt["blockHash"])
        if item.kind == "create_vintage":
            events = self.chain.factory.events.VintageCreated().process_receipt(receipt)
            self._record_vintage(session, payload, events[0]["args"]["vintage"])
        elif item.kind == "mint":
            self._record_minted(session, item, receipt["transactionHash"], block)
        elif item.kind == "confirm_retirement":
            self._record_certified(session, payload)
        outbox.mark(item, "mined", block_number=block, block_hash=block_hash)

    def _settle_reverted(
        self, session: Session, item: OutboxItem, reason: str, receipt: TxReceipt | None = None
    ) -> None:
        """A write that cannot or did not succeed: done already (say so), or failed for good."""
        payload = outbox.payload_of(item)
        if item.kind == "create_vintage":
            existing = self.chain.factory.functions.vintageOf(HexBytes(payload["key"])).call()
            if existing != ZERO_ADDRESS:
                self._record_vintage(session, payload, existing)
                outbox.mark(item, "final", last_error=f"already created ({reason})")
                return
        elif item.kind == "mint":
            if self._lock_already_minted(session, item, payload):
                outbox.mark(item, "final", last_error=f"lock had minted before ({reason})")
                return
            self._fail_mint(session, item, reason)
            return
        elif item.kind == "confirm_retirement":
            certificate = self.chain.certificate.functions.retirement(payload["certificate_id"]).call()
            if certificate[6]:  # registryReference already written
                self._record_certified(session, payload)
                outbox.mark(item, "final", last_error=f"already confirmed ({reason})")
                return
        outbox.mark(item, "failed", last_error=reason)
        logger.error("sender %s: item %s (%s) failed: %s", self.name, item.id, item.kind, reason)

    def _settle_reverted_batch(self, session: Session, item: OutboxItem) -> None:
        """A batch reverted on-chain (another sender minted one of its locks first, say): what did
        mint is recorded, the rest is queued again to go alone."""
        if self._lock_already_minted(session, item, outbox.payload_of(item)):
            outbox.mark(item, "final", last_error="lock had minted before (batch reverted)")
            return
        outbox.mark(item, "queued", nonce=None, tx_hash=None, raw_tx=None, last_error="batch reverted")

    def _lock_already_minted(self, session: Session, item: OutboxItem, payload: dict[str, Any]) -> bool:
        lock_id = HexBytes(payload["lock_id"])
        if self.chain.factory.functions.lockMinted(lock_id).call() == ZERO_ADDRESS:
            return False
        logs = self.chain.factory.events.Tokenized().get_logs(
            from_block=int(self.chain.deployment["block"]), argument_filters={"lockId": lock_id}
        )
        if not logs:
            # A node behind the one that answered lockMinted: without the mint's block, burns and
            # reserves could never count these tonnes, so settle later rather than without it.
            raise TimeoutError(f"lock {payload['lock_id']} minted, but its Tokenized log is not visible yet")
        self._record_minted(session, item, logs[0]["transactionHash"], int(logs[0]["blockNumber"]))
        return True

    # -- finality ------------------------------------------------------------------------------

    def _finality_pass(self) -> bool:
        """Follows mined items until they are final; re-broadcasts those a reorg removed.

        The chain is read between two short transactions, never inside one: on SQLite an open
        transaction holds the database's only write lock, and the API would wait for these calls.
        """
        if time.monotonic() - self._last_finality_pass < self.poll_interval:
            return False
        self._last_finality_pass = time.monotonic()
        with self.sessions() as session:
            seen = [(item.id, item.tx_hash, item.block_hash) for item in outbox.mined_items(session)]
        if not seen:
            return False
        head = self.chain.w3.eth.block_number
        # A batch mint's items share one transaction: one lookup (and one block check) for all. The
        # transaction, not its receipt, tells where it is: a batch's receipt carries 100 logs to decode.
        included = {tx_hash: self._inclusion(tx_hash) for _, tx_hash, _ in seen if tx_hash}
        deep = {block for block, _ in filter(None, included.values()) if head - block >= self.confirmations}
        canonical = {block: _hex(self.chain.w3.eth.get_block(block)["hash"]) for block in deep}
        changed, vanished = False, []
        with self.sessions() as session:
            for item_id, tx_hash, seen_hash in seen:
                item = session.get_one(OutboxItem, item_id, with_for_update=True)
                if item.status != "mined" or item.tx_hash != tx_hash or item.block_hash != seen_hash:
                    continue  # settled or moved by someone else meanwhile; the next pass looks again
                inclusion = included.get(tx_hash or "")
                if inclusion is None:
                    # Reorganised away: the same signed bytes go out again (same nonce, same hash).
                    logger.warning(
                        "sender %s: item %s vanished from the chain; re-broadcasting", self.name, item.id
                    )
                    self._set_block(session, item, None, None)
                    vanished.append((item.id, item.raw_tx))
                    changed = True
                    continue
                block, block_hash = inclusion
                if block_hash != item.block_hash:
                    self._set_block(session, item, block, block_hash)
                    changed = True
                if canonical.get(block) == block_hash:
                    outbox.mark(item, "final")
                    changed = True
            session.commit()
        for item_id, raw_tx in vanished:
            assert raw_tx
            try:
                self.chain.w3.eth.send_raw_transaction(HexBytes(raw_tx))
            except ValueError as err:
                logger.info("sender %s: re-broadcast of item %s answered %s", self.name, item_id, err)
        return changed

    def _set_block(
        self, session: Session, item: OutboxItem, block: int | None, block_hash: str | None
    ) -> None:
        item.block_number, item.block_hash = block, block_hash
        if item.kind == "mint" and item.tokenization_id:
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

    # -- database effects ----------------------------------------------------------------------

    def _record_vintage(self, session: Session, payload: dict[str, Any], address: str) -> None:
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

    def _record_minted(self, session: Session, item: OutboxItem, tx_hash: Any, block: int | None) -> None:
        tokenization = session.get_one(Tokenization, item.tokenization_id)
        tokenization.status = "minted"
        tokenization.tx_hash = _hex(tx_hash) if tx_hash is not None else item.tx_hash
        tokenization.block_number = block
        tokenization.updated_at = utcnow()
        for held in session.scalars(
            select(SerialRange).where(SerialRange.tokenization_id == tokenization.id)
        ):
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

    def _fail_mint(self, session: Session, item: OutboxItem, reason: str) -> None:
        """The mint will not happen: the serials are freed so the operator can try again."""
        tokenization = session.get_one(Tokenization, item.tokenization_id)
        tokenization.status = "failed"
        tokenization.failure_reason = reason
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

    def _record_certified(self, session: Session, payload: dict[str, Any]) -> None:
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


def _revert_reason(err: ContractLogicError) -> str:
    return decode_revert(err.data) or str(err.message or err)
