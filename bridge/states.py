"""The states of the bridge's records, one enum per entity; the database refuses any other value.

Each enum's value is what the column stores (and what the API shows), so a state is spelled once.
The moves between them are in `bridge.db.transitions`; the README draws each machine.
"""

from __future__ import annotations

from enum import StrEnum


class OutboxStatus(StrEnum):
    """A chain write the bridge owes: queued -> sent -> mined -> final, or failed / quarantined."""

    QUEUED = "queued"
    SENT = "sent"
    MINED = "mined"
    FINAL = "final"
    FAILED = "failed"
    #: A mint whose lock another order consumed: never taken up again until investigated.
    QUARANTINED = "quarantined"


class TokenizationStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    PENDING = "pending"
    MINTED = "minted"
    FAILED = "failed"
    CANCELLED = "cancelled"


class RangeState(StrEnum):
    """A locked serial block: held for a mint (pending), backing tokens (locked), or retired."""

    PENDING = "pending"
    LOCKED = "locked"
    RETIRED = "retired"


class RetirementStatus(StrEnum):
    PENDING_REGISTRY = "pending_registry"
    CONFIRMING = "confirming"
    CONFIRMED = "confirmed"


class RedemptionStatus(StrEnum):
    PENDING_TRANSFER = "pending_transfer"
    RELEASED = "released"


def check(column: str, states: type[StrEnum]) -> str:
    """The SQL of a CheckConstraint allowing `column` only the enum's values."""
    values = ", ".join(f"'{state.value}'" for state in states)
    return f"{column} IN ({values})"
