"""The one signing path: new transactions (single, pipelined, batched) and fee replacements alike
are built, bid for (`bridge.chain.fees.FeePolicy`, the one fee policy) and signed here, and stored
before any broadcast.

A signing is stored in the commit that makes it the items' latest, for every item the transaction
carries, with a row per signing (`sent_transactions`): whichever signing of a nonce is mined settles
the items, and after a crash the stored bytes are broadcast again, never re-signed with another nonce.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_account.datastructures import SignedTransaction
from eth_account.signers.local import LocalAccount
from sqlalchemy.orm import Session

from bridge.chain.contracts import Chain
from bridge.chain.fees import FeePolicy, Fees, unsigned, with_fees
from bridge.db import outbox
from bridge.db.models import OutboxItem
from bridge.outbox.handlers import Call
from bridge.services import settlement
from bridge.states import OutboxStatus
from bridge.units import to_hex

#: Gas asked above the estimate: a state change between estimate and inclusion may cost a little more.
GAS_MARGIN = 5


@dataclass(frozen=True)
class Signed:
    tx_hash: str
    raw_tx: str
    nonce: int
    max_fee: int


class Signer:
    def __init__(self, chain: Chain, fees: FeePolicy) -> None:
        assert chain.account is not None, "the sender needs a signing account"
        self.account: LocalAccount = chain.account
        self.chain_id = chain.chain_id
        self.fees = fees

    def transaction(self, call: Call, gas: int, fees: Fees, nonce: int = 0) -> dict[str, Any]:
        """A new transaction of `call` (its nonce is set under the nonce row's lock, `take_nonce`)."""
        return {
            "to": call.to,
            "data": call.data,
            "value": 0,
            "nonce": nonce,
            "gas": gas + gas // GAS_MARGIN,
            "chainId": self.chain_id,
            **fees.fields(),
        }

    def replacement(self, raw_tx: str, fees: Fees) -> dict[str, Any]:
        """The transaction `raw_tx` signed, bidding `fees` instead: same nonce, call and gas."""
        return with_fees(unsigned(raw_tx), fees)

    def sign(self, tx: dict[str, Any]) -> Signed:
        signed: SignedTransaction = self.account.sign_transaction(tx)
        return Signed(
            to_hex(signed.hash), to_hex(signed.raw_transaction), int(tx["nonce"]), Fees.of(tx).max_fee
        )

    def store_new(self, session: Session, items: Sequence[OutboxItem], signed: Signed, head: int) -> None:
        """Stores a first signing of `items` (the caller commits), with `head`, the chain head read
        before signing: the earliest a signing of the item could be mined is the block after the lowest
        head it was ever signed at (`outbox.floor`)."""
        settlement.clear_waiting(session, items)
        for item in items:
            earlier = item.signed_at_block
            outbox.mark(
                item,
                OutboxStatus.SENT,
                nonce=signed.nonce,
                tx_hash=signed.tx_hash,
                attempts=item.attempts + 1,
                signed_at_block=head if earlier is None else min(earlier, head),
                not_before=None,
            )
        self._record(session, items, signed)

    def store_replacement(self, session: Session, items: Sequence[OutboxItem], signed: Signed) -> None:
        """Stores a replacement (same nonce, higher fees) as the items' latest signing."""
        for item in items:
            outbox.mark(
                item,
                OutboxStatus.SENT,
                tx_hash=signed.tx_hash,
                attempts=item.attempts + 1,
            )
        self._record(session, items, signed)

    def _record(self, session: Session, items: Sequence[OutboxItem], signed: Signed) -> None:
        outbox.record_signed(
            session,
            items,
            nonce=signed.nonce,
            tx_hash=signed.tx_hash,
            raw_tx=signed.raw_tx,
            max_fee=signed.max_fee,
        )
