"""Presenters: the only place that builds the API's `*Public` models, from ORM rows
(`records`) and from what the services read on-chain (`onchain`). Routes call
`presenters.<name>(...)` on what a service returned."""

from __future__ import annotations

from bridge.api.presenters.onchain import balances, certificate, pool
from bridge.api.presenters.records import (
    alert,
    health,
    lock,
    page,
    project,
    ranges,
    redemption,
    registry_name,
    reserves,
    retirement,
    serial_identity,
    tokenization,
    vintage,
)

__all__ = [
    "alert",
    "balances",
    "certificate",
    "health",
    "lock",
    "page",
    "pool",
    "project",
    "ranges",
    "redemption",
    "registry_name",
    "reserves",
    "retirement",
    "serial_identity",
    "tokenization",
    "vintage",
]
