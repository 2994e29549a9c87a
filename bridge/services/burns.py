"""What a burn on-chain does to the serials: retirements retire them, redemptions release them.

`apply_*` run inside the listener's transaction, which also advances its cursor, so an event and the
cursor move together. The chain key (tx hash : log index) makes applying an event twice a no-op.
`confirm_*` are the operator's use cases and commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.catalog import Registry
from bridge.db import audit, outbox
from bridge.db.locks import locked_ranges_fifo, released_from
from bridge.db.models import ApiKey, Project, Redemption, Retirement, SerialRange, Vintage
from bridge.db.pagination import Window, paginate
from bridge.db.transitions import move_range, move_redemption, move_retirement
from bridge.serials import parse_serial, take, units_per_tonne
from bridge.services.errors import Conflict, Forbidden, NotFound
from bridge.states import RangeState, RedemptionStatus, RetirementStatus
from bridge.units import TONNE

logger = logging.getLogger(__name__)

LISTENER = "listener"

REASONS = [
    "environmental_benefit",
    "on_behalf_of_organisation",
    "compliance",
    "ecological_damage_compensation",
    "other",
]


@dataclass(frozen=True)
class ChainEvent:
    """Where an event was seen; `key` identifies it across restarts."""

    vintage: str
    tx_hash: str
    log_index: int
    block_number: int
    block_hash: str

    @property
    def key(self) -> str:
        return f"{self.tx_hash}:{self.log_index}"


@dataclass(frozen=True)
class RetiredEvent(ChainEvent):
    holder: str
    beneficiary: str
    certificate_id: int
    amount: int
    reason: int
    beneficiary_name: str
    reason_text: str


@dataclass(frozen=True)
class RedemptionEvent(ChainEvent):
    holder: str
    amount: int
    registry_account: str


def apply_retirement(session: Session, event: RetiredEvent) -> Retirement | None:
    """Retires the whole tonnes this burn completes; fractions accrue on the vintage."""
    if _seen(session, Retirement, event.key):
        return None
    vintage = _vintage_at(session, event.vintage)
    if vintage is None:
        logger.warning("listener: Retired from unknown token %s in %s", event.vintage, event.tx_hash)
        return None
    retirement = Retirement(
        chain_key=event.key,
        tx_hash=event.tx_hash,
        log_index=event.log_index,
        block_number=event.block_number,
        block_hash=event.block_hash,
        vintage_pk=vintage.id,
        holder=event.holder,
        beneficiary=event.beneficiary,
        beneficiary_name=event.beneficiary_name,
        reason=event.reason,
        reason_text=event.reason_text,
        amount_wei=event.amount,
        certificate_id=event.certificate_id,
    )
    session.add(retirement)
    session.flush()
    whole, vintage.accrued_retired_wei = divmod(vintage.accrued_retired_wei + event.amount, TONNE)
    retirement.tonnes_retired = whole
    for held in _take_locked(session, vintage, whole, event.block_number, retirement_id=retirement.id):
        held.retirement_pk = retirement.id
        move_range(session, held, RangeState.RETIRED, actor=LISTENER, retirement_id=retirement.id)
    audit.record(
        session,
        actor=LISTENER,
        action="retirement.applied",
        entity="retirement",
        entity_id=retirement.id,
        tx_hash=event.tx_hash,
        amount_wei=event.amount,
        tonnes_retired=whole,
        certificate_id=event.certificate_id,
    )
    return retirement


def apply_redemption(session: Session, event: RedemptionEvent) -> Redemption | None:
    """Releases exactly the redeemed tonnes (always whole) to the named registry account."""
    if _seen(session, Redemption, event.key):
        return None
    vintage = _vintage_at(session, event.vintage)
    if vintage is None:
        logger.warning("listener: RedemptionRequested from unknown token %s", event.vintage)
        return None
    redemption = Redemption(
        chain_key=event.key,
        tx_hash=event.tx_hash,
        log_index=event.log_index,
        block_number=event.block_number,
        block_hash=event.block_hash,
        vintage_pk=vintage.id,
        holder=event.holder,
        amount_wei=event.amount,
        registry_account=event.registry_account,
    )
    session.add(redemption)
    session.flush()
    tonnes = event.amount // TONNE
    for held in _take_locked(session, vintage, tonnes, event.block_number, retirement_id=None):
        released_from(session, held, redemption.id)
    audit.record(
        session,
        actor=LISTENER,
        action="redemption.applied",
        entity="redemption",
        entity_id=redemption.id,
        tx_hash=event.tx_hash,
        tonnes=tonnes,
        registry_account=event.registry_account,
    )
    return redemption


def confirm_retirement(session: Session, key: ApiKey, retirement_id: int, reference: str) -> Retirement:
    """The operator retired the credits at the registry: record it and write it on the certificate."""
    retirement = get_retirement(session, retirement_id)
    _check_scope(key, retirement.vintage)
    if retirement.status != RetirementStatus.PENDING_REGISTRY:
        raise Conflict(f"retirement {retirement_id} is already {retirement.status}", field="retirement_id")
    retirement.registry_reference = reference
    retirement.confirmed_by = key.operator.name
    retirement.confirmed_at = datetime.now(UTC)
    outbox.enqueue(
        session,
        "confirm_retirement",
        {"retirement_pk": retirement.id, "certificate_id": retirement.certificate_id, "reference": reference},
    )
    move_retirement(
        session,
        retirement,
        RetirementStatus.CONFIRMING,
        actor=key.operator.name,
        action="retirement.confirmed",  # the name it has always had: the operator confirmed it
        registry_reference=reference,
    )
    session.commit()
    return retirement


def confirm_redemption(session: Session, key: ApiKey, redemption_id: int, reference: str) -> Redemption:
    """The operator moved the released serials to the holder's registry account."""
    redemption = get_redemption(session, redemption_id)
    _check_scope(key, redemption.vintage)
    if redemption.status != RedemptionStatus.PENDING_TRANSFER:
        raise Conflict(f"redemption {redemption_id} is already {redemption.status}", field="redemption_id")
    redemption.registry_reference = reference
    redemption.confirmed_by = key.operator.name
    redemption.confirmed_at = datetime.now(UTC)
    move_redemption(
        session,
        redemption,
        RedemptionStatus.RELEASED,
        actor=key.operator.name,
        action="redemption.released",
        registry_reference=reference,
    )
    session.commit()
    return redemption


