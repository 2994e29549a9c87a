"""Gold Standard's credit exports (registry.goldstandard.org, issuances or retirements): one row per
block with its `Credit Status` (Issued, Retired, Canceled...). Only Issued rows are bridgeable.

Gold Standard labels some CDM CERs; their serials are CDM serials, which state no vintage: the row's
monitoring period is sent as the vintage period."""

from __future__ import annotations

from typing import Any

from bridge.catalog import Registry
from bridge.imports.model import ExportFormat, Row, category, methodology, text
from bridge.serials import SerialBlock

STATUS = "Credit Status"

#: Gold Standard project types (prefixes) that name one category.
KINDS = {
    "Energy Efficiency - Transport": "transport",
    "Energy Efficiency": "energy_efficiency",
    "Solar": "renewable_energy",
    "PV": "renewable_energy",
    "Wind": "renewable_energy",
    "Hydro": "renewable_energy",
    "Geothermal": "renewable_energy",
    "Biogas": "renewable_energy",
    "Biomass": "renewable_energy",
    "Afforestation": "forestry",
    "A/R": "forestry",
    "Landfill": "waste",
    "Waste": "waste",
    "Fuel Switch": "fuel_switching",
}


def project(row: Row) -> dict[str, Any]:
    labels = text(row, "Label") or ""
    return {
        "name": text(row, "Project Name"),
        "methodology": methodology(row, "Methodology"),
        "category": category(KINDS, text(row, "Project Type")),
        "labels": ["icvcm_ccp"] if "ICVCM CCP" in labels else [],
    }


def retired(row: Row, columns: list[str]) -> tuple[str, str] | None:
    status = text(row, STATUS)
    return None if status == "Issued" else (STATUS, f"the credits are {status or 'of no status'}")


def vintage(row: Row, block: SerialBlock) -> tuple[str | None, str | None]:
    if block.vintage_year is not None or block.vintage_start is not None:
        return None, None
    return text(row, "Monitoring Period Start"), text(row, "Monitoring Period End")


GOLD_STANDARD = ExportFormat(
    name="Gold Standard credit export",
    registries=frozenset({Registry.GOLD_STANDARD, Registry.CDM}),
    serial_column="Serial Number",
    quantity_column="Quantity",
    category_column="Project Type",
    project=project,
    retired=retired,
    vintage=vintage,
    required=(STATUS,),
)
