"""The outbox sender: turns queued chain writes into transactions, exactly once.

For each item it holds the lease of: estimate (a call that would revert is settled without using a
nonce), take the next nonce, sign, and store the signed bytes and hash in the same commit, before the
first broadcast, with a row per signing (`sent_transactions`). Then broadcast and wait for the receipt
outside any database transaction, re-broadcasting the same bytes until it is mined; the receipt and the
database change it implies commit together (`mined`). A finality pass then follows mined items until
they are `confirmations` deep: one whose block was reorganised away is broadcast again, with the same
bytes, until it is mined again.

A hostile chain, or a stolen key:
- A write the contracts hold back (minting paused, a mint limit, a new vintage's delay) waits instead of
  failing (`bridge.chain.holds`): back in the queue until its `not_before`, serials still held.
- A transaction stuck behind a fee spike is replaced: the same nonce re-signed with higher fees
  (`bridge.chain.fees`); every signing is kept, and whichever is mined settles the item.
- A mint whose lock was consumed already is settled as minted when the lock's recorded order is the
  bridge's own; another order under it means a stolen minter key: the item is quarantined, an alert
  raised, and the sender halts until an operator restarts it after an investigation.

Without batching the sender pipelines: it signs the ready items it claims (up to `pipeline`) with
consecutive nonces in one commit, broadcasts them all, then settles their receipts in one commit, so
the database and the chain see one round trip per step rather than per item.

Several senders (processes, with different names) can share one PostgreSQL queue: leases and
SKIP LOCKED keep them on different items, and the nonce row lock orders their nonces. A sender given
`kinds` takes only those (the registrar's key signs only `confirm_retirement`).
"""

from __future__ import annotations

import logging
import os
import random
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_account.datastructures import SignedTransaction
from hexbytes import HexBytes
from sqlalchemy.orm import Session, sessionmaker
from web3.exceptions import ContractLogicError, TransactionNotFound, Web3Exception, Web3RPCError
from web3.types import TxReceipt

from bridge.chain import effects
from bridge.chain.contracts import TONNE, Chain, decode_revert, revert_error
from bridge.chain.fees import GWEI, FeePolicy, Fees
from bridge.chain.holds import FACTORY_KINDS, Hold, held_kinds, hold_for, hold_item
from bridge.chain.orders import settle_consumed_lock
from bridge.chain.replacements import Replacer
from bridge.db import outbox
from bridge.db.models import OutboxItem, Vintage
from bridge.services import alerts

logger = logging.getLogger(__name__)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
# Errors from an RPC that is down or restarting: the item stays where it is and is retried.
TRANSIENT = (ConnectionError, OSError, TimeoutError, Web3Exception)
#: Seconds between two CRITICAL reminders that a halted sender sends nothing.
HALTED_REMINDER = 10.0


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


