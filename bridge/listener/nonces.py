"""The bridge's nonce used elsewhere: a transaction from the bridge's account that the bridge did not sign.

The sender stores every nonce it takes, with the signed transaction, before the first broadcast
(`outbox.take_nonce`): once the chain counts nonce n for the bridge's account, the database already
names n, unless someone else signed it. So each check reads the chain's count first, then the
database, and raises `foreign_nonce` for every nonce from the deployment on that no stored
transaction carries (or that lies beyond the account's `signer_nonces.next_nonce`), once per nonce.

Nonces are stored without their account: for an account the bridge signed with, "stored" means any
stored transaction has that nonce. A nonce the bridge signed but another transaction took first is
not seen here; the sender sees it, when its broadcast answers "nonce too low" (see `alerts.foreign_nonce`).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3
from web3.exceptions import Web3Exception

from bridge.chain.contracts import Chain
from bridge.db.models import OutboxItem, SentTransaction, SignerNonce
from bridge.services import alerts

logger = logging.getLogger(__name__)

#: Nonces one check reports at most (one alert each); the next check reports the following ones.
MAX_ALERTS_PER_CHECK = 50


def minter_of(deployment: dict[str, Any]) -> str | None:
    """The minter the deployment record names (`roles.minter`; `bridge` in records before the roles)."""
    roles = deployment.get("roles")
    minter = roles.get("minter") if isinstance(roles, dict) else None
    minter = minter or deployment.get("bridge")
    return Web3.to_checksum_address(minter) if isinstance(minter, str) and Web3.is_address(minter) else None


class NonceWatch:
    def __init__(self, chain: Chain, *, interval: float) -> None:
        self.chain = chain
        self.interval = interval
        self.deployment_block = int(chain.deployment["block"])
        self._baseline: dict[str, int] = {}
        self._verified: dict[str, int] = {}  # below this nonce, every nonce was judged
        self._last = float("-inf")

    def check(self, sessions: sessionmaker[Session]) -> None:
        """Compares each of the bridge's accounts with the chain, at most once per `interval`."""
        if time.monotonic() - self._last < self.interval:
            return
        self._last = time.monotonic()
        with sessions() as session:
            accounts = set(session.scalars(select(SignerNonce.address)))
            session.commit()
        if self.chain.account is not None:
            accounts.add(self.chain.account.address)
        minter = minter_of(self.chain.deployment)
        if minter is not None:
            accounts.add(minter)
        for address in sorted(accounts):
            self._check(sessions, address)

    def _check(self, sessions: sessionmaker[Session], address: str) -> None:
        used = int(
            self.chain.w3.eth.get_transaction_count(Web3.to_checksum_address(address), "latest")
        )  # before the database
        start = self._verified.get(address)
        if start is None:
            start = self._baseline_of(sessions, address, used)
        if used <= start:
            return
        with sessions() as session:
            # Read after the count: a nonce the sender took before it was counted is stored by now.
            row = session.get(SignerNonce, address)
            signs = row is not None or (
                self.chain.account is not None and self.chain.account.address == address
            )
            beyond = used if row is None else row.next_nonce
            if signs and beyond >= used and _stored_count(session, start, used) == used - start:
                foreign = []  # every nonce stored: the usual case, without reading them
            else:
                signed = _stored_nonces(session, start, used) if signs else set()
                foreign = [n for n in range(start, used) if n not in signed or n >= beyond]
            # A flood is reported a slice per check, each nonce once: the next check goes on from here.
            reported = foreign[:MAX_ALERTS_PER_CHECK]
            for n in reported:
                alerts.foreign_nonce(session, address, n, seen_by="listener", chain_count=used)
            session.commit()
        self._verified[address] = used if len(foreign) <= MAX_ALERTS_PER_CHECK else reported[-1] + 1

    def _baseline_of(self, sessions: sessionmaker[Session], address: str, used: int) -> int:
        """The account's nonce when the deployment was recorded: nonces before it are the deployment's."""
        if address not in self._baseline:
            try:
                self._baseline[address] = int(
                    self.chain.w3.eth.get_transaction_count(
                        Web3.to_checksum_address(address), self.deployment_block
                    )
                )
            except (Web3Exception, ValueError) as err:  # a node without that block's state
                with sessions() as session:
                    lowest = _lowest_stored_nonce(session)
                    session.commit()
                self._baseline[address] = used if lowest is None else min(lowest, used)
                logger.warning(
                    "listener: nonce of %s at block %s unreadable (%s); checking from nonce %s",
                    address,
                    self.deployment_block,
                    err,
                    self._baseline[address],
                )
        return self._baseline[address]


def _stored(start: int, end: int) -> Any:
    """The distinct nonces in [start, end) that a transaction the bridge stored carries."""
    return union(
        select(OutboxItem.nonce).where(OutboxItem.nonce >= start, OutboxItem.nonce < end),
        select(SentTransaction.nonce).where(SentTransaction.nonce >= start, SentTransaction.nonce < end),
    )


def _stored_count(session: Session, start: int, end: int) -> int:
    return int(session.scalar(select(func.count()).select_from(_stored(start, end).subquery())) or 0)


def _stored_nonces(session: Session, start: int, end: int) -> set[int]:
    return {int(row[0]) for row in session.execute(_stored(start, end))}


def _lowest_stored_nonce(session: Session) -> int | None:
    lowest = [
        session.scalar(select(func.min(OutboxItem.nonce))),
        session.scalar(select(func.min(SentTransaction.nonce))),
    ]
    values = [int(v) for v in lowest if v is not None]
    return min(values) if values else None
