"""The Climate Action Reserve's exports (thereserve2.apx.com): issuances, and retirements or
cancellations, recognised by their columns (`Retirement Reason`, `Cancellation Reason`) and refused
whole. Serials carry project and vintage year."""

from __future__ import annotations

from typing import Any

from bridge.catalog import Registry
from bridge.imports.model import ExportFormat, Row, category, listed, text, yes

#: Reserve project types (prefixes) that name one category.
KINDS = {
    "Mine Methane Capture": "mine_methane",
    "Nitric Acid": "industrial_gases",
    "Ozone Depleting Substances": "industrial_gases",
    "Landfill": "waste",
    "Organic Waste": "waste",
    "Forest": "forestry",
    "Urban Forest": "forestry",
    "Grassland": "land_use",
    "Livestock": "agriculture",
    "Rice Cultivation": "agriculture",
    "Soil Enrichment": "agriculture",
}

_retirement = listed("Retirement Reason", "retirements")
_cancellation = listed("Cancellation Reason", "cancellations")


def project(row: Row) -> dict[str, Any]:
    return {
        "name": text(row, "Project Name"),
        "category": category(KINDS, text(row, "Project Type")),
        "labels": ["icvcm_ccp"] if yes(row, "CCP Approved") else [],
    }


def retired(row: Row, columns: list[str]) -> tuple[str, str] | None:
    return _retirement(row, columns) or _cancellation(row, columns)


CAR = ExportFormat(
    name="Climate Action Reserve credit export",
    registries=frozenset({Registry.CAR}),
    serial_column="Offset Credit Serial Numbers",
    quantity_column="Quantity of Offset Credits",
    category_column="Project Type",
    project=project,
    retired=retired,
)
