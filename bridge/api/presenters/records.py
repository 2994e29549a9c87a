"""ORM rows and the services' results about them -> response models."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TypeVar, cast

from bridge.catalog import Category, Registry
from bridge.db.models import (
    Alert,
    Project,
    Redemption,
    ReleasedRange,
    Retirement,
    SerialRange,
    Tokenization,
    Vintage,
)
from bridge.db.pagination import Window
from bridge.schemas import (
    AlertPublic,
    HealthPublic,
    LockPublic,
    Page,
    ProjectPublic,
    RangePublic,
    RedemptionPublic,
    ReservePublic,
    ReservesPublic,
    RetirementPublic,
    SerialIdentity,
    TokenizationPublic,
    TokenizationStatus,
    UnknownVintagePublic,
    VintagePublic,
)
from bridge.services.alerts import Health
from bridge.services.burns import REASONS
from bridge.services.reserves import Reserves
from bridge.services.vintages import label_names, symbol
from bridge.units import TONNE

T = TypeVar("T")


def page(items: list[T], total: int, window: Window) -> Page[T]:
    """One page of a list endpoint: its items (presented already), of `total`, in `window`."""
    return Page(items=items, total=total, limit=window.limit, offset=window.offset)


def registry_name(registry_id: int) -> str:
    return Registry(registry_id).name.lower()


def vintage(v: Vintage) -> VintagePublic:
    p = v.project
    return VintagePublic(
        id=v.id,
        registry=registry_name(p.registry_id),
        project_id=p.project_id,
        project_name=p.name,
        vintage_start=v.vintage_start,
        vintage_end=v.vintage_end,
        key=v.key,
        token_address=v.token_address,
        symbol=symbol(v),
        category=Category(p.category).name.lower(),
        sectoral_scope=p.sectoral_scope,
        labels=label_names(v.labels),
        country=p.country,
        methodology=p.methodology,
    )


def project(p: Project, vintages: int) -> ProjectPublic:
    return ProjectPublic(
        id=p.id,
        registry=registry_name(p.registry_id),
        project_id=p.project_id,
        name=p.name,
        country=p.country,
        methodology=p.methodology,
        category=Category(p.category).name.lower(),
        sectoral_scope=p.sectoral_scope,
        labels=label_names(p.labels),
        vintages=vintages,
    )


def tokenization(t: Tokenization) -> TokenizationPublic:
    return TokenizationPublic(
        id=t.id,
        idempotency_key=t.idempotency_key,
        status=cast(TokenizationStatus, t.status),  # the column holds no other value
        failure_reason=t.failure_reason,
        waiting_reason=t.waiting_reason,
        api_key_prefix=t.api_key.prefix if t.api_key else None,
        approved_by_key_prefix=t.approved_by_key.prefix if t.approved_by_key else None,
        approved_at=t.approved_at,
        registry=registry_name(t.registry_id),
        serial=t.serial,
        quantity=t.quantity,
        beneficiary=t.beneficiary,
        vintage=vintage(t.vintage),
        lock_id=t.lock_id,
        serial_hash=t.serial_hash,
        serial_identity=serial_identity(t),
        tx_hash=t.tx_hash,
        block_number=t.block_number,
        created_at=t.created_at,
    )


def serial_identity(t: Tokenization) -> SerialIdentity | None:
    if t.serial_identity is None:
        return None
    identity = json.loads(t.serial_identity)
    return SerialIdentity(
        registry_id=t.registry_id, space=identity["space"], ranges=[tuple(r) for r in identity["ranges"]]
    )


def lock(r: SerialRange) -> LockPublic:
    return LockPublic(
        tokenization_id=r.tokenization_id,
        registry=registry_name(r.registry_id),
        space=r.space,
        serial=r.serial,
        block_start=r.block_start,
        block_end=r.block_end,
        quantity=r.quantity,
        state=r.state,
        vintage_id=r.vintage_pk,
    )


def ranges(rows: Sequence[SerialRange | ReleasedRange]) -> list[RangePublic]:
    return [
        RangePublic(serial=r.serial, block_start=r.block_start, block_end=r.block_end, quantity=r.quantity)
        for r in rows
    ]


def retirement(r: Retirement) -> RetirementPublic:
    return RetirementPublic(
        id=r.id,
        vintage_id=r.vintage_pk,
        token_address=r.vintage.token_address,
        holder=r.holder,
        beneficiary=r.beneficiary,
        beneficiary_name=r.beneficiary_name,
        reason=REASONS[r.reason],
        reason_text=r.reason_text,
        amount_wei=str(r.amount_wei),
        tonnes_retired=r.tonnes_retired,
        certificate_id=r.certificate_id,
        status=r.status,
        registry_reference=r.registry_reference,
        tx_hash=r.tx_hash,
        block_number=r.block_number,
        serials=ranges(r.ranges),
    )


def redemption(r: Redemption) -> RedemptionPublic:
    return RedemptionPublic(
        id=r.id,
        vintage_id=r.vintage_pk,
        token_address=r.vintage.token_address,
        holder=r.holder,
        amount_wei=str(r.amount_wei),
        tonnes=r.amount_wei // TONNE,
        registry_account=r.registry_account,
        status=r.status,
        registry_reference=r.registry_reference,
        tx_hash=r.tx_hash,
        block_number=r.block_number,
        serials=ranges(r.ranges),
    )


def reserves(result: Reserves) -> ReservesPublic:
    return ReservesPublic(
        at_block=result.at_block,
        listener_block=result.listener_block,
        floor_block=result.floor_block,
        status=result.status,
        balanced=result.balanced,
        vintages=[
            ReservePublic(
                vintage_id=v.vintage.id,
                symbol=v.symbol,
                token_address=v.vintage.token_address,
                locked_tonnes=v.locked_tonnes,
                pending_tonnes=v.pending_tonnes,
                retired_tonnes=v.retired_tonnes,
                released_tonnes=v.released_tonnes,
                accrued_retired_wei=str(v.accrued_retired_wei),
                expected_supply_wei=str(v.expected_supply_wei),
                ledger_supply_wei=str(v.ledger_supply_wei),
                onchain_supply_wei=None if v.onchain_supply_wei is None else str(v.onchain_supply_wei),
                pool_holdings_wei={k: str(h) for k, h in v.pool_holdings_wei.items()},
                at_block=result.at_block,
                status=v.status,
                balanced=v.balanced,
            )
            for v in result.vintages
        ],
        unknown_vintages=[
            UnknownVintagePublic(
                token_address=u.token_address,
                onchain_supply_wei=str(u.onchain_supply_wei),
                pool_holdings_wei={k: str(h) for k, h in u.pool_holdings_wei.items()},
                balanced=u.balanced,
            )
            for u in result.unknown_vintages
        ],
        reasons=result.reasons(),
    )


def alert(a: Alert) -> AlertPublic:
    return AlertPublic(
        id=a.id,
        kind=a.kind,
        key=a.key,
        message=a.message,
        detail=json.loads(a.detail or "{}"),
        block_number=a.block_number,
        tx_hash=a.tx_hash,
        pause_tx_hash=a.pause_tx_hash,
        created_at=a.created_at,
        open=a.acknowledged_at is None,
        acknowledged_at=a.acknowledged_at,
        acknowledged_by=a.acknowledged_by,
        acknowledgement=a.acknowledgement,
    )


def health(h: Health) -> HealthPublic:
    return HealthPublic(
        status=h.status, reasons=h.reasons, open_alerts=h.open_alerts, minting_paused=h.minting_paused
    )
