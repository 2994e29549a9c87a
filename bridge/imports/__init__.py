"""Registry exports: read a registry's public CSV as the registry writes it, one module per format
(like `bridge.serials`, one module per registry), into the items `POST /tokenizations/bulk` takes.

Serials are read by `bridge.serials` alone. A row is sent only if it is whole: a retired or
cancelled row is refused naming the column that says so (retired credits are not bridgeable), and
a row whose serial, quantity or project does not read is reported malformed naming the column,
never guessed. Project attributes come from the row's own columns where it has them, else from the
defaults given (`--project-json`).

Each item's idempotency key is the block's identity (registry, numbering space, range), so the same
units sent again, by a re-run after a crash say, replay instead of minting twice.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bridge.catalog import REGISTRY_CODES, Registry
from bridge.imports.acr import ACR
from bridge.imports.car import CAR
from bridge.imports.gold_standard import GOLD_STANDARD
from bridge.imports.model import ExportFormat, ExportRow, MalformedRow, Row, whole
from bridge.imports.verra import VERRA
from bridge.schemas import TokenizationCreate
from bridge.serials import SerialBlock, SerialError, parse_serial, units_per_tonne

FORMATS: dict[Registry, ExportFormat] = {
    Registry.VERRA: VERRA,
    Registry.GOLD_STANDARD: GOLD_STANDARD,
    Registry.ACR: ACR,
    Registry.CAR: CAR,
}

__all__ = ["FORMATS", "ExportError", "ExportFormat", "ExportRow", "idempotency_key", "read_export"]


class ExportError(ValueError):
    """The file is not an export of the format asked for (a column is missing)."""


def idempotency_key(block: SerialBlock) -> str:
    """The block's identity: the same units, however spelt, give the same key."""
    return f"import:{REGISTRY_CODES[block.registry]}:{block.space}:{block.start}-{block.end}"


def read_export(
    path: Path, registry: Registry, *, beneficiary: str, defaults: dict[str, Any]
) -> Iterator[ExportRow]:
    """Each row of the export, numbered from 1 after the header, ready to send or refused."""
    fmt = FORMATS[registry]
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        columns = list(reader.fieldnames or [])
        missing = [column for column in fmt.columns() if column not in columns]
        if missing:
            raise ExportError(f"{path} is not a {fmt.name}: no column {', '.join(map(repr, missing))}")
        for number, row in enumerate(reader, start=1):
            yield _prepare(fmt, number, row, columns, beneficiary, defaults)


def _prepare(
    fmt: ExportFormat, number: int, row: Row, columns: list[str], beneficiary: str, defaults: dict[str, Any]
) -> ExportRow:
    serial = (row.get(fmt.serial_column) or "").strip()
    retired = fmt.retired(row, columns)
    if retired is not None:
        column, why = retired
        return ExportRow(number, serial, status="refused", error=f"{column}: {why}; not bridgeable")
    try:
        block, body = _item(fmt, row, serial, beneficiary, defaults)
    except MalformedRow as err:
        return ExportRow(number, serial, status="malformed", error=str(err))
    tonnes = block.quantity // units_per_tonne(block.registry)
    return ExportRow(number, serial, tonnes=tonnes, body=body)


def _item(
    fmt: ExportFormat, row: Row, serial: str, beneficiary: str, defaults: dict[str, Any]
) -> tuple[SerialBlock, dict[str, Any]]:
    if not serial:
        raise MalformedRow(fmt.serial_column, "empty")
    quantity = whole(fmt.quantity_column, row.get(fmt.quantity_column) or "")
    try:
        block = parse_serial(serial, quantity=quantity)
    except SerialError as err:
        column = fmt.quantity_column if err.field == "quantity" else fmt.serial_column
        raise MalformedRow(column, str(err)) from err
    if block.registry not in fmt.registries:
        raise MalformedRow(fmt.serial_column, f"a {block.registry.name.lower()} serial, not of a {fmt.name}")
    stated = {name: value for name, value in fmt.project(row).items() if value not in (None, "", [])}
    project = {**defaults, **stated}
    project["labels"] = sorted({*defaults.get("labels", []), *stated.get("labels", [])})
    if "category" not in project:
        kind = row.get(fmt.category_column)
        raise MalformedRow(fmt.category_column, f"{kind!r} names no category: give one with --project-json")
    body: dict[str, Any] = {
        "idempotency_key": idempotency_key(block),
        "registry": block.registry.name.lower(),
        "serial": serial,
        "quantity": quantity,
        "beneficiary": beneficiary,
        "project": project,
    }
    start, end = fmt.vintage(row, block)
    if start or end:
        body["vintage_start"], body["vintage_end"] = start, end
    try:
        TokenizationCreate.model_validate(body)
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"])
        raise MalformedRow(field, first["msg"]) from err
    return block, body