def get_retirement(session: Session, retirement_id: int) -> Retirement:
    retirement = session.get(Retirement, retirement_id)
    if retirement is None:
        raise NotFound(f"no retirement {retirement_id}", field="retirement_id")
    return retirement


def get_redemption(session: Session, redemption_id: int) -> Redemption:
    redemption = session.get(Redemption, redemption_id)
    if redemption is None:
        raise NotFound(f"no redemption {redemption_id}", field="redemption_id")
    return redemption


def list_retirements(
    session: Session,
    *,
    status: str | None,
    vintage_id: int | None,
    beneficiary: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Retirement], int]:
    query = select(Retirement)
    if status is not None:
        query = query.where(Retirement.status == status)
    if vintage_id is not None:
        query = query.where(Retirement.vintage_pk == vintage_id)
    if beneficiary is not None:
        query = query.where(Retirement.beneficiary == beneficiary)
    return paginate(session, query, Window(limit, offset), Retirement.id.desc())


def list_redemptions(
    session: Session, *, status: str | None, vintage_id: int | None, limit: int, offset: int
) -> tuple[list[Redemption], int]:
    query = select(Redemption)
    if status is not None:
        query = query.where(Redemption.status == status)
    if vintage_id is not None:
        query = query.where(Redemption.vintage_pk == vintage_id)
    return paginate(session, query, Window(limit, offset), Redemption.id.desc())


def _take_locked(
    session: Session, vintage: Vintage, tonnes: int, burned_in: int, *, retirement_id: int | None
) -> list[SerialRange]:
    """The first `tonnes` locked serials of the vintage (oldest lock first) that were minted by block
    `burned_in`, split off as registries do: a burn cannot have burned tokens minted after it."""
    taken: list[SerialRange] = []
    remaining = tonnes * units_per_tonne(Registry(vintage.project.registry_id))  # in serial units
    for held in locked_ranges_fifo(session, vintage.id, burned_in) if tonnes else []:
        if remaining == 0:
            break
        if held.quantity > remaining:
            block = parse_serial(held.serial, registry=Registry(held.registry_id), quantity=held.quantity)
            head, rest = take(block, remaining)
            assert rest is not None  # held.quantity > remaining
            session.add(
                SerialRange(
                    registry_id=held.registry_id,
                    space=held.space,
                    issuance=held.issuance,
                    block_start=rest.start,
                    block_end=rest.end,
                    serial=rest.serial,
                    state=RangeState.LOCKED,  # split off a locked range: created, not moved
                    vintage_pk=held.vintage_pk,
                    tokenization_id=held.tokenization_id,
                )
            )
            held.block_end, held.serial = head.end, head.serial
        remaining -= held.quantity
        taken.append(held)
    if remaining:
        # Cannot happen while supply matches the locks; reconcile reports it if it does.
        logger.error(
            "listener: vintage %s burned %s tonnes more than it has locked (retirement %s)",
            vintage.id,
            remaining,
            retirement_id,
        )
    session.flush()
    return taken


def _seen(session: Session, model: type[Retirement] | type[Redemption], key: str) -> bool:
    return session.scalar(select(model.id).where(model.chain_key == key)) is not None


def _vintage_at(session: Session, address: str) -> Vintage | None:
    return session.scalars(select(Vintage).where(Vintage.token_address == address)).first()


def _check_scope(key: ApiKey, vintage: Vintage) -> None:
    project: Project = vintage.project
    if project.registry_id not in key.registry_ids:
        registry = Registry(project.registry_id).name.lower()
        raise Forbidden(f"operator {key.operator.name} may not act on {registry} credits", field="registry")
