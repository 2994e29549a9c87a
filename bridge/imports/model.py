"""What every export format shares: where a row's serial and quantity are, what marks a row as not
bridgeable, and the project attributes its columns state; and the row as the import prepares it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from bridge.catalog import Registry
from bridge.serials import SerialBlock

Row = Mapping[str, str]

#: What `ProjectAttributes.methodology` holds; a longer protocol name is left to --project-json.
MAX_METHODOLOGY = 32


class MalformedRow(ValueError):
    """A row the import cannot read as the registry writes it; names the column."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(f"{column}: {message}")
        self.column = column


@dataclass(frozen=True)
class ExportFormat:
    """One registry's public CSV export, with its own column names."""

    name: str
    registries: frozenset[Registry]  # what its serials may read as (Gold Standard labels CDM CERs)
    serial_column: str
    quantity_column: str
    category_column: str
    #: The project attributes the row states (`ProjectAttributes` fields, absent when it is silent).
    project: Callable[[Row], dict[str, Any]]
    #: (column, why) when the row is retired or cancelled, given the row and the file's columns.
    retired: Callable[[Row, list[str]], tuple[str, str] | None]
    #: (vintage_start, vintage_end) to send for a block whose serial has no vintage.
    vintage: Callable[[Row, SerialBlock], tuple[str | None, str | None]] = lambda row, block: (None, None)
    required: tuple[str, ...] = field(default=())

    def columns(self) -> tuple[str, ...]:
        return (self.serial_column, self.quantity_column, *self.required)


@dataclass(frozen=True)
class ExportRow:
    """One row: the item to send (`body`), or why it is not sent (`status` refused or malformed)."""

    row: int
    serial: str
    tonnes: int = 0
    body: dict[str, Any] | None = None
    status: str | None = None
    error: str | None = None


def whole(column: str, text: str) -> int:
    """A quantity as exports write it: "1,454,054", "79565.0"; anything else is malformed."""
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise MalformedRow(column, f"{text!r} is not a number") from None
    if not value.is_finite() or value != value.to_integral_value() or value <= 0:
        raise MalformedRow(column, f"{text!r} is not a whole, positive number of credits")
    return int(value)


def text(row: Row, column: str) -> str | None:
    value = (row.get(column) or "").strip()
    return value or None


def methodology(row: Row, column: str) -> str | None:
    """The column's methodology when it fits the bridge's field; a protocol's full title does not."""
    value = text(row, column)
    return value if value is not None and len(value) <= MAX_METHODOLOGY else None


def category(kinds: Mapping[str, str], value: str | None) -> str | None:
    """The category a project type names, by the longest known prefix; None when none is known."""
    if value is None:
        return None
    matches = [prefix for prefix in kinds if value.lower().startswith(prefix.lower())]
    return kinds[max(matches, key=len)] if matches else None


def yes(row: Row, column: str) -> bool:
    return (row.get(column) or "").strip().lower() == "yes"


def listed(column: str, what: str) -> Callable[[Row, list[str]], tuple[str, str] | None]:
    """A format whose file, when it has `column`, is a retirements or cancellations export."""

    def retired(row: Row, columns: list[str]) -> tuple[str, str] | None:
        return (column, f"the file is a {what} export") if column in columns else None

    return retired