@dataclass
class _InFlight:
    """One signed transaction being waited for: the items it carries, and every signing of its nonce."""

    item_id: int
    tx_hash: str  # the latest signing: the one broadcast
    raw_tx: str
    nonce: int | None
    hashes: list[str] = field(default_factory=list)  # every signing of the nonce, oldest first


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
        kinds: Sequence[str] | None = None,
        block_batch: int = 500,
        max_fee_per_gas_gwei: float = 500.0,
        hold_max_seconds: float = 30.0,
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
        self.kinds = tuple(kinds) if kinds is not None else None
        self.block_batch = block_batch
        self.hold_max_seconds = hold_max_seconds
        self.fees = FeePolicy(chain.w3, cap_wei=int(max_fee_per_gas_gwei * GWEI))
        self.replacer = Replacer(
            sessions, chain.w3, chain.account, self.fees, name=name, receipt_timeout=receipt_timeout
        )
        #: Why the sender stopped (a lock consumed by another order); it sends nothing until restarted.
        self.halted: str | None = None
        self._last_finality_pass = 0.0
        self._last_reminder = float("-inf")

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
        """Advances the items it claims by one stage (and follows mined ones); False when idle.

        Without batching it claims up to `pipeline` items, signs them all in one commit, broadcasts
        them, and settles their receipts in one commit; with batching it claims one item, which takes
        the ready mints behind it along.
        """
        if self.halted is not None:
            if time.monotonic() - self._last_reminder >= HALTED_REMINDER:
                self._last_reminder = time.monotonic()
                logger.critical(
                    "sender %s: HALTED, sending nothing: %s. Restart it once an operator has investigated.",
                    self.name,
                    self.halted,
                )
            return False
        followed = self._finality_pass()
        with self.sessions() as session:
            limit = 1 if self.mint_batch > 1 else self.pipeline
            claimed = [
                (item.id, item.status)
                for item in outbox.claim(session, self.name, self.lease_seconds, limit, self.kinds)
            ]
            session.commit()
        if not claimed:
            return followed
        queued = [item_id for item_id, status in claimed if status == "queued"]
        # Items signed before (a restart, or not mined yet) keep their nonces, lower than any new one.
        waiting = [item_id for item_id, status in claimed if status == "sent"]
        if self.mint_batch > 1:
            signed = [item_id for item_id in queued if self.halted is None and self._sign(item_id)]
        else:
            signed = self._sign_all(queued)
        if self.halted is not None:
            return True
        self.replacer.replace_stuck(waiting)
        self._settle(self._await_receipts(waiting + signed, fresh=set(signed)))
        return True

    # -- signing -------------------------------------------------------------------------------

    def _sign(self, item_id: int) -> bool:
        """Signs and stores the transaction (committed); False if the item was settled or held instead.

        A mint takes along the other mints ready behind it (up to `mint_batch`) in one `mintBatch`
        transaction: every item of the batch stores the same nonce, hash and bytes.
        """
        with self.sessions() as session:
            item = session.get_one(OutboxItem, item_id, with_for_update=True)
            if item.status != "queued" or item.lease_owner != self.name:
                return False
            prepared = self._prepare(session, item)
            if prepared is None:
                session.commit()
                return False
            group, call, gas = prepared
            fees = self.fees.for_new()
            chain_pending = self.chain.w3.eth.get_transaction_count(self.account.address, "pending")
            head = self.chain.w3.eth.block_number  # the transaction can only be mined after it
            nonce = outbox.take_nonce(session, self.account.address, chain_pending)
            tx = call.build_transaction(
                {
                    "from": self.account.address,
                    "nonce": nonce,
                    "gas": gas + gas // 5,
                    "chainId": self.chain.chain_id,
                    **fees.fields(),
                }
            )
            self._store_signed(session, group, tx, head)
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

    def _prepare(self, session: Session, item: OutboxItem) -> tuple[list[OutboxItem], Any, int] | None:
        """The items one transaction carries (`item`, and the ready mints behind it when batching), its
        call and gas estimate; None when `item` was settled or held instead. The estimate comes before
        the nonce: a call that would revert must not leave a gap."""
        single = self._contract_call(session, item)
        if single is None:
            return None
        if item.kind == "mint" and self.mint_batch > 1 and item.attempts == 0:
            group, call = self._batch(session, item, single)
            if len(group) > 1:
                try:
                    return group, call, call.estimate_gas({"from": self.account.address})
                except ContractLogicError as err:
                    hold = hold_for(session, self.chain, item, err)
                    if hold is not None and item.kind in hold.every:
                        # Nothing can mint now: the whole batch waits, without an estimate each.
                        for member in group:
                            self._hold(session, member, hold)
                        return None
                    logger.warning(
                        "sender %s: batch of %s would revert (%s); minting singly",
                        self.name,
                        len(group),
                        _revert_reason(err),
                    )
                    for other in group[1:]:
                        outbox.release(other)
        try:
            return [item], single, single.estimate_gas({"from": self.account.address})
        except ContractLogicError as err:
            self._not_sendable(session, item, err)
            return None

    def _sign_all(self, item_ids: list[int]) -> list[int]:
        """Signs the queued items in one commit, nonces in item order; the ids it signed.

        The chain is asked (gas estimates, fees, the pending nonce) between two short transactions,
        never inside one; the second re-checks that each item is still queued and leased to us.
        """
        if not item_ids:
            return []
        calls: dict[int, tuple[str, Any]] = {}
        with self.sessions() as session:
            for item_id in item_ids:
                item = session.get_one(OutboxItem, item_id)
                if item.status == "queued" and item.lease_owner == self.name:
                    call = self._contract_call(session, item)  # None: settled as failed
                    if call is not None:
                        calls[item_id] = (item.kind, call)
            session.commit()
        if not calls:
            return []
        fees = self.fees.for_new()
        built: dict[int, dict[str, Any]] = {}
        reverted: dict[int, ContractLogicError] = {}
        shared: tuple[tuple[str, ...], ContractLogicError] | None = None
        for item_id, (kind, call) in calls.items():
            if shared is not None and kind in shared[0]:
                reverted[item_id] = shared[1]  # held like the one before: no estimate of its own
                continue
            try:
                gas = call.estimate_gas({"from": self.account.address})
            except ContractLogicError as err:
                reverted[item_id] = err
                kinds = held_kinds(revert_error(err.data))
                shared = (kinds, err) if kinds else shared
                continue
            built[item_id] = call.build_transaction(
                {
                    "from": self.account.address,
                    "nonce": 0,  # taken below, under the nonce row's lock
                    "gas": gas + gas // 5,
                    "chainId": self.chain.chain_id,
                    **fees.fields(),
                }
            )
        chain_pending = self.chain.w3.eth.get_transaction_count(self.account.address, "pending")
        head = self.chain.w3.eth.block_number  # none of these transactions can be mined before it
        signed_ids: list[int] = []
        with self.sessions() as session:
            for item_id in calls:
                if self.halted is not None:
                    break  # the rest stay queued; their leases run out
                item = session.get_one(OutboxItem, item_id, with_for_update=True)
                if item.status != "queued" or item.lease_owner != self.name:
                    continue
                if item_id in reverted:
                    self._not_sendable(session, item, reverted[item_id])
                    continue
                tx = built[item_id]
                tx["nonce"] = outbox.take_nonce(session, self.account.address, chain_pending)
                self._store_signed(session, [item], tx, head)
                signed_ids.append(item_id)
            session.commit()
        if signed_ids:
            logger.info("sender %s: signed items %s", self.name, signed_ids)
            _failpoint("after_sign")
        return signed_ids

    def _store_signed(self, session: Session, group: list[OutboxItem], tx: dict[str, Any], head: int) -> None:
        """Signs `tx` and stores its bytes and hash on every item it carries, and as one of their
        signings (the caller commits), with `head`, the chain head read before signing: the earliest a
        signing of the item could be mined is the block after the lowest head it was ever signed at
        (`outbox.floor`)."""
        signed: SignedTransaction = self.account.sign_transaction(tx)
        tx_hash, raw_tx = _hex(signed.hash), _hex(signed.raw_transaction)
        for member in group:
            earlier = member.signed_at_block
            outbox.mark(
                member,
                "sent",
                nonce=tx["nonce"],
                tx_hash=tx_hash,
                raw_tx=raw_tx,
                attempts=member.attempts + 1,
                signed_at_block=head if earlier is None else min(earlier, head),
                not_before=None,
            )
            effects.clear_waiting(session, member)
        outbox.record_signed(
            session, group, nonce=tx["nonce"], tx_hash=tx_hash, raw_tx=raw_tx, max_fee=Fees.of(tx).max_fee
        )

    def _batch(self, session: Session, item: OutboxItem, single: Any) -> tuple[list[OutboxItem], Any]:
        """The ready mints behind `item` joined into one `mintBatch` call; `item` alone with its own
        call when none are ready."""
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
            return group, single
        return group, self.chain.factory.functions.mintBatch(orders)

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
                effects.fail_mint(session, item, "the vintage token could not be created")
                return None
            return self.chain.factory.functions.mint(*order)
        if item.kind == "confirm_retirement":
            return self.chain.certificate.functions.confirmRegistryRetirement(
                payload["certificate_id"], payload["reference"]
            )
        raise ValueError(f"unknown outbox kind {item.kind}")

    # -- holds ---------------------------------------------------------------------------------

    def _not_sendable(self, session: Session, item: OutboxItem, err: ContractLogicError) -> None:
        """An estimate reverted: the item waits when the contracts hold it back, else it is settled."""
        hold = hold_for(session, self.chain, item, err)
        if hold is not None:
            self._hold(session, item, hold)
        else:
            self._settle_reverted(session, item, _revert_reason(err))

    def _hold(self, session: Session, item: OutboxItem, hold: Hold) -> None:
        hold_item(session, item, hold, maximum=self.hold_max_seconds, sender=self.name)

    # -- receipts ------------------------------------------------------------------------------

    def _await_receipts(self, item_ids: list[int], fresh: set[int]) -> list[tuple[str, TxReceipt]]:
        """Broadcasts the sent items' latest bytes (all of them, then waits), unless a signing of theirs
        is mined already; the receipts that came. A transaction still pending keeps its items leased
        to this sender, which broadcasts it again next step. Items in `fresh` were signed just now."""
        stored: dict[str, _InFlight] = {}
        with self.sessions() as session:
            signings = outbox.signings(session, item_ids)
            for item_id in item_ids:
                item = session.get_one(OutboxItem, item_id)
                if item.status != "sent" or not item.tx_hash or not item.raw_tx:
                    continue
                flight = stored.setdefault(
                    item.tx_hash, _InFlight(item_id, item.tx_hash, item.raw_tx, item.nonce)
                )
                for tx_hash in [row.tx_hash for row in signings[item_id]] + [item.tx_hash]:
                    if tx_hash not in flight.hashes:
                        flight.hashes.append(tx_hash)
            session.commit()
        mined: list[tuple[str, TxReceipt]] = []
        pending: list[_InFlight] = []
        for flight in stored.values():
            found = None if flight.item_id in fresh else self._mined(flight.hashes)
            if found is not None:
                mined.append(found)
            elif self._broadcast(flight):
                self.replacer.broadcast(flight.tx_hash)
                _failpoint("after_broadcast")
                pending.append(flight)
        return mined + self._wait_for_receipts(pending)

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
                        self._settle_success(session, item, receipt)
                    elif len(items) > 1:
                        self._settle_reverted_batch(session, item)
                    elif not self._held_after_revert(session, item):
                        self._settle_reverted(session, item, "reverted on-chain", receipt)
                    outbox.release(item)
            _failpoint("before_settle_commit")
            session.commit()

    def _adopt(self, session: Session, item: OutboxItem, tx_hash: str) -> None:
        """Makes the mined signing the item's own (a replaced one may be the one mined): the finality
        pass follows it, and a reorg re-broadcasts its bytes."""
        if item.tx_hash == tx_hash:
            return
        for row in outbox.signings(session, [item.id])[item.id]:
            if row.tx_hash == tx_hash:
                item.tx_hash, item.raw_tx = tx_hash, row.raw_tx
                return

    def _broadcast(self, flight: _InFlight) -> bool:
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

    def _nonce_taken(self, flight: _InFlight, error: str) -> bool:
        """Whether a transaction the bridge did not sign used the nonce: then the items are queued to be
        signed again. Every signing of the nonce is looked at first, as stored now (another sender may
        have replaced the transaction since `flight` was read): whichever is mined settles them."""
        with self.sessions() as session:
            items = outbox.sent_with(session, flight.tx_hash)
            signings = outbox.signings(session, [item.id for item in items])
            stored = [row.tx_hash for rows in signings.values() for row in rows]
            flight.hashes = list(dict.fromkeys(flight.hashes + stored))
            session.commit()
        if not items or self._mined(flight.hashes) is not None:
            return False
        with self.sessions() as session:
            items = [i for i in outbox.sent_with(session, flight.tx_hash) if i.tx_hash in flight.hashes]
            for item in items:
                logger.warning("sender %s: nonce of item %s was taken; re-signing", self.name, item.id)
                outbox.mark(item, "queued", nonce=None, tx_hash=None, raw_tx=None, last_error=error)
            if items and flight.nonce is not None:
                alerts.foreign_nonce(
                    session,
                    self.account.address,
                    flight.nonce,
                    seen_by=f"sender {self.name}",
                    items=[item.id for item in items],
                    hashes=flight.hashes,
                )
            session.commit()
        return bool(items)

    def _mined(self, tx_hashes: list[str]) -> tuple[str, TxReceipt] | None:
        """The receipt of whichever signing of one nonce is mined (the newest is likeliest)."""
        for tx_hash in reversed(tx_hashes):
            receipt = self._receipt(tx_hash)
            if receipt is not None:
                return tx_hash, receipt
        return None

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

    def _wait_for_receipts(self, flights: list[_InFlight]) -> list[tuple[str, TxReceipt]]:
        """The receipts of those transactions that are mined within `receipt_timeout`."""
        found: list[tuple[str, TxReceipt]] = []
        waiting = list(flights)
        deadline = time.monotonic() + self.receipt_timeout
        while waiting:
            for flight in list(waiting):
                mined = self._mined(flight.hashes)
                if mined is None:
                    break  # nonces mine in order: the later ones are not in yet either
                found.append(mined)
                waiting.remove(flight)
            if waiting:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
        return found

    # -- outcomes ------------------------------------------------------------------------------

    def _settle_success(self, session: Session, item: OutboxItem, receipt: TxReceipt) -> None:
        payload = outbox.payload_of(item)
        block, block_hash = int(receipt["blockNumber"]), _hex(receipt["blockHash"])
        if item.kind == "create_vintage":
            events = self.chain.factory.events.VintageCreated().process_receipt(receipt)
            effects.record_vintage(session, payload, events[0]["args"]["vintage"])
        elif item.kind == "mint":
            effects.record_minted(session, item, receipt["transactionHash"], block)
        elif item.kind == "confirm_retirement":
            effects.record_certified(session, payload)
        outbox.mark(item, "mined", block_number=block, block_hash=block_hash)

    def _settle_reverted(
        self, session: Session, item: OutboxItem, reason: str, receipt: TxReceipt | None = None
    ) -> None:
        """A write that cannot or did not succeed: done already (say so), or failed for good."""
        payload = outbox.payload_of(item)
        if item.kind == "create_vintage":
            existing = self.chain.factory.functions.vintageOf(HexBytes(payload["key"])).call()
            if existing != ZERO_ADDRESS:
                effects.record_vintage(session, payload, existing)
                outbox.mark(item, "final", last_error=f"already created ({reason})")
                return
        elif item.kind == "mint":
            if not self._settle_consumed_lock(session, item, reason):
                effects.fail_mint(session, item, reason)
            return
        elif item.kind == "confirm_retirement":
            certificate = self.chain.certificate.functions.retirement(payload["certificate_id"]).call()
            if certificate[6]:  # registryReference already written
                effects.record_certified(session, payload)
                outbox.mark(item, "final", last_error=f"already confirmed ({reason})")
                return
        outbox.mark(item, "failed", last_error=reason)
        logger.error("sender %s: item %s (%s) failed: %s", self.name, item.id, item.kind, reason)

    def _held_after_revert(self, session: Session, item: OutboxItem) -> bool:
        """Whether a write that reverted on-chain is one the contracts now hold back (paused, say, after
        it was signed): then it waits to be signed again, rather than failing."""
        if item.kind not in FACTORY_KINDS:
            return False
        call = self._contract_call(session, item)
        if call is None:
            return True  # settled as failed: its vintage has no token
        try:
            call.call({"from": self.account.address})
            return False  # it would pass now: whatever made it revert, it is not a hold
        except ContractLogicError as err:
            hold = hold_for(session, self.chain, item, err)
        if hold is None:
            return False
        outbox.mark(item, "queued", nonce=None, tx_hash=None, raw_tx=None)
        self._hold(session, item, hold)
        return True

    def _settle_reverted_batch(self, session: Session, item: OutboxItem) -> None:
        """A batch reverted on-chain (another sender minted one of its locks first, say): what did
        mint is recorded, the rest is queued again to go alone."""
        if self._settle_consumed_lock(session, item, "batch reverted"):
            return
        outbox.mark(item, "queued", nonce=None, tx_hash=None, raw_tx=None, last_error="batch reverted")

    def _settle_consumed_lock(self, session: Session, item: OutboxItem, reason: str) -> bool:
        """Whether the mint's lock was consumed already (`orders.settle_consumed_lock`); another
        order's consuming it halts this sender."""
        order = self._mint_order(session, item)
        if order is None:
            return False
        state = settle_consumed_lock(
            session, self.chain, item, order, reason, block_batch=self.block_batch, sender=self.name
        )
        if state == "quarantined":
            self.halted = f"the lock of mint item {item.id} was consumed by another order (see the alerts)"
        return state != "free"

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
            signings = outbox.signings(session, [item_id for item_id, _, _ in seen])
            others = {i: [(row.tx_hash, row.raw_tx) for row in rows] for i, rows in signings.items()}
            session.commit()
        if not seen:
            return False
        head = self.chain.w3.eth.block_number
        # A batch mint's items share one transaction: one lookup (and one block check) for all. The
        # transaction, not its receipt, tells where it is: a batch's receipt carries 100 logs to decode.
        included = {tx_hash: self._inclusion(tx_hash) for _, tx_hash, _ in seen if tx_hash}
        # After a reorg the chain may hold another signing of the same nonce (the replacement, or the
        # transaction it replaced): the item follows that one.
        moved: dict[int, tuple[str, str]] = {}
        for item_id, tx_hash, _ in seen:
            if tx_hash and included[tx_hash] is None:
                for other_hash, other_raw in others.get(item_id, []):
                    if other_hash != tx_hash:
                        if other_hash not in included:
                            included[other_hash] = self._inclusion(other_hash)
                        if included[other_hash] is not None:
                            moved[item_id] = (other_hash, other_raw)
        deep = {block for block, _ in filter(None, included.values()) if head - block >= self.confirmations}
        canonical = {block: _hex(self.chain.w3.eth.get_block(block)["hash"]) for block in deep}
        changed, vanished = False, []
        with self.sessions() as session:
            for item_id, tx_hash, seen_hash in seen:
                item = session.get_one(OutboxItem, item_id, with_for_update=True)
                if item.status != "mined" or item.tx_hash != tx_hash or item.block_hash != seen_hash:
                    continue  # settled or moved by someone else meanwhile; the next pass looks again
                if item_id in moved:
                    tx_hash, item.raw_tx = moved[item_id]
                    item.tx_hash = tx_hash
                    logger.warning("sender %s: item %s is mined as %s now", self.name, item_id, tx_hash)
                    effects.set_tx_hash(session, item, tx_hash)
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
            except (Web3RPCError, ValueError) as err:
                logger.info("sender %s: re-broadcast of item %s answered %s", self.name, item_id, err)
        return changed

    def _set_block(
        self, session: Session, item: OutboxItem, block: int | None, block_hash: str | None
    ) -> None:
        item.block_number, item.block_hash = block, block_hash
        effects.set_block(session, item, block)


def _revert_reason(err: ContractLogicError) -> str:
    return decode_revert(err.data) or str(err.message or err)
