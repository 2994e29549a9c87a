"""Signing what a step claimed: items into transactions (alone, or mints batched), estimated, given
consecutive nonces and stored, in three short phases so the chain is never asked inside a database
transaction (on SQLite an open one holds the only write lock, and the API would wait):

1. group and build the calls (one query for the items, one for their vintages), leases committed;
2. estimate each transaction and read fees, the pending nonce and the head, outside any transaction;
3. re-check every member is still queued and ours (a cancel may have taken one), take the nonces,
   sign, and store every signing with bulk statements, in one commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from web3.exceptions import ContractLogicError

from bridge.chain.contracts import revert_error
from bridge.chain.errors import revert_reason
from bridge.chain.holds import held_kinds
from bridge.db import outbox
from bridge.db.models import OutboxItem
from bridge.outbox.handlers import Call
from bridge.outbox.holds import hold_for, hold_item
from bridge.outbox.registry import MINT, handler_for
from bridge.states import OutboxStatus

if TYPE_CHECKING:
    from bridge.outbox.sender import Sender

logger = logging.getLogger(__name__)


@dataclass
class _Group:
    """The items one transaction carries (the first alone, or a batch of mints) and its calls."""

    kind: str
    members: list[int]
    call: Call
    single: Call  # the first member's own call, should the batch not go
    tx: dict[str, Any] | None = None
    error: ContractLogicError | None = None
    dropped: list[int] = field(default_factory=list)  # released: a batch that went singly


class Batcher:
    def __init__(self, sender: Sender, *, mint_batch: int, batches: int) -> None:
        self.sender = sender
        self.mint_batch = mint_batch
        self.batches = batches

    def sign(self, item_ids: list[int]) -> list[int]:
        """Signs the queued items (and the mints batched with them) in one commit; the ids signed."""
        if not item_ids:
            return []
        groups = self._group(item_ids)
        if not groups:
            return []
        self._estimate(groups)
        return self._store(groups)

    def _group(self, item_ids: list[int]) -> list[_Group]:
        s = self.sender
        groups: list[_Group] = []
        assigned: set[int] = set()
        with s.sessions() as session:
            for item in outbox.load(session, item_ids):
                if item.id in assigned or item.status != OutboxStatus.QUEUED or item.lease_owner != s.name:
                    continue
                single = handler_for(item.kind).call(s.ctx, session, item)
                if single is None:
                    continue  # settled instead (its vintage has no token)
                group = _Group(item.kind, [item.id], single, single)
                if self._batches(item):
                    more = outbox.claim_more_mints(
                        session, s.name, s.lease_seconds, after=item.id, limit=self.mint_batch - 1
                    )
                    self._join(session, group, item, [m for m in more if m.id not in assigned])
                assigned.update(group.members)
                groups.append(group)
            # More batches behind the first: several mintBatch transactions in flight per step.
            while self.mint_batch > 1 and 0 < sum(len(g.members) > 1 for g in groups) < self.batches:
                more = outbox.claim_more_mints(
                    session, s.name, s.lease_seconds, after=max(assigned), limit=self.mint_batch
                )
                if not more:
                    break
                first, single = more[0], MINT.call(s.ctx, session, more[0])
                if single is None:
                    break  # settled as failed; the rest are claimed again next step
                group = _Group(first.kind, [first.id], single, single)
                self._join(session, group, first, more[1:])
                assigned.update(group.members)
                groups.append(group)
            session.commit()
        return groups

    def _batches(self, item: OutboxItem) -> bool:
        return self.mint_batch > 1 and item.kind == MINT.kind and item.attempts == 0

    def _join(self, session: Any, group: _Group, first: OutboxItem, others: list[OutboxItem]) -> None:
        if not others:
            return
        members, call = MINT.batch_call(self.sender.ctx, session, [first, *others])
        group.members = [m.id for m in members]
        if len(members) > 1:
            group.call = call

    def _estimate(self, groups: list[_Group]) -> None:
        s = self.sender
        eth = s.chain.w3.eth
        address = s.account.address
        fees = s.signer.fees.for_new()
        shared: tuple[tuple[str, ...], ContractLogicError] | None = None
        for group in groups:
            if shared is not None and group.kind in shared[0]:
                group.error = shared[1]  # held like the one before: no estimate of its own
                continue
            try:
                gas = eth.estimate_gas(group.call.params(address))
            except ContractLogicError as err:
                kinds = held_kinds(revert_error(err.data))
                if len(group.members) > 1 and group.kind not in kinds:
                    logger.warning(
                        "sender %s: batch of %s would revert (%s); minting singly",
                        s.name,
                        len(group.members),
                        revert_reason(err),
                    )
                    group.dropped, group.members, group.call = (
                        group.members[1:],
                        group.members[:1],
                        group.single,
                    )
                    try:
                        gas = eth.estimate_gas(group.call.params(address))
                    except ContractLogicError as single_err:
                        err, kinds = single_err, held_kinds(revert_error(single_err.data))
                    else:
                        group.tx = s.signer.transaction(group.call, gas, fees)
                        continue
                group.error = err
                shared = (kinds, err) if kinds else shared
                continue
            group.tx = s.signer.transaction(group.call, gas, fees)

    def _store(self, groups: list[_Group]) -> list[int]:
        s = self.sender
        address = s.account.address
        chain_pending = s.chain.w3.eth.get_transaction_count(address, "pending")
        head = s.chain.w3.eth.block_number  # none of these transactions can be mined before it
        signed_ids: list[int] = []
        with s.sessions() as session:
            ids = [i for g in groups for i in g.members + g.dropped]
            items = {item.id: item for item in outbox.load(session, ids, lock=True)}
            for group in groups:
                for dropped in group.dropped:
                    outbox.release(items[dropped])
                members = [items[i] for i in group.members]
                if s.halted is not None:
                    break  # the rest stay queued; their leases run out
                if any(m.status != OutboxStatus.QUEUED or m.lease_owner != s.name for m in members):
                    for member in members:  # moved meanwhile (a cancel): the rest go next step
                        if member.lease_owner == s.name:
                            outbox.release(member)
                    continue
                if group.error is not None:
                    self._refused(session, members, group.error)
                    continue
                assert group.tx is not None
                group.tx["nonce"] = outbox.take_nonce(session, address, chain_pending)
                s.signer.store_new(session, members, s.signer.sign(group.tx), head)
                signed_ids += group.members
                size = f", batch of {len(members)}" if len(members) > 1 else ""
                logger.info(
                    "sender %s: item %s (%s%s) signed, nonce %s",
                    s.name,
                    members[0].id,
                    group.kind,
                    size,
                    group.tx["nonce"],
                )
            session.commit()
        if signed_ids:
            logger.info("sender %s: signed items %s", s.name, signed_ids)
            s.failpoint("after_sign")
        return signed_ids

    def _refused(self, session: Any, members: list[OutboxItem], err: ContractLogicError) -> None:
        """An estimate reverted: a batch the contracts hold back waits whole, a single item is held
        or settled."""
        s = self.sender
        if len(members) > 1:
            hold = hold_for(s.ctx, session, members[0], err)
            for member in members:
                if hold is not None:
                    hold_item(session, member, hold, maximum=s.hold_max_seconds, sender=s.name)
                else:
                    outbox.release(member)
            return
        s.not_sendable(session, members[0], err, revert_reason(err))
