"""The registry samples (OffsetsDB extracts, tests/data/registry-samples/README.md): which column of
which file holds serials and quantities, and what each parsed row must agree with."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from bridge.catalog import Registry
from bridge.serials import SerialBlock

DATA = Path(__file__).resolve().parents[1] / "data" / "registry-samples"

Row = dict[str, str]


def no_checks(block: SerialBlock, row: Row) -> list[str]:
    return []


@dataclass(frozen=True)
class Sample:
    """One CSV: where its serial and quantity are, and what else its rows say about the block."""

    path: str
    quantity_column: str
    serial: Callable[[Row], str]
    registries: frozenset[Registry]
    rows: int  # how many serial rows the file has
    check: Callable[[SerialBlock, Row], list[str]] = no_checks
    # Whether `.serial` gives back the row's text (not so for ids without a range).
    writes_as_given: bool = True


def column(name: str) -> Callable[[Row], str]:
    return lambda row: row[name]


def expect(**pairs: tuple[object, object]) -> list[str]:
    """Messages for the attributes that differ: expect(project_id=(got, wanted), ...)."""
    problems = []
    for name, (got, wanted) in pairs.items():
        if got != wanted:
            problems.append(f"{name} is {got!r}, the row says {wanted!r}")
    return problems


def verra(block: SerialBlock, row: Row) -> list[str]:
    return expect(
        project_id=(block.project_id, row["ID"]),
        vintage_start=(block.vintage_start, date.fromisoformat(row["Vintage Start"])),
        vintage_end=(block.vintage_end, date.fromisoformat(row["Vintage End"])),
    )


def gold_standard(block: SerialBlock, row: Row) -> list[str]:
    if block.registry is Registry.CDM:  # CERs labelled by Gold Standard keep their CDM serial
        return expect(country=(block.country, {"Rwanda": "RW"}.get(row["Country"])))
    return expect(
        project_id=(block.project_id, "GS" + row["GSID"]),
        vintage_year=(block.vintage_year, int(row["Vintage"])),
    )


def acr(block: SerialBlock, row: Row) -> list[str]:
    return expect(
        project_id=(block.project_id, row["Project ID"]),
        vintage_year=(block.vintage_year, int(row["Vintage"])),
        country=(block.country, row["Project Site Country"]),
    )


def art(block: SerialBlock, row: Row) -> list[str]:
    return expect(
        project_id=(block.project_id, row["Program ID"]),
        vintage_year=(block.vintage_year, int(row["Vintage"])),
    )


def car(block: SerialBlock, row: Row) -> list[str]:
    return expect(
        project_id=(block.project_id, row["Project ID"]),
        vintage_year=(block.vintage_year, int(row["Vintage"])),
    )


def cercarbono_issuance(block: SerialBlock, row: Row) -> list[str]:
    problems = expect(buffer=("buffer" in block.fields, row["is_buffer"] == "True"))
    if block.vintage_year is not None:
        problems += expect(vintage_year=(block.vintage_year, int(row["year"])))
    return problems


def cercarbono_retirement(block: SerialBlock, row: Row) -> list[str]:
    problems = expect(project_id=(block.project_id, "CDC-" + row["project_id"]))
    if block.vintage_year is not None:
        problems += expect(vintage_year=(block.vintage_year, int(row["vintage"])))
    return problems


def isometric(block: SerialBlock, row: Row) -> list[str]:
    return expect(record=(block.fields["record"], "issuance"))


def carb(block: SerialBlock, row: Row) -> list[str]:
    return expect(project_id=(block.project_id, row["CARB Project ID"]))


def one(registry: Registry) -> frozenset[Registry]:
    return frozenset({registry})


# fmt: off
SAMPLES = [
    Sample("verra/transactions.csv", "Quantity Issued", column("Serial Number"),
           one(Registry.VERRA), 200, verra),
    Sample("gold-standard/issuances.csv", "Quantity", column("Serial Number"),
           frozenset({Registry.GOLD_STANDARD, Registry.CDM}), 100, gold_standard),
    Sample("gold-standard/retirements.csv", "Quantity", column("Serial Number"),
           one(Registry.GOLD_STANDARD), 100, gold_standard),
    Sample("american-carbon-registry/cancellations.csv", "Quantity of Credits",
           column("Credit Serial Numbers"), one(Registry.ACR), 50, acr),
    Sample("american-carbon-registry/retirements.csv", "Quantity of Credits",
           column("Credit Serial Numbers"), one(Registry.ACR), 100, acr),
    Sample("art-trees/cancellations.csv", "Quantity of Credits",
           column("Credit Serial Numbers"), one(Registry.ART), 3, art),
    Sample("art-trees/retirements.csv", "Quantity of Credits",
           column("Credit Serial Numbers"), one(Registry.ART), 8, art),
    Sample("climate-action-reserve/cancellations.csv", "Quantity of Offset Credits",
           column("Offset Credit Serial Numbers"), one(Registry.CAR), 50, car),
    Sample("climate-action-reserve/retirements.csv", "Quantity of Offset Credits",
           column("Offset Credit Serial Numbers"), one(Registry.CAR), 100, car),
    Sample("cercarbono/issuances.csv", "issued_quantity", column("serial"),
           one(Registry.CERCARBONO), 100, cercarbono_issuance, writes_as_given=False),
    # Retirements give the range in two columns; we write it "<serial> <from>-<to>".
    Sample("cercarbono/retirements.csv", "quantity",
           lambda row: f"{row['serial']} {row['from']}-{row['to']}",
           one(Registry.CERCARBONO), 100, cercarbono_retirement),
    # Isometric credits come to three decimals of a tonne; the kg column is the unit count.
    Sample("isometric/issuances.csv", "credit_batch_size_total.credit_kgs", column("id"),
           one(Registry.ISOMETRIC), 100, isometric, writes_as_given=False),
    Sample("arb/nc-arboc_issuance_sheet3.csv", "ARB Offset Credits Issued",
           column("CARB Issuance ID"), one(Registry.CARB), 98, carb, writes_as_given=False),
]
# fmt: on


def whole(text: str) -> int:
    """A quantity as the CSVs write it: "28,571", "79565.0", "2765370"."""
    value = Decimal(text.replace(",", ""))
    if value != value.to_integral_value():
        raise ValueError(f"{text!r} is not a whole number of units")
    return int(value)


def serial_rows(sample: Sample) -> list[tuple[int, str, int, Row]]:
    """(row number, serial text, stated quantity, row) for each row that has a serial.

    Rows without one (the CARB sheet's reversal and zero-credit rows) are skipped.
    """
    with open(DATA / sample.path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for number, row in enumerate(rows, start=1):
        text = sample.serial(row)
        if text.strip():
            out.append((number, text, whole(row[sample.quantity_column]), row))
    return out
