"""Puro.earth CORCs (CO2 Removal Certificates).

No Puro Registry export is among our samples, so this is a project-defined form, not one
verified against the registry: 7 parts joined by "-".

    PURO-FI-1001-2023-57-1-250
    │    │  │    │    │  │ └ block end (inclusive)
    │    │  │    │    │  └ block start
    │    │  │    │    └ batch_id (the CORC issuance batch)
    │    │  │    └ vintage year
    │    │  └ project id: the Puro facility id, digits
    │    └ country of the facility (ISO 3166 alpha-2)
    └ "PURO"

The issuance key is the serial without the block numbers: "PURO-FI-1001-2023-57".
Replace this module when real Puro serials are at hand; the rest of the package only needs
a Layout.
"""

from __future__ import annotations

import re

from bridge.catalog import Registry
from bridge.serials.layout import Layout
from bridge.serials.model import SerialBlock
from bridge.serials.values import country, unit_range, year

_PATTERN = re.compile(
    r"""
    (?P<issuance>
        PURO - (?P<country>[A-Z]{2}) - (?P<project_id>[0-9]+) - (?P<vintage_year>[0-9]{4})
        - (?P<batch_id>[0-9]+)
    )
    - (?P<start>[0-9]+) - (?P<end>[0-9]+)
    """,
    re.VERBOSE | re.ASCII,
)


class PuroLayout(Layout):
    registry = Registry.PURO
    name = "Puro.earth CORC"
    pattern = _PATTERN

    def build(self, match: re.Match[str], quantity: int | None) -> SerialBlock:
        start, end = unit_range(self.registry, match["start"], match["end"], quantity)
        return SerialBlock(
            registry=self.registry,
            issuance=match["issuance"],
            start=start,
            end=end,
            project_id=match["project_id"],
            vintage_year=year(match["vintage_year"], "vintage_year"),
            country=country(match["country"]),
            fields={"batch_id": match["batch_id"]},
        )

    def render(self, block: SerialBlock) -> str:
        return f"{block.issuance}-{block.start}-{block.end}"


PURO = PuroLayout()
