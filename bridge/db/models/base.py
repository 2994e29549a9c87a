"""What every table shares: the declarative base, UTC timestamps, exact token amounts."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

from bridge.states import check


def utcnow() -> datetime:
    return datetime.now(UTC)


class WeiAmount(TypeDecorator[int]):
    """A non-negative integer of any size (token units), stored as decimal text on every database."""

    impl = String(80)
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Any) -> str | None:
        return None if value is None else str(int(value))

    def process_result_value(self, value: str | None, dialect: Any) -> int | None:
        return None if value is None else int(value)


class Base(DeclarativeBase):
    pass


def state_check(table: str, column: str, states: type[StrEnum]) -> CheckConstraint:
    """The named constraint (`ck_<table>_<column>`) allowing the column only the enum's values;
    migration 0005 adds the same ones to existing databases."""
    return CheckConstraint(check(column, states), name=f"ck_{table}_{column}")
