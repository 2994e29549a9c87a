"""Verra's VCU export (registry.verra.org, "VCUs"): one row per issuance block; a block retired or
cancelled has a `Retirement/Cancellation Date`. Serials carry project, country, scope and vintage."""

from __future__ import annotations

from typing import Any

from bridge.catalog import Registry
from bridge.imports.model import ExportFormat, Row, methodology, text

RETIRED = "Retirement/Cancellation Date"

#: Verra's project types (its sectoral scopes) that name one category; AFOLU and the combined
#: types do not, and are left to --project-json.
KINDS = {
    "Energy demand": "energy_efficiency",
    "Waste handling and disposal": "waste",
    "Livestock, enteric fermentation, and manure management": "agriculture",
    "Transport": "transport",
    "Fugitive emissions from industrial gases": "industrial_gases",
}


def project(row: Row) -> dict[str, Any]:
    kind = text(row, "Project Type")
    certifications = text(row, "Additional Certifications") or ""
    return {
        "name": text(row, "Name"),
        "methodology": methodology(row, "Methodology"),
        "category": KINDS.get(kind) if kind else None,
        "labels": ["ccb_certified"] if certifications.startswith("CCB") else [],
    }


def retired(row: Row, columns: list[str]) -> tuple[str, str] | None:
    date = text(row, RETIRED)
    return (RETIRED, f"retired or cancelled on {date}") if date else None


VERRA = ExportFormat(
    name="Verra VCU export",
    registries=frozenset({Registry.VERRA}),
    serial_column="Serial Number",
    quantity_column="Quantity Issued",
    category_column="Project Type",
    project=project,
    retired=retired,
    required=(RETIRED,),
)
