"""What a new lock may claim: units no other lock holds in their numbering space, of a batch described
the same way as the first time the bridge saw it.

A block's identity is what its registry guarantees unique (`SerialBlock.space`), not its spelling:
two spellings of the same units land in one space and the second is refused (409) naming the first
lock. The database refuses the same rows again (an exclusion constraint on PostgreSQL, triggers on
SQLite), so a race between two spellings that this check does not see still cannot lock twice.

Registries without unit numbers (J-Credit, CCER, FFCER, CARB, Isometric) have no ranges for an
operator to choose: the first lock of an id states the quantity the registry issued under it, and
the bridge numbers those units 1..issued itself, so what is held, retired and released under one id
can never exceed it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eth_abi.abi import encode
from eth_utils.crypto import keccak
from sqlalchemy.orm import Session

from bridge.db.locks import lock_key
from bridge.db.models import ReleasedRange, SerialBatch, SerialRange
from bridge.serials import SerialBlock
from bridge.services.errors import Conflict, InvalidInput
from bridge.units import to_hex

if TYPE_CHECKING:
    from bridge.services.lock_scope import LockScope


@dataclass(frozen=True)
class Claim:
    """The units a lock takes (in unit order), and the batch record to write if it is the first.

    What it learns about a known batch (a field its record lacks, the quantity issued under an id)
    waits in `learnt` until the caller `record`s it, once nothing else can refuse the lock.
    """

    pieces: list[SerialBlock]
    new_batch: SerialBatch | None
    known: SerialBatch | None = None
    learnt: dict[str, Any] = field(default_factory=dict)

    def record(self) -> None:
        for name, value in self.learnt.items():
            setattr(self.known, name, value)


def claim(
    scope: LockScope, block: SerialBlock, *, described: dict[str, str], issued_quantity: int | None
) -> Claim:
    """Checks the block against its batch and its numbering space; raises InvalidInput or Conflict.

    `described` is what the request adds where the serial is silent (the project id of an opaque id,
    the vintage period of a serial that shows only a year): part of the batch's description too, so
    that one batch cannot back two vintages. The caller holds `lock_batch`, so the first description
    of a batch is recorded once; requests for other batches of one space rely on the database's
    constraint.
    """
    registry = int(block.registry)
    description = {**described, **block.batch_attributes}
    if not block.opaque:
        if issued_quantity is not None:
            raise InvalidInput(
                "issued_quantity is only for registries whose serials carry no unit numbers",
                field="issued_quantity",
            )
        # First, so that a re-spelling of held units is named as such (409, the earlier lock)
        # rather than as a batch described otherwise.
        _free(scope, block)
    known = scope.batch(registry, block.batch)
    learnt: dict[str, Any] = {}
    if known is not None:
        learnt = _same_batch(block, description, known)
    issued = None
    pieces = [block]
    if block.opaque:
        issued = _issued(block, known, issued_quantity)
        pieces = _allocate(scope, block, issued)
        if known is not None and known.issued_quantity is None:
            learnt["issued_quantity"] = issued  # a batch recorded before the bridge counted ids
    new_batch = None
    if known is None:
        new_batch = SerialBatch(
            registry_id=registry,
            batch=block.batch,
            attributes=json.dumps(description, sort_keys=True),
            issued_quantity=issued,
        )
    return Claim(pieces=pieces, new_batch=new_batch, known=known, learnt=learnt)


def lock_batch(session: Session, block: SerialBlock) -> None:
    """Serialises lock requests on the block's batch until the transaction ends."""
    lock_key(session, int(block.registry), f"batch:{block.batch}")


def serial_hash(block: SerialBlock, pieces: list[SerialBlock]) -> str:
    """The `serialHash` a mint records on-chain: the identity of the units, not their spelling.

    keccak256(abi.encode(uint8 registry, string space, (uint256 start, uint256 end)[] ranges)), so
    anyone can find two `Tokenized` events over the same units from the events and this preimage.
    """
    encoded = encode(
        ["uint8", "string", "(uint256,uint256)[]"],
        [int(block.registry), block.space, [(piece.start, piece.end) for piece in pieces]],
    )
    return to_hex(keccak(encoded))


