"""The guardian: with `BRIDGE_GUARDIAN_KEY` set, an alert pauses minting on-chain, at once.

A thread (or `carbon-bridge guard`) polls for open alerts of a pausing kind that no pause answered
yet (`alerts.awaiting_pause`). When it finds some and the factory is not paused, it sends
`factory.pause()` signed with the guardian's key, from the guardian's own account and nonce (never
the outbox's: the minter key may be the stolen one), waits for it to be mined, and records its hash
on each of those alerts (audited): each alert pauses once. Working from the database rather than
from the listener's memory, it picks up after a restart whatever it had not answered. An alert
stored while minting was paused already (by an earlier one) records no pause, so it pauses minting
again as soon as the admin un-pauses: acknowledge every open alert first (`carbon-bridge alerts ack`).

The guardian role can only pause; un-pausing is the admin's (the timelock), after an investigation.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from sqlalchemy.orm import Session, sessionmaker
from web3.exceptions import ContractLogicError

from bridge.chain.contracts import Chain, decode_revert
from bridge.chain.errors import TRANSIENT
from bridge.listener.nonces import minter_of
from bridge.services import alerts
from bridge.units import to_hex

logger = logging.getLogger(__name__)


class Guardian:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        chain: Chain,
        key: str,
        *,
        poll_interval: float = 1.0,
        receipt_timeout: float = 30.0,
    ) -> None:
        self.sessions = sessions
        self.chain = chain
        self.account: LocalAccount = Account.from_key(key)
        minters = {minter_of(chain.deployment), chain.account.address if chain.account else None}
        if self.account.address in minters:
            # Its transactions would take the minter's nonces, which the listener reports as foreign.
            raise ValueError(
                f"BRIDGE_GUARDIAN_KEY is the minter's key ({self.account.address}): give the guardian its own"
            )
        self.poll_interval = poll_interval
        self.receipt_timeout = receipt_timeout
        self._warned_role = False

    def run(self, stop: threading.Event) -> None:
        logger.info("guardian: pausing on alerts as %s", self.account.address)
        while not stop.is_set():
            try:
                self.step()
            except TRANSIENT as err:
                logger.warning("guardian: chain unavailable (%s); retrying", err)
            except Exception:
                logger.exception("guardian: unexpected error; retrying")
            stop.wait(self.poll_interval)

    def step(self) -> str | None:
        """Pauses minting if an alert awaits it and the factory is not paused; the mined pause's hash."""
        with self.sessions() as session:
            waiting = [a.id for a in alerts.awaiting_pause(session)]
            session.commit()
        if not waiting:
            return None
        factory = self.chain.factory
        if factory.functions.paused().call():
            return None  # paused already (by us before a restart, or by another guardian)
        if not factory.functions.hasRole(
            factory.functions.GUARDIAN_ROLE().call(), self.account.address
        ).call():
            if not self._warned_role:
                logger.critical(
                    "guardian: %s lacks GUARDIAN_ROLE on the factory: alerts %s cannot pause minting",
                    self.account.address,
                    waiting,
                )
                self._warned_role = True
            return None
        tx_hash = self._pause()
        if tx_hash is None:
            return None
        with self.sessions() as session:
            alerts.record_pause(session, waiting, tx_hash=tx_hash, guardian=self.account.address)
        logger.critical("guardian: minting paused (tx %s) on alerts %s", tx_hash, waiting)
        return tx_hash

    def _pause(self) -> str | None:
        """Sends `pause()` and waits for it; its hash once mined successfully, else None (retried)."""
        w3 = self.chain.w3
        call = self.chain.factory.functions.pause()
        try:
            gas = call.estimate_gas({"from": self.account.address})
        except ContractLogicError as err:
            logger.error("guardian: pause() would revert: %s", decode_revert(err.data) or err)
            return None
        tx: dict[str, Any] = call.build_transaction(  # type: ignore[assignment]
            {
                "from": self.account.address,
                "nonce": w3.eth.get_transaction_count(self.account.address, "pending"),
                "gas": gas + gas // 5,
                "chainId": self.chain.chain_id,
            }
        )
        signed = self.account.sign_transaction(tx)
        sent = w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = w3.eth.wait_for_transaction_receipt(HexBytes(sent), timeout=self.receipt_timeout)
        tx_hash = to_hex(receipt["transactionHash"])
        if receipt["status"] != 1:
            logger.error("guardian: pause() reverted on-chain (tx %s); retrying", tx_hash)
            return None
        return tx_hash
