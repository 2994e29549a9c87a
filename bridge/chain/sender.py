"""The outbox sender: turns queued chain writes into transactions, one at a time, exactly once.

For each item: sign with the next nonce and store the signed bytes and hash (committed) before the
first broadcast; then broadcast and wait for the receipt, re-broadcasting the same bytes (same hash,
so never a second transaction) until it is mined. Settling the receipt and the database change it
implies commit together. The contract's one-mint-per-lock rule is the last line of defence: a mint
that reverts because its lock already minted is settled as minted, never sent again.
"""

from __future__ import annotations

import logging
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


class Sender:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        chain: Chain,
        *,
        poll_interval: float = 0.2,
        receipt_timeout: float = 120.0,
    ) -> None:
        assert chain.account is not None, "the sender needs a signing account"
        self.sessions = sessions
        self.chain = chain
        self.account = chain.account
        self.poll_interval = poll_interval
        self.receipt_timeout = receipt_timeout

    def run(self, stop: threading.Event) -> None:
        logger.info("sender: sending as %s", self.account.address)
        while not stop.is_set():
            try:
                worked = self.step()
            except TRANSIENT as err:
                logger.warning("sender: chain unavailable (%s); retrying", err)
                worked = False
            except Exception:
                logger.exception("sender: unexpected error; retrying")
                worked = False
            if not worked:
                stop.wait(self.poll_interval)

    def drain(self, timeout: float = 60.0) -> None:
        """Processes items until none is left (tests and scripts)."""
        deadline = time.monotonic() + timeout
        while self.step():
            if time.monotonic() > deadline:
                raise TimeoutError("outbox not drained")

    def step(self) -> bool:
        """Advances the oldest unfinished item by one stage; False when there is nothing to do."""
        with self.sessions() as session:
            item = outbox.next_item(session)
            if item is None:
                return False
            if item.status == "queued":
                if not self._sign(session, item):
                    return True
            self._settle_when_mined(session, item)
            return True

    # -- signing -------------------------------------------------------------------------------

    def _sign(self, session: Session, item: OutboxItem) -> bool:
        """Signs and stores the transaction (committed). False if the item was settled instead."""
        try:
            call = self._contract_call(session, item)
            if call is None:
                return False
            # Estimate before taking a nonce: a call that would revert must not leave a nonce gap.
            gas = call.estimate_gas({"from": self.account.address})
        except ContractLogicError as err:
            # The call would revert: settle it from the chain's state (already done) or fail it.
            self._settle_reverted(session, item, _revert_reason(err))
            session.commit()
            return False
        chain_pending = self.chain.w3.eth.get_transaction_count(self.account.address, "pending")
        nonce = outbox.take_nonce(session, self.account.address, chain_pending)
        tx = call.build_transaction(
            {
                "from": self.account.address,
                "nonce": nonce,
                "gas": gas + gas // 5,
                "chainId": self.chain.chain_id,
            }
        )
        signed: SignedTransaction = self.account.sign_transaction(tx)
        outbox.mark(
            item,
            "sent",
            nonce=nonce,
            tx_hash="0x" + bytes(signed.hash).hex(),
            raw_tx="0x" + bytes(signed.raw_transaction).hex(),
            attempts=item.attempts + 1,
        )
        session.commit()
        logger.info("sender: item %s (%s) signed, nonce %s, tx %s", item.id, item.kind, nonce, item.tx_hash)
        return True

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
            vintage = session.get_one(Vintage, payload["vintage_pk"])
            if vintage.token_address is None:
                self._fail_mint(session, item, "the vintage token could not be created")
                session.commit()
                return None
            return self.chain.factory.functions.mint(
                vintage.token_address,
                payload["to"],
                payload["tonnes"] * TONNE,
                HexBytes(payload["lock_id"]),
                HexBytes(payload["serial_hash"]),
            )
        if item.kind == "confirm_retirement":
            return self.chain.certificate.functions.confirmRegistryRetirement(
                payload["certificate_id"], payload["reference"]
            )
        raise ValueError(f"unknown outbox kind {item.kind}")

    # -- receipts ------------------------------------------------------------------------------

    def _settle_when_mined(self, session: Session, item: OutboxItem) -> None:
        assert item.tx_hash and item.raw_tx
        receipt = self._receipt(item.tx_hash)
        if receipt is None:
            self._broadcast(item)
            receipt = self._wait_for_receipt(item.tx_hash)
        if receipt is None:
            session.rollback()
            return  # still pending: the next step re-broadcasts and waits again
        if receipt["status"] == 1:
            self._settle_success(session, item, receipt)
        else:
            self._settle_reverted(session, item, "reverted on-chain", receipt)
        session.commit()

    def _broadcast(self, item: OutboxItem) -> None:
        assert item.raw_tx
        try:
            self.chain.w3.eth.send_raw_transaction(HexBytes(item.raw_tx))
        except ValueError as err:
            # "already known" / "nonce too low": the node has (or mined) these very bytes.
            logger.info("sender: broadcast of item %s answered %s", item.id, err)

    def _receipt(self, tx_hash: str) -> TxReceipt | None:
        try:
            return self.chain.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
        except TransactionNotFound:
            return None

    def _wait_for_receipt(self, tx_hash: str) -> TxReceipt | None:
        deadline = time.monotonic() + self.receipt_timeout
        while time.monotonic() < deadline:
            receipt = self._receipt(tx_hash)
            if receipt is not None:
                return receipt
            time.sleep(0.05)
        return None

    def _settle_success(self, session: Session, item: OutboxItem, receipt: TxReceipt) -> None:
        payload = outbox.payload_of(item)
        block = int(receipt["blockNumber"])
        if item.kind == "create_vintage":
            events = self.chain.factory.events.VintageCreated().process_receipt(receipt)
            self._record_vintage(session, payload, events[0]["args"]["vintage"])
        elif item.kind == "mint":
            self._record_minted(session, item, receipt["transactionHash"], block)
        elif item.kind == "confirm_retirement":
            self._record_certified(session, payload)
        outbox.mark(item, "confirmed", block_number=block)

    def _settle_reverted(
        self, session: Session, item: OutboxItem, reason: str, receipt: TxReceipt | None = None
    ) -> None:
        """A write that cannot or did not succeed: done already (say so), or failed for good."""
        payload = outbox.payload_of(item)
        if item.kind == "create_vintage":
            existing = self.chain.factory.functions.vintageOf(HexBytes(payload["key"])).call()
            if existing != ZERO_ADDRESS:
                self._record_vintage(session, payload, existing)
                outbox.mark(item, "confirmed", last_error=f"already created ({reason})")
                return
        elif item.kind == "mint":
            if self._lock_already_minted(session, item, payload):
                outbox.mark(item, "confirmed", last_error=f"lock had minted before ({reason})")
                return
            self._fail_mint(session, item, reason)
            return
        elif item.kind == "confirm_retirement":
            certificate = self.chain.certificate.functions.retirement(payload["certificate_id"]).call()
            if certificate[7]:  # registryReference already written
                self._record_certified(session, payload)
                outbox.mark(item, "confirmed", last_error=f"already confirmed ({reason})")
                return
        outbox.mark(item, "failed", last_error=reason)
        logger.error("sender: item %s (%s) failed: %s", item.id, item.kind, reason)

    def _lock_already_minted(self, session: Session, item: OutboxItem, payload: dict[str, Any]) -> bool:
        lock_id = HexBytes(payload["lock_id"])
        if self.chain.factory.functions.lockMinted(lock_id).call() == ZERO_ADDRESS:
            return False
        logs = self.chain.factory.events.Tokenized().get_logs(
            from_block=int(self.chain.deployment["block"]), argument_filters={"lockId": lock_id}
        )
        tx_hash, block = (logs[0]["transactionHash"], int(logs[0]["blockNumber"])) if logs else (None, None)
        self._record_minted(session, item, tx_hash, block)
        return True

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
        tokenization.tx_hash = "0x" + bytes(tx_hash).hex() if tx_hash is not None else item.tx_hash
        tokenization.block_number = block
        tokenization.updated_at = utcnow()
        for held in session.scalars(
            select(SerialRange).where(SerialRange.tokenization_id == tokenization.id)
        ):
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