def _same_batch(block: SerialBlock, given: dict[str, str], known: SerialBatch) -> dict[str, Any]:
    """Every field describing the batch must agree with the first block seen of it.

    A field the record lacks (recorded before the bridge compared it) is learnt from this block: the
    record's new attributes are returned.
    """
    first: dict[str, str] = json.loads(known.attributes)
    # The serial's own fields first: a wrong vintage year is named as such, not as its period.
    names = [*sorted(block.batch_attributes), *(name for name in given if name not in block.batch_attributes)]
    for name in [*names, *sorted(first.keys() - given.keys())]:
        if name not in first:
            continue
        if first[name] != given.get(name):
            raise InvalidInput(
                f"serial: {name} is {given.get(name)!r}, but {block.batch} was first bridged "
                f"with {first[name]!r} (tokenization {known.first_tokenization_id})",
                field="serial",
                serial_field=name,
                given=given.get(name),
                known=first[name],
            )
    if given.keys() - first.keys():
        return {"attributes": json.dumps({**given, **first}, sort_keys=True)}
    return {}


def _free(scope: LockScope, block: SerialBlock) -> None:
    """Refuses the block (409, naming the earlier lock) if any of its units is held or still owed."""
    registry = int(block.registry)
    held = scope.held(registry, block.space, block.start, block.end)
    if held is not None:
        raise Conflict(
            f"serials {block.start}-{block.end} overlap a block already {held.state}: {held.serial}",
            field="serial",
            conflicting_lock=_named(held, held.state),
        )
    owed = scope.owed(registry, block.space, block.start, block.end)
    if owed is not None:
        raise Conflict(
            f"serials {block.start}-{block.end} overlap {owed.serial}, released by redemption "
            f"{owed.redemption_pk} but not yet confirmed transferred at the registry",
            field="serial",
            conflicting_lock=_named(owed, "released_unconfirmed", redemption_id=owed.redemption_pk),
        )


def _named(earlier: SerialRange | ReleasedRange, state: str, **extra: Any) -> dict[str, Any]:
    """The earlier lock as a 409 names it (`schemas.ConflictingLock`)."""
    return {
        "tokenization_id": earlier.tokenization_id,
        "serial": earlier.serial,
        "block_start": earlier.block_start,
        "block_end": earlier.block_end,
        "state": state,
        **extra,
    }


def _issued(block: SerialBlock, known: SerialBatch | None, given: int | None) -> int:
    recorded = known.issued_quantity if known is not None else None
    if recorded is not None and given is not None and given != recorded:
        raise InvalidInput(
            f"issued_quantity is {given}, but {block.issuance} was first bridged as {recorded} units issued",
            field="issued_quantity",
            given=given,
            known=recorded,
        )
    issued = recorded if recorded is not None else given
    if issued is None:
        raise InvalidInput(
            f"the first lock of {block.issuance} must state issued_quantity, the units the registry "
            "issued under it",
            field="issued_quantity",
        )
    if block.quantity > issued:
        raise InvalidInput(
            f"quantity: {block.quantity} units asked, but {block.issuance} has {issued} issued",
            field="quantity",
        )
    return issued


def _allocate(scope: LockScope, block: SerialBlock, issued: int) -> list[SerialBlock]:
    """The lowest free units of the id, `block.quantity` of them, as few ranges as the gaps allow."""
    taken = scope.held_spans(int(block.registry), block.space, 1, issued)
    if any(end > issued for _, end in taken):
        raise InvalidInput(
            f"issued_quantity: {issued} is fewer than the units of {block.issuance} already held",
            field="issued_quantity",
        )
    wanted, pieces, cursor = block.quantity, [], 1
    for start, end in [*taken, (issued + 1, issued + 1)]:
        if start > cursor and wanted:
            size = min(start - cursor, wanted)
            pieces.append(block.with_range(cursor, cursor + size - 1))
            wanted -= size
        cursor = max(cursor, end + 1)
    if wanted:
        free = block.quantity - wanted
        raise Conflict(
            f"quantity: {block.quantity} units asked, but only {free} of the {issued} issued under "
            f"{block.issuance} are not already held",
            field="quantity",
            free=free,
            issued_quantity=issued,
        )
    return pieces
