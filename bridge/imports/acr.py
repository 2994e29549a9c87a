"""The American Carbon Registry's exports (acrcarbon.org, through the APX registry): issuances, and
retirements or cancellations, recognised by their columns (`Retirement Reason`, `Cancellation Type`)
and refused whole. Serials carry project, vintage year and country."""

from __future__ import annotations

from typing import Any

from bridge.catalog import Registry
from bridge.imports.model import ExportFormat, Row, category, listed, methodology, text, yes

#: ACR project types (prefixes) that name one category.
KINDS = {
    "Ozone Depleting Substances": "industrial_gases",
    "Coal Mine Methane": "mine_methane",
    "Landfill": "waste",
    "Improved Forest Management": "forestry",
    "Afforestation": "forestry",
    "Reforestation": "forestry",
    "Avoided Conversion": "land_use",
    "Livestock": "agriculture",
    "Rice": "agriculture",
    "Fuel Switching": "fuel_switching",
    "Transportation": "transport",
}

_retirement = listed("Retirement Reason", "retirements")
_cancellation = listed("Cancellation Type", "cancellations")


def project(row: Row) -> dict[str, Any]:
    labels = [name for name, column in [("corsia_eligible", "CORSIA Eligible"), ("icvcm_ccp", "CCP Approved")]
              if yes(row, column)]  # fmt: skip
    return {
        "name": text(row, "Project Name"),
        "methodology": methodology(row, "Project Methodology/Protocol"),
        "category": category(KINDS, text(row, "Project Type")),
        "labels": labels,
    }


def retired(row: Row, columns: list[str]) -> tuple[str, str] | None:
    return _retirement(row, columns) or _cancellation(row, columns)


ACR = ExportFormat(
    name="ACR credit export",
    registries=frozenset({Registry.ACR}),
    serial_column="Credit Serial Numbers",
    quantity_column="Quantity of Credits",
    category_column="Project Type",
    project=project,
    retired=retired,
)
